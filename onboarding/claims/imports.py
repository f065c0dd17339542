"""Import pull requests in GitHub's REST shape and link them to campaigns and tasks (issue 10, items 1 and 2).

`pull_entries_read` reads a file (a list of pull requests as ``GET /repos/{owner}/{repo}/pulls``
answers, a search API answer ``{"items": [...]}``, or ``../shared/github/cpython-jit-pulls.json``);
`pull_requests_import` writes them. ``manage.py import_pulls`` and ``sync_pulls`` (PyGithub)
both call `pull_requests_import`. The GitHub webhook (``webhooks.services``) reads a delivery's
pull request with the same rules: `pull_entry_author`, `pull_entry_opened_at`, `title_issue`,
then `pull_request_attribute` and `confirmation_for`.

Fields read from each entry (GitHub's names): ``number``, ``title``, ``body``, ``html_url``,
``user.login``, ``state``, ``merged``, ``merged_at``, ``created_at``, and the shared file's own
``issue`` (the mega-issue number), ``changed_files`` (paths, empty when unknown) and
``author_verified``. An entry without ``issue`` takes the first ``gh-NNN`` of its title,
then the ``default_issue`` given. What is missing stays unknown: a null ``user`` is no
author (nor is an app such as ``dependabot[bot]``), a null ``merged_at`` of a merged PR is an
unknown merge date, never a guessed one.

Linking uses `onboarding.claims.matching` (the webhook's matcher) limited to the PR's
campaign; a PR linked to no task gets ``link_note`` saying why. For each merged PR the
first scanned snapshot dated on or after its merge that shows one of its tasks flipped to
done is recorded as ``confirmed_snapshot``; that is also what lets the leaderboard credit
the author (`onboarding.leaderboard.selectors.conversion_queryset`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.claims.matching import ISSUE_RE, campaigns_for_issues, task_match
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor, github_handle_validator
from onboarding.errors import ApplicationError
from onboarding.snapshots.models import Snapshot

__all__ = [
    "ImportReport",
    "PullRequestData",
    "PullRequestDataInvalid",
    "confirmation_for",
    "pull_entries_read",
    "pull_entry_author",
    "pull_entry_opened_at",
    "pull_entry_parse",
    "pull_request_attribute",
    "pull_requests_confirm",
    "pull_requests_import",
    "title_issue",
]

_URL_RE = re.compile(r"^https://github\.com/(?P<repo>[A-Za-z0-9-]+/[A-Za-z0-9._-]+)/pull/(?P<number>[1-9][0-9]*)/?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PullRequestDataInvalid(ApplicationError):
    """An entry of a pull request list is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class PullRequestData:
    """One pull request as read from GitHub's shape; ``None`` where GitHub (or the file) does not tell."""

    repo: str
    number: int
    url: str
    title: str
    body: str
    author: str | None
    author_verified: bool
    state: str
    merged_at: dt.datetime | None
    opened_at: dt.datetime | None
    issue: int | None
    changed_files: tuple[str, ...]


@dataclass
class ImportReport:
    """What `pull_requests_import` did: counts, and the unlinked PRs grouped by reason."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contributors_created: int = 0
    linked: int = 0
    unlinked: dict[str, list[int]] = field(default_factory=dict)
    confirmed: int = 0

    def lines(self) -> list[str]:
        """The report in words, one line per fact, then one per reason a PR is unlinked."""
        total = self.created + self.updated + self.unchanged
        lines = [
            f"{total} pull request(s): {self.created} created, {self.updated} updated, {self.unchanged} unchanged; "
            f"{self.contributors_created} new contributor(s)",
            f"{self.linked} linked to tasks ({self.confirmed} merged and confirmed done by a later scan), "
            f"{sum(map(len, self.unlinked.values()))} linked to none",
        ]
        for reason, numbers in sorted(self.unlinked.items(), key=lambda item: (-len(item[1]), item[0])):
            lines.append(f"  {len(numbers)} unlinked: {reason} (#{', #'.join(map(str, sorted(numbers)))})")
        return lines


def _where(source: str, index: int, entry: object) -> str:
    number = entry.get("number") if isinstance(entry, Mapping) else None
    return f"{source}: entry {index}" + (f" (#{number})" if isinstance(number, int) else "")


def _date(value: object, *, what: str, where: str) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        if _DATE_RE.match(value):
            try:
                return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(0), tzinfo=dt.UTC)
            except ValueError:
                pass
        else:
            try:
                parsed = parse_datetime(value)
            except ValueError:  # well formed but impossible: 2025-13-45T25:61:00Z
                parsed = None
            if parsed is not None:
                return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    raise PullRequestDataInvalid(f"{where}: {what} {value!r} is not a date (YYYY-MM-DD or ISO 8601)")


def pull_entry_author(entry: Mapping[str, Any], *, where: str) -> str | None:
    """The GitHub handle in a pull request's ``user.login``; ``None`` when it has no author.

    No author: a null ``user`` or login, and an app (``dependabot[bot]``), nobody to credit or
    count. Raises `PullRequestDataInvalid` (``WHERE: what is wrong``) when ``user`` is not an
    object, or its login is not a string or not a GitHub handle (`github_handle_validator`).
    """
    user = entry.get("user")
    if user is not None and not isinstance(user, Mapping):
        raise PullRequestDataInvalid(f"{where}: 'user' must be an object with 'login', or null")
    login = user.get("login") if user is not None else None
    if login is None:
        return None
    if not isinstance(login, str):
        raise PullRequestDataInvalid(f"{where}: 'user.login' must be a string or null")
    if login.endswith("[bot]"):
        return None
    try:
        github_handle_validator(login)
    except ValidationError:
        raise PullRequestDataInvalid(f"{where}: 'user.login' {login!r} is not a GitHub handle") from None
    return login


def pull_entry_opened_at(entry: Mapping[str, Any], *, where: str) -> dt.datetime | None:
    """When a pull request was opened (``created_at``, aware; a bare date is midnight UTC); ``None`` when not given.

    Raises `PullRequestDataInvalid` (``WHERE: what is wrong``) when it is not a possible date.
    """
    return _date(entry.get("created_at"), what="'created_at'", where=where)


def title_issue(title: str) -> int | None:
    """The mega-issue a pull request's title cites: the number of its first ``gh-NNN``, else ``None``."""
    cited = ISSUE_RE.search(title)
    return int(cited[1]) if cited else None


