"""Checks on a signed delivery's payload before it is stored (issue 14, item 3).

A signature only says GitHub (or whoever holds the secret) sent the body, not that the body
has the shape processing relies on. `payload_problem` returns why a payload cannot be used,
or ``None``; the view answers **400** with that reason and stores nothing, so a malformed
delivery can never sit in the table half-applied.

Shapes checked (GitHub's webhook payload reference,
https://docs.github.com/en/webhooks/webhook-events-and-payloads):

- every event: ``action``, when present, a string of at most 50 characters;
  ``repository.full_name``, when present, ``OWNER/NAME`` (GitHub's characters, at most
  39 + 100 characters).
- ``pull_request``: ``repository.full_name`` present; ``number`` (top level or in
  ``pull_request``) a positive integer; ``pull_request`` an object whose ``title``,
  ``body`` and ``user.login`` are strings or null, ``state`` ``open`` or ``closed``, and
  ``merged_at`` / ``updated_at`` ISO 8601 times or null.
- ``issue_comment``: ``repository.full_name`` present and ``issue.number`` a positive integer.
"""

from __future__ import annotations

from typing import Any

from django.utils.dateparse import parse_datetime

from analyzer.markdown.megaissue import REPOSITORY_RE

__all__ = ["REPOSITORY_RE", "payload_number", "payload_problem", "payload_repository"]

MAX_ACTION = 50
MAX_TITLE = 1_000
MAX_BODY = 262_144  # GitHub's own limit for a pull request body is 65,536 characters


def payload_repository(payload: dict[str, Any]) -> str:
    """``repository.full_name`` of a payload, or ``""`` when it has none."""
    repository = payload.get("repository")
    name = repository.get("full_name") if isinstance(repository, dict) else None
    return name if isinstance(name, str) else ""


def payload_number(payload: dict[str, Any]) -> int | None:
    """The pull request's number: ``pull_request.number``, else the top-level ``number``."""
    pr = payload.get("pull_request")
    for value in ((pr or {}).get("number") if isinstance(pr, dict) else None, payload.get("number")):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None


def _positive_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31


def _time_problem(name: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        return f"{name} must be an ISO 8601 time or null"
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    return None if parsed is not None else f"{name} {value[:40]!r} is not a possible ISO 8601 time"


def _text_problem(name: str, value: Any, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return f"{name} must be a string or null"
    if len(value) > limit:
        return f"{name} is longer than {limit:,} characters"
    return None


def payload_problem(event: str, payload: dict[str, Any]) -> str | None:
    """Why ``payload`` of ``event`` cannot be processed (a sentence naming the field), or ``None``."""
    action = payload.get("action")
    if action is not None and (not isinstance(action, str) or len(action) > MAX_ACTION):
        return f"action must be a string of at most {MAX_ACTION} characters"
    repository = payload.get("repository")
    if repository is not None:
        if not isinstance(repository, dict):
            return "repository must be an object"
        name = repository.get("full_name")
        if name is not None and (not isinstance(name, str) or not REPOSITORY_RE.match(name)):
            return "repository.full_name must be OWNER/NAME as GitHub spells repositories"
    if event == "pull_request":
        return _pull_request_problem(payload)
    if event == "issue_comment":
        issue = payload.get("issue")
        if not payload_repository(payload):
            return "repository.full_name is required"
        if not isinstance(issue, dict) or not _positive_int(issue.get("number")):
            return "issue.number must be a positive integer"
    return None


def _pull_request_problem(payload: dict[str, Any]) -> str | None:
    pr = payload.get("pull_request")
    if not isinstance(pr, dict):
        return "pull_request must be an object"
    if not payload_repository(payload):
        return "repository.full_name is required"
    for where, value in (("number", payload.get("number")), ("pull_request.number", pr.get("number"))):
        if value is not None and not _positive_int(value):
            return f"{where} must be a positive integer"
    if payload_number(payload) is None:
        return "number is required (a positive integer)"
    if pr.get("state") not in (None, "open", "closed"):
        return "pull_request.state must be open or closed"
    user = pr.get("user")
    if user is not None and not isinstance(user, dict):
        return "pull_request.user must be an object or null"
    for problem in (
        _text_problem("pull_request.title", pr.get("title"), MAX_TITLE),
        _text_problem("pull_request.body", pr.get("body"), MAX_BODY),
        _text_problem("pull_request.user.login", (user or {}).get("login"), 100),
        _time_problem("pull_request.merged_at", pr.get("merged_at")),
        _time_problem("pull_request.updated_at", pr.get("updated_at")),
    ):
        if problem is not None:
            return problem
    return None
