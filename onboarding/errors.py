"""The one tree of errors that services raise and views turn into messages for the person.

Exception tree::

    ApplicationError              base class; ``message`` is safe to show to the person
    ├── ScanFailed                the analyzer rejected a snapshot; the Scan row says why
    ├── ScanNotRerunnable         only a failed scan, or one whose worker died, runs again
    ├── BrokerUnavailable         the job queue (Celery's broker) cannot be reached; the row says so
    ├── PublishFailed             GitHub refused or could not take the mega-issue (rate limit, access, markers)
    ├── NotAllowed                the actor may not do this (not the claimant, not a maintainer)
    ├── ContributorError          no contributor profile can be made for this account
    └── ClaimError                a claim rule refused the request
        ├── TaskNotClaimable      the task is done, retired or not applicable
        ├── TaskAlreadyClaimed    someone (maybe you) holds the task's active claim
        ├── ClaimLimitReached     the contributor holds as many active claims as allowed
        ├── ClaimNotActive        the claim was already released, expired or completed
        └── InvalidPullRequestUrl the URL is not a GitHub pull request of a known form
"""

from __future__ import annotations

__all__ = [
    "ApplicationError",
    "BrokerUnavailable",
    "ClaimError",
    "ClaimLimitReached",
    "ClaimNotActive",
    "ContributorError",
    "InvalidPullRequestUrl",
    "NotAllowed",
    "PublishFailed",
    "ScanFailed",
    "ScanNotRerunnable",
    "TaskAlreadyClaimed",
    "TaskNotClaimable",
]


class ApplicationError(Exception):
    """A refusal or failure the person can act on; ``message`` is shown as is, ``extra`` is data."""

    def __init__(self, message: str, *, extra: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}

    def __reduce__(self) -> tuple[object, ...]:
        # Keyword-only ``extra`` would be lost by the default pickling (errors cross Celery).
        return (_rebuild, (type(self), self.message, self.extra))


def _rebuild(cls: type[ApplicationError], message: str, extra: dict[str, object]) -> ApplicationError:
    return cls(message, extra=extra)


class ScanFailed(ApplicationError):
    """The analyzer could not read the snapshot; ``extra["scan_id"]`` names the failed Scan."""


class PublishFailed(ApplicationError):
    """Publishing a mega-issue to GitHub failed; the message says why and what to do."""


class ScanNotRerunnable(ApplicationError):
    """The scan succeeded, so there is nothing to run again (start a new scan instead)."""


class BrokerUnavailable(ApplicationError):
    """Queueing a job failed because the broker is unreachable (the API answers 503).

    The row the job was for records it and stays retryable: a scan is ``failed`` with the
    reason (re-run it), a webhook delivery stays ``received`` and a periodic job queues it again.
    """


class NotAllowed(ApplicationError):
    """The acting person lacks the right to do this."""


class ContributorError(ApplicationError):
    """A user cannot be given a contributor profile (e.g. their handle is taken)."""


class ClaimError(ApplicationError):
    """Base class of claim-rule refusals."""


class TaskNotClaimable(ClaimError):
    """The task is done, retired or not applicable, so there is nothing to claim."""


class TaskAlreadyClaimed(ClaimError):
    """The task already has an active claim."""


class ClaimLimitReached(ClaimError):
    """The contributor already holds the maximum number of active claims."""


class ClaimNotActive(ClaimError):
    """The claim is no longer active, so it cannot be released or linked."""


class InvalidPullRequestUrl(ClaimError):
    """The URL is not ``https://github.com/OWNER/REPO/pull/NUMBER``."""