def pull_entry_parse(
    entry: object, *, index: int, source: str, default_issue: int | None = None, repo: str | None = None
) -> PullRequestData:
    """Check one entry of GitHub's shape; raises `PullRequestDataInvalid` naming ``source``, the index and the field."""
    where = _where(source, index, entry)
    if not isinstance(entry, Mapping):
        raise PullRequestDataInvalid(f"{where}: expected an object, got {type(entry).__name__}")
    number = entry.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise PullRequestDataInvalid(f"{where}: 'number' must be a positive integer, got {number!r}")
    url = entry.get("html_url")
    if url is None and repo:
        url = f"https://github.com/{repo}/pull/{number}"
    match = _URL_RE.match(url) if isinstance(url, str) else None
    if match is None or int(match["number"]) != number:
        raise PullRequestDataInvalid(
            f"{where}: 'html_url' must be https://github.com/OWNER/REPO/pull/{number}, got {url!r}"
        )
    title = entry.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PullRequestDataInvalid(f"{where}: 'title' must be a non-empty string")
    body = entry.get("body") or ""
    if not isinstance(body, str):
        raise PullRequestDataInvalid(f"{where}: 'body' must be a string or null")
    login = pull_entry_author(entry, where=where)
    state = entry.get("state")
    if state not in ("open", "closed"):
        raise PullRequestDataInvalid(f"{where}: 'state' must be 'open' or 'closed', got {state!r}")
    merged_value = entry.get("merged_at")
    pull = entry.get("pull_request")
    if "merged_at" not in entry and isinstance(pull, Mapping):
        merged_value = pull.get("merged_at")  # a search API item: the merge is under ``pull_request``
    merged_at = _date(merged_value, what="'merged_at'", where=where)
    merged = entry.get("merged")
    if merged is not None and not isinstance(merged, bool):
        raise PullRequestDataInvalid(f"{where}: 'merged' must be true, false or absent")
    if merged is False and merged_at is not None:
        raise PullRequestDataInvalid(f"{where}: 'merged' is false but 'merged_at' is set")
    is_merged = bool(merged) or merged_at is not None
    if is_merged and state != "closed":
        raise PullRequestDataInvalid(f"{where}: a merged pull request must have state 'closed'")
    issue = entry.get("issue")
    if issue is not None and (not isinstance(issue, int) or isinstance(issue, bool) or issue <= 0):
        raise PullRequestDataInvalid(f"{where}: 'issue' must be a positive integer or null, got {issue!r}")
    if issue is None:
        issue = title_issue(title) or default_issue
    files = entry.get("changed_files", [])
    if files is None:
        files = []
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        # GitHub's own pulls API gives ``changed_files`` as a count: that says nothing about which files.
        if isinstance(files, int) and not isinstance(files, bool):
            files = []
        else:
            raise PullRequestDataInvalid(f"{where}: 'changed_files' must be a list of paths")
    verified = entry.get("author_verified", True)
    if not isinstance(verified, bool):
        raise PullRequestDataInvalid(f"{where}: 'author_verified' must be true or false")
    return PullRequestData(
        repo=match["repo"],
        number=number,
        url=f"https://github.com/{match['repo']}/pull/{number}",
        title=title.strip()[:300],
        body=body,
        author=login,
        author_verified=verified and login is not None,
        state=PullRequest.State.MERGED if is_merged else state,
        merged_at=merged_at if is_merged else None,
        opened_at=pull_entry_opened_at(entry, where=where),
        issue=issue,
        changed_files=tuple(sorted(set(files))),
    )


