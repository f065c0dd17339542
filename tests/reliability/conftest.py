"""The reliability suite (issue 14): every test here is marked ``reliability``.

Races need real concurrent connections, which only PostgreSQL gives (SQLite serializes
writers, so a race test there would pass without testing anything). Modules whose name ends
in ``_postgres`` are therefore collected only when ``DATABASE_URL`` is a PostgreSQL URL: on
SQLite they are deselected and the terminal summary says so; asking for ``-m reliability``
explicitly on SQLite is an error, not a quiet partial run. CI runs the suite on PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.onboarding.conftest import make_contributor, make_task  # noqa: F401  (fixtures)
from tests.webhooks.conftest import deliver, payload, payloads  # noqa: F401  (fixtures)

HERE = Path(__file__).resolve().parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
_DESELECTED: list[str] = []


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.reliability)
    if ON_POSTGRES:
        return
    postgres_only = [i for i in items if HERE in Path(str(i.path)).parents and i.path.stem.endswith("_postgres")]
    if not postgres_only:
        return
    if (config.option.markexpr or "").strip() == "reliability":
        raise pytest.UsageError(
            "-m reliability needs PostgreSQL for its race tests: set DATABASE_URL=postgres://postgres@127.0.0.1:5432/NAME"
        )
    config.hook.pytest_deselected(items=postgres_only)
    items[:] = [i for i in items if i not in postgres_only]
    _DESELECTED.extend(i.nodeid for i in postgres_only)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _DESELECTED:
        terminalreporter.write_line(
            f"reliability: {len(_DESELECTED)} PostgreSQL-only race tests deselected (DATABASE_URL is not "
            "PostgreSQL); `.ci/run` runs them on PostgreSQL"
        )
