"""Fetch a mega-issue's pull requests from GitHub with PyGithub, for ``manage.py sync_pulls`` (issue 10, item 1).

The search is ``repo:OWNER/NAME is:pr "gh-NNN" in:title,body`` (GitHub's issue search API,
``GET /search/issues``); each hit is then read as a pull request (``GET /repos/{repo}/pulls/{n}``:
``merged``, ``merged_at``) and, unless ``with_files`` is off, its changed files
(``GET /repos/{repo}/pulls/{n}/files``). The entries keep GitHub's field names plus
``changed_files`` (the mega-issue is the title's ``gh-NNN``, else the one searched), and
go through the same checks and import as ``import_pulls`` (`onboarding.claims.imports`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import requests
from github import Auth, Github, GithubException

from onboarding.claims.imports import PullRequestDataInvalid

__all__ = ["GitHubUnavailable", "pull_requests_fetch", "search_query"]


class GitHubUnavailable(PullRequestDataInvalid):
    """GitHub refused or could not answer (rate limit, credentials, no network); nothing was written."""


def search_query(*, repo: str, issue: int) -> str:
    """GitHub's search for the pull requests citing ``gh-ISSUE`` in ``repo``."""
    return f'repo:{repo} is:pr "gh-{issue}" in:title,body'


def _error(exc: GithubException, what: str) -> GitHubUnavailable:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    message = exc.data.get("message", "") if isinstance(exc.data, dict) else ""
    if exc.status in (403, 429) and (headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers):
        if headers.get("x-ratelimit-reset", "").isdigit():
            reset = dt.datetime.fromtimestamp(int(headers["x-ratelimit-reset"]), tz=dt.UTC)
            when = f"the limit resets at {reset:%Y-%m-%d %H:%M} UTC"
        else:
            when = f"retry after {headers.get('retry-after', 'a while')} seconds"
        return GitHubUnavailable(f"GitHub's API rate limit is exhausted while {what}; {when}. Nothing was imported.")
    hints = {401: "the token in GITHUB_TOKEN is not valid", 404: "no such repository, or the token cannot see it"}
    hint = hints.get(exc.status, "GitHub answered with an error")
    return GitHubUnavailable(f"GitHub refused {what} ({exc.status}: {message or 'no message'}): {hint}.")


def pull_requests_fetch(*, repo: str, issue: int, token: str = "", with_files: bool = True) -> list[dict[str, Any]]:
    """The pull requests of ``repo`` citing ``gh-ISSUE``, as entries `pull_entries_parse` reads.

    One search (paged by PyGithub), then per hit one pull request read and, with
    ``with_files``, its files (paged). Raises `GitHubUnavailable` for rate limits, refusals and
    network failures; PyGithub's retrying is off so a limit is reported at once.
    """
    client = Github(
        auth=Auth.Token(token) if token else None,
        retry=None,
        timeout=20,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )
    entries: list[dict[str, Any]] = []
    try:
        what = f"searching {repo} for gh-{issue}"
        try:
            hits = [hit.number for hit in client.search_issues(search_query(repo=repo, issue=issue))]
            repository = client.get_repo(repo)  # lazy: no request of its own
            for number in sorted(hits):
                what = f"reading {repo}#{number}"
                pull = repository.get_pull(number)
                entry = dict(pull.raw_data)
                entry["changed_files"] = [f.filename for f in pull.get_files()] if with_files else []
                entries.append(entry)
        except GithubException as exc:
            raise _error(exc, what) from None
    except requests.RequestException as exc:
        raise GitHubUnavailable(f"Cannot reach GitHub's API ({type(exc).__name__}); check the network.") from None
    finally:
        client.close()
    return entries