def pull_entries_read(
    path: str | Path, *, default_issue: int | None = None, repo: str | None = None
) -> list[PullRequestData]:
    """Read and check every entry of a JSON file: a list, or an object with ``items`` (the search API).

    Raises `PullRequestDataInvalid` (``FILE: what is wrong``) for an unreadable file, bad JSON,
    or any malformed entry; nothing is returned partly.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PullRequestDataInvalid(f"{path}: cannot read: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise PullRequestDataInvalid(f"{path}:{exc.lineno}:{exc.colno}: not JSON: {exc.msg}") from None
    return pull_entries_parse(data, source=str(path), default_issue=default_issue, repo=repo)


def pull_entries_parse(
    data: object, *, source: str, default_issue: int | None = None, repo: str | None = None
) -> list[PullRequestData]:
    """`pull_entry_parse` over a list (or ``{"items": [...]}``); a number seen twice is an error."""
    if isinstance(data, Mapping) and isinstance(data.get("items"), list):
        data = data["items"]
    if not isinstance(data, list):
        raise PullRequestDataInvalid(f"{source}: expected a list of pull requests or an object with 'items'")
    entries = [
        pull_entry_parse(e, index=i, source=source, default_issue=default_issue, repo=repo) for i, e in enumerate(data)
    ]
    seen: Counter[tuple[str, int]] = Counter((e.repo, e.number) for e in entries)
    twice = sorted(f"{r}#{n}" for (r, n), k in seen.items() if k > 1)
    if twice:
        raise PullRequestDataInvalid(f"{source}: pull request(s) listed twice: {', '.join(twice)}")
    return entries


def _contributor(login: str, *, created: list[str]) -> Contributor:
    contributor = Contributor.objects.filter(github_handle__iexact=login).first()
    if contributor is None:
        try:
            with transaction.atomic():
                contributor = Contributor.objects.create(github_handle=login, user=None)
        except IntegrityError:
            # Another transaction (a webhook delivery processed at the same time) created them first.
            return Contributor.objects.get(github_handle__iexact=login)
        created.append(login)
    return contributor


def pull_request_attribute(
    pr: PullRequest,
    *,
    author: str | None,
    author_verified: bool,
    opened_at: dt.datetime | None,
    issue: int | None,
    new_people: list[str],
    campaigns: dict[int | None, Campaign | None] | None = None,
) -> None:
    """Set who opened ``pr``, when, and for which mega-issue and campaign; ``pr`` is not saved.

    ``author`` (a GitHub handle, ``None`` for no author) becomes a `Contributor`, created
    without an account when new (the handle is appended to ``new_people``); without an author
    ``author_verified`` is False. An unknown ``opened_at`` keeps the one recorded. The campaign
    is the one owning ``issue`` (`campaigns_for_issues`: its own issue or a follow-up its
    analyzer module lists), ``None`` when none does; ``campaigns`` caches that look-up by issue.
    """
    if campaigns is None:
        campaigns = {}
    if issue not in campaigns:
        found = campaigns_for_issues([issue]) if issue is not None else []
        campaigns[issue] = found[0] if found else None
    pr.author = _contributor(author, created=new_people) if author else None
    pr.author_verified = author_verified and author is not None
    pr.opened_at = opened_at or pr.opened_at
    pr.issue = issue
    pr.campaign = campaigns[issue]


def _unlinked_reason(data: PullRequestData, campaign: Campaign | None, unmatched: list[str]) -> str:
    if data.issue is None:
        return "no mega-issue: the title cites none and none was given"
    if campaign is None:
        return f"gh-{data.issue} is not the issue of any campaign here, nor a follow-up a campaign lists"
    if not Task.objects.filter(campaign=campaign).exists():
        return f"the {campaign.slug} campaign has no tasks yet (scan a snapshot first)"
    if unmatched:
        shown = ", ".join(unmatched[:4]) + (" …" if len(unmatched) > 4 else "")
        return f"names {shown}, which are not tasks of the {campaign.slug} campaign"
    return "its title names no instruction or uop"


def confirmation_for(pr: PullRequest, task_ids: Iterable[int]) -> Snapshot | None:
    """The first scanned snapshot dated on or after ``pr``'s merge that flipped one of the tasks to done.

    A task's first sighting (already done) is no confirmation: nobody here converted it.
    ``None`` when the PR is not merged, its merge date is unknown, or no such scan exists.
    """
    if pr.state != PullRequest.State.MERGED or pr.merged_at is None:
        return None
    change = (
        TaskStatusChange.objects.filter(
            task_id__in=list(task_ids),
            to_status=Task.Status.DONE,
            snapshot__isnull=False,
            snapshot__date__gte=pr.merged_at.date(),
        )
        .exclude(from_status="")
        .select_related("snapshot")
        .order_by("snapshot__date", "at", "pk")
        .first()
    )
    return change.snapshot if change is not None else None


def pull_requests_confirm(*, task_ids: Iterable[int]) -> int:
    """Record `confirmation_for` on the merged pull requests linked to ``task_ids`` that have none yet.

    Called by a scan for the tasks it moved to done, so a pull request merged before that scan
    gets its ``confirmed_snapshot`` then, not only at its next import or webhook delivery. A
    recorded confirmation is kept: scans move tasks only for the newest snapshot, so a later
    scan cannot find an earlier one. Returns how many pull requests it confirmed.
    """
    candidates = (
        PullRequest.objects.filter(
            tasks__in=list(task_ids),
            state=PullRequest.State.MERGED,
            merged_at__isnull=False,
            confirmed_snapshot__isnull=True,
        )
        .distinct()
        .prefetch_related("tasks")
    )
    confirmed = 0
    for pr in candidates:
        snapshot = confirmation_for(pr, [task.pk for task in pr.tasks.all()])
        if snapshot is not None:
            pr.confirmed_snapshot = snapshot
            pr.save(update_fields=["confirmed_snapshot", "updated_at"])
            confirmed += 1
    return confirmed


_FIELDS = (
    "url",
    "title",
    "state",
    "merged_at",
    "opened_at",
    "issue",
    "changed_files",
    "author_id",
    "author_verified",
    "campaign_id",
    "link_note",
    "confirmed_snapshot_id",
)


def pull_requests_import(entries: Iterable[PullRequestData]) -> ImportReport:
    """Create or update the pull requests and their authors, link them, record confirmations; one transaction.

    Idempotent: a second import of the same entries saves nothing. A pull request already
    merged here stays merged (a late copy of an earlier state cannot undo a merge). Links
    made through claims (the PR's claim's task) are kept beside the matched tasks.
    """
    report = ImportReport()
    new_people: list[str] = []
    campaigns: dict[int | None, Campaign | None] = {}
    with transaction.atomic():
        for data in entries:
            pr = PullRequest.objects.select_for_update().filter(repo=data.repo, number=data.number).first()
            created = pr is None
            if pr is None:
                pr = PullRequest(repo=data.repo, number=data.number)
            before = {name: getattr(pr, name) for name in _FIELDS}
            pr.url = data.url
            pr.title = data.title
            if pr.state != PullRequest.State.MERGED or data.state == PullRequest.State.MERGED:
                pr.state = data.state
                pr.merged_at = data.merged_at if data.merged_at is not None else pr.merged_at
            pr.changed_files = list(data.changed_files)
            pull_request_attribute(
                pr,
                author=data.author,
                author_verified=data.author_verified,
                opened_at=data.opened_at,
                issue=data.issue,
                new_people=new_people,
                campaigns=campaigns,
            )
            campaign = pr.campaign
            match = task_match(title=data.title, body=data.body, campaigns=[campaign]) if campaign else None
            tasks = {t.pk for t in match.tasks} if match else set()
            if pr.claim_id is not None and pr.claim is not None:
                tasks.add(pr.claim.task_id)
            pr.link_note = ("" if tasks else _unlinked_reason(data, campaign, match.unmatched if match else []))[:300]
            pr.confirmed_snapshot = confirmation_for(pr, tasks) if tasks else None
            after = {name: getattr(pr, name) for name in _FIELDS}
            if created or after != before:
                pr.save()
                report.created += created
                report.updated += not created
            if set(pr.tasks.values_list("pk", flat=True)) != tasks:
                pr.tasks.set(tasks)
                if not created and after == before:
                    report.updated += 1
            elif not created and after == before:
                report.unchanged += 1
            if tasks:
                report.linked += 1
                report.confirmed += pr.confirmed_snapshot_id is not None
            else:
                report.unlinked.setdefault(pr.link_note, []).append(pr.number)
    report.contributors_created = len(new_people)
    return report


def entry_from_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict of the GitHub fields this module reads (for PyGithub's ``raw_data``)."""
    keys = ("number", "title", "body", "html_url", "user", "state", "merged", "merged_at", "created_at")
    return {k: data.get(k) for k in keys if k in data}
