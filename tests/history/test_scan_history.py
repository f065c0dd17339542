"""scan_history on a real git history of the shared snapshots: exact flips, PR numbers, cache, ranges, errors."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from analyzer.analysis import analyze
from analyzer.campaigns import get, run_all
from onboarding.history import jobs
from onboarding.history.gitlog import pr_number
from onboarding.history.models import HistoryRun, TaskFlip, VersionAnalysis
from onboarding.history.selectors import task_done_flip
from tests.onboarding.conftest import make_task  # noqa: F401  (a fixture)

from .conftest import History
from .repo import Step, build_repository

pytestmark = pytest.mark.django_db

#: The commits that touch the DSL files, in order, and the snapshot each one's files equal.
DSL_COMMITS = {
    "3.14a-2024-06": "3.14a-2024-06",
    "3.15a-2025-07": "3.15a-2025-07",
    "3.15a-2025-08": "3.15a-2025-08",
    "3.15a-2026-02": "3.15a-2026-02",
    "trivial": "3.15a-2026-02",  # a comment added: another blob, the same findings
    "revert": "3.15a-2025-08",
    "reapply": "3.15a-2026-02",
    "main-2026-06": "main-2026-06",
}


@functools.cache
def snapshot_statuses(label: str) -> dict[str, dict[str, str]]:
    """Statuses per evaluated campaign, straight from the analyzer on the snapshot folder (no git)."""
    from tests.conftest import CPYTHON_DIR

    results = run_all(analyze(CPYTHON_DIR / label))
    return {slug: {f.name: f.status for f in r.findings} for slug, r in results.items() if r.evaluated}


def expected_flips() -> set[tuple[str, str, str, str, str]]:
    """(commit name, campaign, task, from, to) by comparing consecutive snapshot folders."""
    expected = set()
    state: dict[str, dict[str, str]] = {}
    for commit, label in DSL_COMMITS.items():
        for slug, current in snapshot_statuses(label).items():
            previous = state.get(slug)
            state[slug] = current
            if previous is None:
                continue  # a campaign's first evaluated version is its baseline
            gone = "done" if get(slug).gone_status == "done" else ""  # decomposing: gone means done
            for name in previous.keys() | current.keys():
                old = previous.get(name, "")
                new = current.get(name) or (gone if old == "todo" else "")
                if old != new:
                    expected.add((commit, slug, name, old, new))
    return expected


def recorded_flips(history: History) -> set[tuple[str, str, str, str, str]]:
    names = {sha: name for name, sha in history.sha.items()}
    return {
        (names[f.commit], f.campaign.slug, f.task_name, f.from_status, f.to_status)
        for f in TaskFlip.objects.select_related("campaign")
    }


def scan(history: History, *args: str, **options: Any) -> HistoryRun:
    call_command("scan_history", str(history.path), *args, verbosity=0, **options)
    return HistoryRun.objects.order_by("-pk").first()  # type: ignore[return-value]


@pytest.fixture
def count_analyses(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Counts the versions actually analyzed (the in-process path of `jobs.versions_analyze`)."""
    calls: list[int] = []
    real = jobs.version_statuses

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["bytecodes"]))
        return real(**kwargs)

    monkeypatch.setattr(jobs, "version_statuses", counting)
    yield calls


