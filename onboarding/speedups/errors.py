"""Refusals of the speedups app, in the project's one `onboarding.errors.ApplicationError` tree.

Exception tree::

    ApplicationError              (onboarding.errors)
    └── SpeedupError              base class of this app's refusals
        ├── BenchmarkFileInvalid  the bytes are not a pyperf result file
        ├── RunsNotComparable     machine, compiler or benchmark definitions differ (forceable)
        └── NothingToCompare      the same run twice, or no benchmark in common (not forceable)
"""

from __future__ import annotations

from onboarding.errors import ApplicationError

__all__ = ["BenchmarkFileInvalid", "NothingToCompare", "RunsNotComparable", "SpeedupError"]


class SpeedupError(ApplicationError):
    """Base class of the refusals of benchmark imports and comparisons."""


class BenchmarkFileInvalid(SpeedupError):
    """The file is not pyperf output; ``extra["file_name"]`` names it."""


class RunsNotComparable(SpeedupError):
    """The runs differ in what a fair comparison must hold equal; ``extra["reasons"]`` lists how.

    ``extra["lead"]`` and ``extra["advice"]`` are the message's sentences before and after the
    reasons, so that a page can list the reasons once instead of repeating the message.

    Comparing them anyway needs ``force=True``, and the result is then labelled as forced.
    """


class NothingToCompare(SpeedupError):
    """The comparison has no meaning at all (same run twice, no benchmark in common)."""
