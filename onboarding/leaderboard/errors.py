"""Refusals of the leaderboard app, in the project's one `onboarding.errors.ApplicationError` tree.

Exception tree::

    ApplicationError                (onboarding.errors)
    ├── NotAllowed                  (onboarding.errors) not a maintainer, or recognising oneself
    └── RecognitionError            a recognition that cannot be recorded
        └── RecognitionDuplicate    this person's review or mentoring of that work is already recorded
"""

from __future__ import annotations

from onboarding.errors import ApplicationError

__all__ = ["RecognitionDuplicate", "RecognitionError"]


class RecognitionError(ApplicationError):
    """A recognition names no work, or work that does not exist."""


class RecognitionDuplicate(RecognitionError):
    """The same contributor, kind and piece of work is already recorded."""
