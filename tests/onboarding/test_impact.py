"""Task impact on the site: the scan service and ``manage.py load_pystats`` with the shared pystats file."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from analyzer.analysis import analyze
from analyzer.impact import read_pystats, uop_impact
from onboarding.campaigns.models import Task
from onboarding.errors import ScanFailed
from onboarding.snapshots.models import Scan
from tests.conftest import SHARED_DIR

pytestmark = pytest.mark.django_db

PYSTATS = next((SHARED_DIR / "pystats").glob("*.json.gz"))
NEWEST = "main-2026-06"


@pytest.fixture(scope="module")
def shares(cpython_dir: Path) -> dict[str, float]:
    return uop_impact(analyze(cpython_dir / NEWEST), read_pystats(PYSTATS))


def impacts() -> dict[tuple[str, str], float | None]:
    return {(t.campaign.slug, t.name): t.impact for t in Task.objects.select_related("campaign")}


def expected(shares: dict[str, float]) -> dict[tuple[str, str], float | None]:
    return {
        (t.campaign.slug, t.name): None if t.status == Task.Status.RETIRED else shares.get(t.uop, 0.0)
        for t in Task.objects.select_related("campaign")
    }


def test_scan_with_pystats_sets_every_task_impact(scan_label: Callable[..., Scan], shares: dict[str, float]) -> None:
    scan_label(NEWEST, pystats=PYSTATS)
    found = impacts()
    assert found and found == expected(shares)
    binary_op = Task.objects.get(campaign__slug="refcount", name="BINARY_OP")
    counts = read_pystats(PYSTATS).counts
    # _BINARY_OP is a part of macro(BINARY_OP) only; its specializations have their own uops.
    assert binary_op.impact == pytest.approx(counts["BINARY_OP"] / sum(counts.values()), rel=1e-12)
    # Same snapshot, same counts: nothing to update. Without counts the impact is kept.
    again = scan_label(NEWEST, pystats=PYSTATS)
    assert "updated" not in again.changes
    scan_label(NEWEST)
    assert impacts() == found


def test_pystats_setting_is_the_default(scan_label: Callable[..., Scan], shares: dict[str, float]) -> None:
    with override_settings(PYSTATS_FILE=str(PYSTATS)):
        scan_label(NEWEST)
    assert impacts() == expected(shares)


def test_scan_without_pystats_leaves_impact_null(scan_label: Callable[..., Scan]) -> None:
    scan_label(NEWEST)
    assert Task.objects.exists() and not Task.objects.filter(impact__isnull=False).exists()


def test_bad_pystats_fails_the_scan_and_changes_nothing(scan_label: Callable[..., Scan], tmp_path: Path) -> None:
    bad = tmp_path / "stats.json"
    bad.write_text('{"opcode[NOP].pair_count[NOP]": 1}')
    with pytest.raises(ScanFailed):
        scan_label(NEWEST, pystats=bad)
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.FAILED
    assert f"{bad}: not a pystats file" in scan.error
    assert not Task.objects.exists()


def test_load_pystats_recomputes_impact_for_current_tasks(
    scan_label: Callable[..., Scan], shares: dict[str, float]
) -> None:
    scan_label(NEWEST)
    out = StringIO()
    call_command("load_pystats", str(PYSTATS), stdout=out)
    assert impacts() == expected(shares)
    changed = Task.objects.exclude(status=Task.Status.RETIRED).count()
    assert f"against {NEWEST}: {changed} task(s) changed" in out.getvalue()
    out = StringIO()
    call_command("load_pystats", str(PYSTATS), stdout=out)
    assert ": 0 task(s) changed" in out.getvalue()


def test_load_pystats_errors_change_nothing(scan_label: Callable[..., Scan], tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no successful scan yet"):
        call_command("load_pystats", str(PYSTATS))
    scan_label(NEWEST)
    with pytest.raises(CommandError, match=r"cannot read the pystats file: .*nope\.json: no such file"):
        call_command("load_pystats", str(tmp_path / "nope.json"))
    assert not Task.objects.filter(impact__isnull=False).exists()