class TestFlips:
    def test_every_flip_is_the_difference_between_the_snapshots_the_commits_hold(self, history: History) -> None:
        run = scan(history)

        expected = expected_flips()
        assert recorded_flips(history) == expected
        assert run.status == "succeeded" and run.commits == len(DSL_COMMITS)
        assert run.flips_created == len(expected) > 100
        # Commits that touch other files, and the comment-only change, flip nothing.
        assert {commit for commit, *_ in expected} == set(DSL_COMMITS) - {"3.14a-2024-06", "trivial"}

    def test_a_conversion_its_revert_and_its_reapply_are_recorded_with_their_pull_requests(
        self, history: History
    ) -> None:
        scan(history)

        flips = TaskFlip.objects.filter(campaign__slug="refcount", task_name="BINARY_OP_ADD_INT")
        assert [(f.commit, f.from_status, f.to_status, f.pr_number, f.author_name) for f in flips] == [
            (history.sha["3.15a-2026-02"], "todo", "done", 140123, "Nadia Example"),
            (history.sha["revert"], "done", "todo", 140200, "Release Manager"),
            (history.sha["reapply"], "todo", "done", 140300, "Nadia Example"),
        ]
        assert flips[0].committed_at == dt.datetime(2026, 2, 20, 12, tzinfo=dt.UTC)
        assert flips[0].author_email == "nadia@example.org"
        # The optimizer campaign starts with the commit that added optimizer_bytecodes.c: no flips there.
        assert not TaskFlip.objects.filter(campaign__slug="optimizer", commit=history.sha["3.15a-2025-08"]).exists()
        assert TaskFlip.objects.filter(commit=history.sha["3.15a-2025-07"]).first().pr_number == 135001

    def test_the_done_flip_is_the_reapply_and_a_task_still_todo_has_none(
        self,
        history: History,
        make_task: Callable[..., Any],  # noqa: F811
    ) -> None:
        scan(history)
        converted = make_task("BINARY_OP_ADD_INT", status="done")
        todo_now = next(n for n, s in snapshot_statuses("main-2026-06")["refcount"].items() if s == "todo")
        open_task = make_task(todo_now)

        done = task_done_flip(task=converted)
        assert done is not None
        assert (done.commit, done.pr_number) == (history.sha["reapply"], 140300)
        assert task_done_flip(task=open_task) is None
        assert TaskFlip.objects.filter(task_name="BINARY_OP_ADD_INT").count() == 3


class TestCacheAndReruns:
    def test_each_distinct_version_is_analyzed_once_and_a_rerun_changes_nothing(
        self, history: History, count_analyses: list[int]
    ) -> None:
        first = scan(history)
        rows = list(TaskFlip.objects.order_by("pk").values())

        # 8 commits, 6 versions: the revert and the re-apply bring back blobs already analyzed.
        assert len(count_analyses) == 6
        assert (first.versions, first.analyses, first.cache_hits) == (6, 6, 0)
        assert VersionAnalysis.objects.count() == 6

        second = scan(history)
        assert len(count_analyses) == 6
        assert (second.analyses, second.cache_hits) == (0, 6)
        assert (second.flips_created, second.flips_updated, second.flips_deleted) == (0, 0, 0)
        assert list(TaskFlip.objects.order_by("pk").values()) == rows

    def test_a_range_records_the_same_flips_as_the_whole_history_for_its_commits(self, history: History) -> None:
        run = scan(history, since="2026-02-01", until="2026-03-02")

        in_range = {"3.15a-2026-02", "trivial", "revert"}
        assert run.commits == 3
        # The first commit in range is compared with its parent (the 2025-08 files), not taken as a baseline.
        assert recorded_flips(history) == {f for f in expected_flips() if f[0] in in_range}

        whole = scan(history)
        assert whole.flips_updated == whole.flips_deleted == 0
        assert recorded_flips(history) == expected_flips()

    def test_a_failure_while_analyzing_writes_no_flip_and_no_cache_row(
        self, history: History, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(**kwargs: Any) -> Any:
            raise RuntimeError("the worker ran out of memory")

        monkeypatch.setattr(jobs, "version_statuses", broken)
        with pytest.raises(RuntimeError):
            scan(history)

        run = HistoryRun.objects.get()
        assert run.status == "failed" and run.error == "RuntimeError: the worker ran out of memory"
        assert not TaskFlip.objects.exists() and not VersionAnalysis.objects.exists()


class TestInput:
    def test_a_missing_path_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match=r"/nowhere: no such directory \(give the top folder"):
            call_command("scan_history", str(tmp_path / "nowhere"), verbosity=0)
        assert not HistoryRun.objects.exists()

    def test_a_file_is_a_clear_error(self, tmp_path: Path) -> None:
        (tmp_path / "bytecodes.c").write_text("")
        with pytest.raises(CommandError, match=r"bytecodes.c: is a file, expected the top folder"):
            call_command("scan_history", str(tmp_path / "bytecodes.c"), verbosity=0)

    def test_a_folder_without_git_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(CommandError, match=r": not a git repository"):
            call_command("scan_history", str(tmp_path), verbosity=0)
        assert not HistoryRun.objects.exists()

    def test_a_folder_inside_a_checkout_names_its_top(self, history: History) -> None:
        inside = history.path / "Doc"
        inside.mkdir(exist_ok=True)
        with pytest.raises(CommandError, match=rf"is inside the git checkout {history.path}; give its top folder"):
            call_command("scan_history", str(inside), verbosity=0)

    def test_an_unknown_branch_is_a_clear_error(self, history: History) -> None:
        with pytest.raises(CommandError, match=r"no branch or commit called 'trunk'"):
            call_command("scan_history", str(history.path), branch="trunk", verbosity=0)

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"since": "2026-13-01"}, "'2026-13-01' is not a date; give YYYY-MM-DD"),
            ({"since": "2026-03-01", "until": "2026-02-01"}, "--since 2026-03-01 is after --until 2026-02-01"),
        ],
    )
    def test_bad_dates_are_refused(self, history: History, options: dict[str, str], message: str) -> None:
        with pytest.raises(CommandError, match=message):
            call_command("scan_history", str(history.path), verbosity=0, **options)


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("gh-134584: Convert _BINARY_OP to leave its inputs to POP_TOP (#140123)", 140123),
        ("[3.14] gh-131798: Add optimizer cases (GH-137000)", 137000),
        ("[3.14] gh-131798: Add optimizer cases (GH-137000) (#137050)", 137050),
        ('Revert "gh-134584: Convert _BINARY_OP (#140123)" (#140200)', 140200),
        ('Revert "gh-134584: Convert _BINARY_OP (#140123)"', None),
        ("gh-134584: Convert _BINARY_OP, see #140123", None),
    ],
)
def test_the_pull_request_number_comes_from_the_subject(subject: str, number: int | None) -> None:
    assert pr_number(subject) == number


