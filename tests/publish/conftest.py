"""Fixtures for the publishing tests: tasks and people to put in a mega-issue."""

from tests.onboarding.conftest import make_contributor, make_task  # noqa: F401  (fixtures)
