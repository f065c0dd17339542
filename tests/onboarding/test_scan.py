"""The scan service and commands on real CPython snapshots: idempotence, flips, retirement, failure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from analyzer.analysis import analyze
from analyzer.campaigns import REGISTRY, run_all
from onboarding.campaigns.models import Campaign, CampaignProgress, Task, TaskStatusChange
from onboarding.claims.models import Claim, ClaimEvent
from onboarding.claims.services import claim_create
from onboarding.errors import ScanFailed
from onboarding.snapshots.models import Scan, Snapshot

pytestmark = pytest.mark.django_db

#: Ops converted to the POP_TOP form between the August 2025 and February 2026 snapshots (gh-134584).
CONVERTED_IN_2026_02 = ["UNARY_NEGATIVE", "BINARY_OP_ADD_INT", "STORE_FAST"]
#: A uop that exists in 3.15a-2025-08 and is gone from 3.15a-2026-02.
GONE_IN_2026_02 = "_BINARY_OP_ADD_FLOAT__NO_DECREF_INPUTS"

MALFORMED_BYTECODES = """\
// This file contains instruction definitions.

// BEGIN BYTECODES //
        inst(NOP, (--)) {
        }

        inst(BROKEN, (a -- b) {
            b = a;
        }
// END BYTECODES //
"""

ScanLabel = Callable[..., Scan]


def table_counts() -> dict[str, int]:
    """Row counts of every table of the project's apps."""
    return {
        model._meta.label: model.objects.count()
        for app in ("snapshots", "campaigns", "contributors", "claims")
        for model in apps.get_app_config(app).get_models()
    }


def task(campaign: str, name: str) -> Task:
    return Task.objects.get(campaign__slug=campaign, name=name)


def test_scan_writes_snapshot_campaigns_and_one_task_per_finding(scan_label: ScanLabel, cpython_dir: Path) -> None:
    scan = scan_label("3.15a-2025-08")

    results = run_all(analyze(cpython_dir / "3.15a-2025-08"))
    assert scan.status == Scan.Status.SUCCEEDED
    assert scan.duration is not None and scan.finished_at is not None
    snapshot = scan.snapshot
    assert snapshot is not None
    # The sha256 digests listed in PROVENANCE.md.
    assert snapshot.bytecodes_sha256 == "e90bb4c1754c46b8c5197d8365a9a9b194a9bb387a6a31e53550155a2e39a3da"
    assert snapshot.optimizer_sha256 == "73e9a7831e8d0691193b0370df22f2d734bd9d08031dcd74bfb49c8a0e05201f"
    assert snapshot.commit == "992ac089f38a2b3a7b8c713e2533078eb5a6664b"
    assert snapshot.date == dt.date(2025, 8, 15)
    assert list(Campaign.objects.values_list("slug", flat=True)) == list(results)
    for slug, result in results.items():
        names = set(Task.objects.filter(campaign__slug=slug).values_list("name", flat=True))
        assert names == {f.name for f in result.findings}
        progress = CampaignProgress.objects.get(campaign__slug=slug, snapshot=snapshot)
        assert (progress.todo, progress.done) == (result.count("todo"), result.count("done"))
    assert scan.counts["definitions"]["inst"] == 115
    assert TaskStatusChange.objects.filter(from_status="").count() == Task.objects.count()


def test_task_stores_the_source_lines_of_its_definition(scan_label: ScanLabel, cpython_dir: Path) -> None:
    scan_label("3.15a-2025-08")

    t = task("refcount", "BINARY_OP_ADD_INT")
    source = analyze(cpython_dir / "3.15a-2025-08").tree.bytecodes
    lines = t.definition.split("\n")
    assert len(lines) == t.end_line - t.line + 1
    assert lines[0] == source.line_text(t.line)
    assert lines[-1] == source.line_text(t.end_line)
    assert "_BINARY_OP_ADD_INT" in lines[0]
    assert t.reasons and t.evidence and t.evidence[0]["file"] == "Python/bytecodes.c"


def test_scanning_the_same_snapshot_twice_changes_nothing(scan_label: ScanLabel) -> None:
    scan_label("3.15a-2025-08")
    before = table_counts()
    updated = dict(Task.objects.values_list("pk", "updated_at"))

    again = scan_label("3.15a-2025-08")

    after = table_counts()
    assert after.pop("snapshots.Scan") == before.pop("snapshots.Scan") + 1
    assert after == before
    assert dict(Task.objects.values_list("pk", "updated_at")) == updated
    assert again.changes == {"tasks_applied": True}


def test_newer_snapshot_flips_converted_tasks_to_done(scan_label: ScanLabel) -> None:
    scan_label("3.15a-2025-08")
    assert {task("refcount", n).status for n in CONVERTED_IN_2026_02} == {Task.Status.TODO}

    scan = scan_label("3.15a-2026-02")

    for name in CONVERTED_IN_2026_02:
        t = task("refcount", name)
        assert t.status == Task.Status.DONE
        change = t.status_changes.last()
        assert (change.from_status, change.to_status) == (Task.Status.TODO, Task.Status.DONE)
        assert change.reason == "converted upstream in 3.15a-2026-02"
        assert change.scan == scan
    assert scan.changes["to_done"] >= len(CONVERTED_IN_2026_02)


def test_a_converted_task_becomes_done_and_completes_the_claim_whoever_holds_it(
    scan_label: ScanLabel, make_contributor: Callable[..., object]
) -> None:
    scan_label("3.15a-2025-08")
    claim = claim_create(task=task("refcount", "BINARY_OP_ADD_INT"), contributor=make_contributor("someone"))

    scan_label("3.15a-2026-02")

    claim.refresh_from_db()
    assert claim.status == Claim.Status.COMPLETED
    assert claim.reason == "converted upstream in 3.15a-2026-02"
    assert claim.events.last().kind == ClaimEvent.Kind.COMPLETED
    assert task("refcount", "BINARY_OP_ADD_INT").status == Task.Status.DONE


def test_a_claimed_task_that_is_still_todo_stays_claimed(
    scan_label: ScanLabel, make_contributor: Callable[..., object]
) -> None:
    scan_label("3.15a-2025-08")
    still_todo = Task.objects.filter(campaign__slug="refcount", status=Task.Status.TODO).exclude(
        name__in=CONVERTED_IN_2026_02
    )
    name = next(t.name for t in still_todo if t.name in _todo_names("3.15a-2026-02"))
    claim = claim_create(task=task("refcount", name), contributor=make_contributor())

    scan_label("3.15a-2026-02")

    claim.refresh_from_db()
    assert claim.is_active
    assert task("refcount", name).status == Task.Status.CLAIMED


def _todo_names(label: str) -> set[str]:
    from tests.conftest import CPYTHON_DIR

    result = run_all(analyze(CPYTHON_DIR / label))["refcount"]
    return {f.name for f in result.findings if f.status == "todo"}


def test_an_op_gone_upstream_is_retired_and_keeps_its_history(
    scan_label: ScanLabel, make_contributor: Callable[..., object]
) -> None:
    scan_label("3.15a-2025-08")
    gone = task("refcount", GONE_IN_2026_02)
    first_status = gone.status
    claim = None
    if gone.is_open:
        claim = claim_create(task=gone, contributor=make_contributor())

    scan_label("3.15a-2026-02")

    gone.refresh_from_db()
    assert gone.status == Task.Status.RETIRED
    history = list(gone.status_changes.values_list("to_status", "reason"))
    assert history[0] == (first_status, "first seen in 3.15a-2025-08")
    assert history[-1] == (Task.Status.RETIRED, "gone from 3.15a-2026-02")
    assert gone.last_snapshot.label == "3.15a-2025-08"
    if claim is not None:
        # A scan never drops a person's claim: it stays active, flagged for a maintainer.
        claim.refresh_from_db()
        assert claim.status == Claim.Status.ACTIVE
        assert claim.flag.startswith("the task is gone from 3.15a-2026-02")
        assert claim.events.filter(kind="flagged").count() == 1


def test_a_retired_task_comes_back_when_its_op_reappears(scan_label: ScanLabel) -> None:
    scan_label("3.15a-2025-08")
    scan_label("3.15a-2026-02")
    assert task("refcount", GONE_IN_2026_02).status == Task.Status.RETIRED

    # The same sources again, presented as a newer snapshot (as if the op came back upstream).
    scan_label("3.15a-2025-08", label="revert", commit="", date=dt.date(2026, 12, 1))

    revived = task("refcount", GONE_IN_2026_02)
    assert revived.status != Task.Status.RETIRED
    assert revived.status_changes.last().reason == "reappeared in revert"


def test_a_campaign_that_cannot_judge_a_snapshot_retires_nothing(scan_label: ScanLabel) -> None:
    scan_label("3.15a-2025-08")
    optimizer = dict(Task.objects.filter(campaign__slug="optimizer").values_list("name", "status"))

    # 3.15a-2025-07 has no optimizer_bytecodes.c; present it as the newest snapshot.
    scan = scan_label("3.15a-2025-07", label="no-optimizer", date=dt.date(2026, 12, 1))

    assert dict(Task.objects.filter(campaign__slug="optimizer").values_list("name", "status")) == optimizer
    progress = CampaignProgress.objects.get(campaign__slug="optimizer", snapshot=scan.snapshot)
    assert not progress.evaluated
    assert "optimizer_bytecodes.c" in progress.note


def test_an_older_snapshot_records_progress_but_leaves_tasks_alone(scan_label: ScanLabel) -> None:
    scan_label("3.15a-2026-02")
    statuses = dict(Task.objects.values_list("pk", "status"))

    scan = scan_label("3.15a-2025-08")

    assert scan.changes == {"tasks_applied": False}
    assert dict(Task.objects.values_list("pk", "status")) == statuses
    assert CampaignProgress.objects.filter(snapshot=scan.snapshot).count() == len(REGISTRY)


def test_a_failed_scan_leaves_the_database_as_it_was_and_says_why(scan_label: ScanLabel, tmp_path: Path) -> None:
    scan_label("3.15a-2025-08")
    before = table_counts()
    statuses = dict(Task.objects.values_list("pk", "status"))
    (tmp_path / "Python").mkdir()
    (tmp_path / "Python" / "bytecodes.c").write_text(MALFORMED_BYTECODES)

    with pytest.raises(ScanFailed) as raised:
        scan_label("3.15a-2025-08", path=tmp_path, label="broken", date=dt.date(2027, 1, 1))

    after = table_counts()
    assert after.pop("snapshots.Scan") == before.pop("snapshots.Scan") + 1
    assert after == before
    assert dict(Task.objects.values_list("pk", "status")) == statuses
    failed = Scan.objects.get(pk=raised.value.extra["scan_id"])
    assert failed.status == Scan.Status.FAILED
    assert failed.snapshot is None
    assert failed.error.startswith("Python/bytecodes.c:7:31: expected ')'")
    assert failed.error.splitlines()[-1].strip() == "^"
    assert not Snapshot.objects.filter(label="broken").exists()


def test_a_missing_path_fails_with_the_reason(db: None, tmp_path: Path) -> None:
    from onboarding.snapshots.services import scan_run

    with pytest.raises(ScanFailed, match=r"Python/bytecodes\.c is missing"):
        scan_run(path=tmp_path, label="empty")

    assert Scan.objects.get().status == Scan.Status.FAILED
    assert Snapshot.objects.count() == 0


class TestScanCommand:
    def test_prints_each_step_at_normal_verbosity(self, cpython_dir: Path) -> None:
        out = StringIO()

        call_command("scan", str(cpython_dir / "3.15a-2025-08"), "--date", "2025-08-15", stdout=out)

        text = out.getvalue()
        assert "Analyzing" in text
        assert "Campaign refcount:" in text and "Campaign optimizer:" in text
        assert "succeeded" in text
        assert Snapshot.objects.get().label == "3.15a-2025-08"

    def test_prints_nothing_at_verbosity_zero(self, cpython_dir: Path) -> None:
        out = StringIO()

        call_command("scan", str(cpython_dir / "3.15a-2025-08"), verbosity=0, stdout=out)

        assert out.getvalue() == ""
        assert Scan.objects.get().status == Scan.Status.SUCCEEDED

    def test_prints_every_status_change_at_verbosity_two(self, cpython_dir: Path) -> None:
        call_command("scan", str(cpython_dir / "3.15a-2025-08"), "--date", "2025-08-15", verbosity=0)
        out = StringIO()

        call_command("scan", str(cpython_dir / "3.15a-2026-02"), "--date", "2026-02-20", verbosity=2, stdout=out)

        assert "  BINARY_OP_ADD_INT: todo → done (converted upstream in 3.15a-2026-02)" in out.getvalue()

    def test_a_failed_scan_is_a_command_error_with_the_location(self, tmp_path: Path) -> None:
        (tmp_path / "Python").mkdir()
        (tmp_path / "Python" / "bytecodes.c").write_text(MALFORMED_BYTECODES)

        with pytest.raises(CommandError, match=r"Python/bytecodes.c:7:31"):
            call_command("scan", str(tmp_path), verbosity=0)

        assert Scan.objects.get().status == Scan.Status.FAILED

    def test_rejects_a_malformed_date(self, cpython_dir: Path) -> None:
        with pytest.raises(CommandError, match="not a date"):
            call_command("scan", str(cpython_dir / "3.15a-2025-08"), "--date", "August 2025")


@pytest.mark.usefixtures("demo_history")
class TestDemoHistory:
    """The five snapshots of main that `make demo` scans, in date order."""

    def test_every_snapshot_is_scanned_in_date_order(self) -> None:
        labels = [s.label for s in Snapshot.objects.all()]
        assert labels == ["3.14a-2024-06", "3.15a-2025-07", "3.15a-2025-08", "3.15a-2026-02", "main-2026-06"]
        assert set(Scan.objects.values_list("status", flat=True)) == {Scan.Status.SUCCEEDED}

    def test_the_optimizer_campaign_is_only_evaluated_where_its_file_exists(self) -> None:
        evaluated = dict(
            CampaignProgress.objects.filter(campaign__slug="optimizer").values_list("snapshot__label", "evaluated")
        )
        assert evaluated == {
            "3.14a-2024-06": False,
            "3.15a-2025-07": False,
            "3.15a-2025-08": True,
            "3.15a-2026-02": True,
            "main-2026-06": True,
        }

    def test_refcount_progress_grows_as_conversions_land(self) -> None:
        done = list(
            CampaignProgress.objects.filter(campaign__slug="refcount")
            .order_by("snapshot__date")
            .values_list("done", flat=True)
        )
        assert done[0] == 0
        assert done[3] > done[2]
        assert done[4] >= done[3]

    def test_tasks_follow_the_newest_snapshot(self) -> None:
        current = Task.objects.exclude(status=Task.Status.RETIRED)
        # A campaign whose work is deleting a definition (decompose) keeps its done tasks at the
        # last snapshot that still had them.
        gone_done = [slug for slug, c in REGISTRY.items() if c.gone_status == Task.Status.DONE]
        kept = current.filter(campaign__slug__in=gone_done, status=Task.Status.DONE)
        assert kept.exists() and not kept.filter(last_snapshot__label="main-2026-06").exists()
        last = set(current.exclude(pk__in=kept).values_list("last_snapshot__label", flat=True))
        assert last == {"main-2026-06"}

    def test_a_decomposed_uop_that_disappears_is_done_not_retired(self) -> None:
        # 3.15a-2026-02 still defines _POP_TOP_LOAD_CONST_INLINE_BORROW; main-2026-06 emits its parts instead.
        task = Task.objects.get(campaign__slug="decompose", name="_POP_TOP_LOAD_CONST_INLINE_BORROW")
        assert task.status == Task.Status.DONE and task.last_snapshot.label == "3.15a-2026-02"
        change = task.status_changes.get(to_status=Task.Status.DONE)
        assert (change.from_status, change.snapshot.label) == (Task.Status.TODO, "main-2026-06")
        assert change.reason == "converted upstream in main-2026-06"
        decompose = Task.objects.filter(campaign__slug="decompose")
        assert decompose.filter(status=Task.Status.DONE).count() >= 17
        assert not decompose.filter(status__in=[Task.Status.TODO, Task.Status.RETIRED]).exists()
        # Its burndown: composites pile up until 3.15a-2026-02, then all are done in main-2026-06.
        points = list(
            CampaignProgress.objects.filter(campaign__slug="decompose")
            .order_by("snapshot__date")
            .values_list("todo", "done")
        )
        assert points[-2][0] > 12 and points[-1] == (0, decompose.count())
