"""Publish a campaign's mega-issue into an existing GitHub issue: replace only the generated block.

The block sits between two hidden markers::

    <!-- jit-onboarding:megaissue:refcount:start -->
    ... the Markdown of ``campaign_megaissue`` ...
    <!-- jit-onboarding:megaissue:refcount:end -->

Text before and after the block is kept byte for byte, so a maintainer can write above
and below it. Inside, the checklist follows the database; items are matched by their
hidden IDs (``<!-- task:SLUG:NAME -->``), and the indented lines someone wrote under an
item (a sub-bullet "blocked on gh-12345") stay under that item. An issue with no block
yet gets one appended; an issue listing task IDs without markers is refused rather than
duplicated. GitHub's REST API is reached through PyGithub; see `megaissue_publish`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass

import requests
from github import Auth, Github, GithubException

from analyzer.markdown import GITHUB_ISSUE_BODY_LIMIT
from onboarding.campaigns.models import Campaign
from onboarding.campaigns.selectors import campaign_megaissue
from onboarding.errors import PublishFailed

__all__ = ["PublishResult", "block_markers", "megaissue_merge", "megaissue_publish"]

_TASK_ID_RE = re.compile(r"<!-- task:[^ ]+ -->")


def block_markers(slug: str) -> tuple[str, str]:
    """The hidden start and end markers of campaign ``slug``'s generated block."""
    return f"<!-- jit-onboarding:megaissue:{slug}:start -->", f"<!-- jit-onboarding:megaissue:{slug}:end -->"


def _notes_by_item(block: str) -> dict[str, list[str]]:
    """Hand-written indented lines under each checklist item of an old block, by the item's ID."""
    notes: dict[str, list[str]] = {}
    current: str | None = None
    for line in block.splitlines():
        found = _TASK_ID_RE.search(line)
        if found:
            current = found.group(0)
        elif current is not None and line[:1] in (" ", "\t") and line.strip():
            notes.setdefault(current, []).append(line)
        else:
            current = None
    return notes


def megaissue_merge(*, body: str, markdown: str, slug: str) -> str:
    """The issue ``body`` with its generated block replaced by ``markdown``; raises `PublishFailed`.

    Keeps everything outside the markers untouched and the notes under items (see the
    module docstring). Line endings inside the block follow the body's (GitHub's editor
    saves CRLF).
    """
    start, end = block_markers(slug)
    newline = "\r\n" if "\r\n" in body else "\n"
    counts = (body.count(start), body.count(end))
    if counts == (0, 0):
        if _TASK_ID_RE.search(body):
            raise PublishFailed(
                f"The issue lists tasks but has no generated block; put {start} and {end} around the "
                "checklist (or delete it) so it is updated in place, not added twice."
            )
        before, old, after = body.rstrip() + (newline * 2 if body.strip() else ""), "", newline
    elif counts != (1, 1) or body.index(start) > body.index(end):
        raise PublishFailed(
            f"The issue's generated block is damaged: it needs exactly one {start} followed by one {end}."
        )
    else:
        before, rest = body.split(start, 1)
        old, after = rest.split(end, 1)
    notes = _notes_by_item(old)
    lines: list[str] = []
    for line in markdown.strip("\n").splitlines():
        lines.append(line)
        found = _TASK_ID_RE.search(line)
        if found:
            lines.extend(notes.get(found.group(0), []))
    block = newline.join(lines)
    merged = f"{before}{start}{newline}{block}{newline}{end}{after}"
    if len(merged) > GITHUB_ISSUE_BODY_LIMIT:
        raise PublishFailed(
            f"The issue body would be {len(merged)} characters; GitHub takes at most "
            f"{GITHUB_ISSUE_BODY_LIMIT}. Shorten the text around the block."
        )
    return merged


@dataclass(frozen=True)
class PublishResult:
    """What `megaissue_publish` did: the unified diff, and whether the issue was (or would be) changed."""

    url: str
    diff: str
    changed: bool
    published: bool


def _diff(old: str, new: str, name: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.replace("\r\n", "\n").splitlines(keepends=True),
            new.replace("\r\n", "\n").splitlines(keepends=True),
            fromfile=f"{name} (on GitHub)",
            tofile=f"{name} (generated)",
        )
    )


def _github_error(exc: GithubException, what: str) -> PublishFailed:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
    if exc.status in (403, 429) and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers):
        if "retry-after" in headers:
            when = f"retry after {headers['retry-after']} seconds"
        elif headers.get("x-ratelimit-reset", "").isdigit():
            reset = dt.datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=dt.UTC)
            when = f"the limit resets at {reset:%Y-%m-%d %H:%M} UTC"
        else:
            when = "retry later"
        return PublishFailed(
            f"GitHub's API rate limit is exhausted ({exc.status}: {message or 'rate limited'}) while {what}; "
            f"{when}. Nothing was changed."
        )
    hints = {
        401: "the token in GITHUB_TOKEN is not valid",
        403: "the token may not edit this issue (it needs the repository's Issues write permission)",
        404: "no such repository or issue, or the token cannot see it",
        410: "the issue was deleted or issues are turned off",
        422: "GitHub rejected the new body",
    }
    hint = hints.get(exc.status, "GitHub answered with an error")
    return PublishFailed(f"GitHub refused {what} ({exc.status}: {message or 'no message'}): {hint}.")


def megaissue_publish(*, campaign: Campaign, repo: str, issue: int, token: str, dry_run: bool = False) -> PublishResult:
    """Replace the generated block of GitHub issue ``repo#issue`` with ``campaign``'s mega-issue.

    One GET of the issue, then one PATCH of its body unless ``dry_run`` or nothing changed.
    ``token`` may be empty for a dry run of a public repository. Raises `PublishFailed` with
    a message for people on rate limiting (403/429 with ``X-RateLimit-Remaining: 0`` or
    ``Retry-After``), bad credentials, missing access, a damaged block, or no network;
    PyGithub's own retrying is off, so a limit is reported at once rather than waited out.
    """
    if not dry_run and not token:
        raise PublishFailed("Set GITHUB_TOKEN to a token that may edit the issue (or use --dry-run).")
    client = Github(
        auth=Auth.Token(token) if token else None,
        retry=None,
        timeout=20,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )
    name = f"{repo}#{issue}"
    markdown = campaign_megaissue(campaign=campaign)
    try:
        try:
            gh_issue = client.get_repo(repo).get_issue(issue)
            old = gh_issue.body or ""  # the one GET (lazy objects fetch on first use)
        except GithubException as exc:
            raise _github_error(exc, f"reading {name}") from None
        new = megaissue_merge(body=old, markdown=markdown, slug=campaign.slug)
        result = PublishResult(url=gh_issue.html_url, diff=_diff(old, new, name), changed=new != old, published=False)
        if dry_run or not result.changed:
            return result
        try:
            gh_issue.edit(body=new)
        except GithubException as exc:
            raise _github_error(exc, f"editing {name}") from None
    except requests.RequestException as exc:
        raise PublishFailed(f"Cannot reach GitHub's API ({type(exc).__name__}); check the network.") from None
    finally:
        client.close()
    return PublishResult(url=result.url, diff=result.diff, changed=True, published=True)