def test_progress_shows_a_per_commit_counter_on_stderr(history: History, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("scan_history", str(history.path), verbosity=2)
    err = capsys.readouterr().err.splitlines()

    assert err[0] == "8 commits of main touched the DSL files"
    assert err[1] == "6 versions: 0 cached, 6 to analyze (in-process)"
    counters = [line for line in err if line.startswith("[")]
    assert [line.split("]")[0] for line in counters] == [f"[{i}/8" for i in range(1, 9)]
    assert counters[3].startswith(f"[4/8] {history.sha['3.15a-2026-02'][:10]} 2026-02-20 (4/6 analyses, ETA ")
    assert counters[-1].endswith("(6/6 analyses) gh-148171: Convert the call uops (#148200)")


def test_a_version_the_analyzer_rejects_is_a_located_warning_and_flips_nothing(
    tmp_path: Path, cpython_dir: Path
) -> None:
    good = (cpython_dir / "3.15a-2025-07" / "Python" / "bytecodes.c").read_bytes()
    broken = good.replace(b"// BEGIN BYTECODES //\n", b"// BEGIN BYTECODES //\ninst(BROKEN, (--) {\n", 1)
    day = dt.datetime(2025, 7, 1, 12, tzinfo=dt.UTC)
    shas = build_repository(
        tmp_path / "cpython",
        [
            Step(day, "gh-1: Add bytecodes.c (#1)", {"Python/bytecodes.c": good}),
            Step(day + dt.timedelta(days=1), "gh-2: Break it (#2)", {"Python/bytecodes.c": broken}),
            Step(day + dt.timedelta(days=2), "gh-3: Fix it (#3)", {"Python/bytecodes.c": good}),
        ],
    )

    call_command("scan_history", str(tmp_path / "cpython"), verbosity=0)

    run = HistoryRun.objects.get()
    assert (run.commits, run.versions, run.analyses) == (3, 2, 2)
    assert [w["commit"] for w in run.warnings] == [shas[1]]
    assert run.warnings[0]["message"].startswith("Python/bytecodes.c:146:")
    assert not TaskFlip.objects.exists()
