"""``manage.py load_demo_data`` (the demo's background loader) and the banner pages show meanwhile."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from onboarding.claims.models import PullRequest
from onboarding.demodata.management.commands.load_demo_data import plan
from onboarding.demodata.status import read_status
from onboarding.snapshots.models import Scan, Snapshot
from onboarding.speedups.models import ChangeEvent
from tests.conftest import SHARED_DIR

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT = "main-2026-06"


@pytest.fixture
def status_file(tmp_path: Path, settings: Any) -> Path:
    settings.DEMO_DATA_STATUS_FILE = str(tmp_path / "var" / "demo-data.json")
    return Path(settings.DEMO_DATA_STATUS_FILE)


@pytest.fixture
def tiny_shared(tmp_path: Path) -> Path:
    """A shared folder with one real snapshot, two real pull requests and two perf events;
    no pystats and no benchmarks (those steps are skipped)."""
    shared = tmp_path / "shared"
    (shared / "cpython").mkdir(parents=True)
    (shared / "cpython" / SNAPSHOT).symlink_to(SHARED_DIR / "cpython" / SNAPSHOT)
    manifest = json.loads((ROOT / "fixtures" / "snapshots.json").read_text())
    manifest["snapshots"] = [s for s in manifest["snapshots"] if s["label"] == SNAPSHOT]
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (shared / "github").mkdir()
    pulls = json.loads((SHARED_DIR / "github" / "cpython-jit-pulls.json").read_text())[:2]
    (shared / "github" / "cpython-jit-pulls.json").write_text(json.dumps(pulls))
    (shared / "doesjitgobrrr").mkdir()
    (shared / "doesjitgobrrr" / "perf_events.yaml").write_text(
        "events:\n"
        "- date: '2026-06-18'\n  title: Reduce spills around calls\n  link: https://github.com/python/cpython/pull/1\n"
        "- date: '2026-05-01'\n  title: Another change\n  link: https://github.com/python/cpython/pull/2\n"
    )
    return shared


def load(shared: Path, **options: Any) -> str:
    out = io.StringIO()
    call_command(
        "load_demo_data",
        shared_dir=str(shared),
        manifest=str(shared.parent / "manifest.json"),
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


def states(status: dict[str, Any] | None) -> list[tuple[str, str]]:
    assert status is not None
    return [(s["name"], s["status"]) for s in status["steps"]]


@pytest.mark.django_db(transaction=True)
def test_runs_the_steps_in_order_and_records_each(tiny_shared: Path, status_file: Path) -> None:
    out = load(tiny_shared)

    status = read_status()
    assert states(status) == [
        ("scan", "done"),
        ("pystats", "skipped"),
        ("pulls", "done"),
        ("benchmarks", "skipped"),
        ("perf_events", "done"),
    ]
    assert status is not None and status["finished_at"] and status["pid"] == os.getpid()
    assert list(Snapshot.objects.values_list("label", flat=True)) == [SNAPSHOT]
    assert PullRequest.objects.count() == 2 and ChangeEvent.objects.count() == 2
    log = Path(status["log"])
    assert str(log) in out and log.parent == status_file.parent
    assert "-- demo data 3/5 pulls: import_pulls" in log.read_text()  # the steps' own output goes to the log


@pytest.mark.django_db(transaction=True)
def test_a_failed_step_is_recorded_and_a_rerun_retries_it_without_redoing_the_rest(
    tiny_shared: Path, status_file: Path, client: Client
) -> None:
    events = tiny_shared / "doesjitgobrrr" / "perf_events.yaml"
    good = events.read_text()
    events.write_text("events: [not, a, mapping\n")

    with pytest.raises(CommandError, match="perf_events"):
        load(tiny_shared)

    status = read_status()
    assert states(status)[-1] == ("perf_events", "failed")
    assert status is not None and "not YAML" in status["steps"][-1]["error"]
    page = client.get("/").content.decode()
    assert "Loading the demo data failed at step 5 of 5" in page and "not YAML" in page
    scans = Scan.objects.count()

    events.write_text(good)
    out = load(tiny_shared)

    assert "demo data 1/5 scan: done earlier" in out
    assert Scan.objects.count() == scans  # the scan was not run again
    assert states(read_status())[-1] == ("perf_events", "done") and ChangeEvent.objects.count() == 2
    assert "demo-data-banner" not in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_force_runs_every_step_again(tiny_shared: Path, status_file: Path) -> None:
    load(tiny_shared)

    out = load(tiny_shared, force=True)

    assert "done earlier" not in out and states(read_status())[0] == ("scan", "done")


def test_nothing_to_scan_is_an_error_before_any_step(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no CPython sources to scan"):
        plan(tmp_path, None)


def test_the_plan_for_the_shared_corpus_scans_first_then_imports() -> None:
    steps = plan(SHARED_DIR, None)

    assert [s["name"] for s in steps] == ["scan", "pystats", "pulls", "benchmarks", "perf_events"]
    assert steps[0]["args"][0] == "scan_snapshots" and steps[2]["args"][0] == "import_pulls"
    assert all("skip" not in s for s in steps)  # the shared corpus has every input
    assert [Path(a).name for a in steps[3]["args"][1:]] == ["nightly-aarch64", "pyperf-jit", "pyperf"]


def write(status_file: Path, steps: list[tuple[str, str]], pid: int, error: str = "") -> None:
    status_file.parent.mkdir(parents=True, exist_ok=True)
    status_file.write_text(
        json.dumps(
            {
                "pid": pid,
                "log": "/tmp/demo-data.log",
                "steps": [
                    {"name": n, "title": f"the {n} step", "status": s, "error": error if s == "failed" else ""}
                    for n, s in steps
                ],
            }
        )
    )


@pytest.mark.django_db
class TestBanner:
    def test_while_loading_pages_say_so_and_which_step(self, status_file: Path, client: Client) -> None:
        write(status_file, [("scan", "done"), ("pulls", "running"), ("benchmarks", "pending")], pid=os.getpid())

        page = client.get("/").content.decode()

        assert "The demo data is still loading (step 2 of 3: the pulls step)" in page
        assert "/tmp/demo-data.log" in page

    def test_a_failed_step_shows_its_error_and_how_to_retry(self, status_file: Path, client: Client) -> None:
        write(status_file, [("scan", "done"), ("pulls", "failed")], pid=os.getpid(), error="cannot read <x>")

        page = client.get("/speedups/").content.decode()

        assert "failed at step 2 of 2 (the pulls step): cannot read &lt;x&gt;" in page
        assert "load_demo_data" in page

    def test_a_loader_that_died_mid_way_is_shown_as_stopped(self, status_file: Path, client: Client) -> None:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
        write(status_file, [("scan", "running")], pid=int(dead.stdout))

        assert "stopped at step 1 of 1" in client.get("/").content.decode()

    def test_no_banner_once_every_step_is_done_or_skipped(self, status_file: Path, client: Client) -> None:
        write(status_file, [("scan", "done"), ("pystats", "skipped")], pid=os.getpid())

        assert "demo-data-banner" not in client.get("/").content.decode()

    def test_no_banner_without_a_status_file(self, status_file: Path, client: Client) -> None:
        assert "demo-data-banner" not in client.get("/").content.decode()


@pytest.mark.django_db
def test_demo_accounts_migrates_and_loads_the_accounts_idempotently() -> None:
    call_command("demo_accounts", stdout=io.StringIO())
    call_command("demo_accounts", stdout=io.StringIO())

    assert sorted(User.objects.values_list("username", flat=True)) == ["alice", "bob", "maintainer"]


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_loader_leaves_the_step_to_redo_and_pages_say_it_stopped(
    tiny_shared: Path, status_file: Path, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from onboarding.demodata.management.commands import load_demo_data

    real = load_demo_data.call_command

    def ctrl_c_on_pulls(*args: Any, **kwargs: Any) -> None:
        if args[0] == "import_pulls":
            raise KeyboardInterrupt  # what SIGTERM (make demo's trap) becomes in the loader
        real(*args, **kwargs)

    monkeypatch.setattr(load_demo_data, "call_command", ctrl_c_on_pulls)
    with pytest.raises(SystemExit) as stopped:
        load(tiny_shared)

    assert stopped.value.code == 130
    assert states(read_status())[:3] == [("scan", "done"), ("pystats", "skipped"), ("pulls", "pending")]
    status = read_status()
    assert status is not None
    status["pid"] = 0  # the loader process is gone
    status_file.write_text(json.dumps(status))
    assert "stopped at step 3 of 5" in client.get("/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_make_demo_marks_the_data_loading_before_the_loader_starts(
    tiny_shared: Path, status_file: Path, client: Client
) -> None:
    call_command("demo_accounts", loading=True, stdout=io.StringIO())

    assert "The demo data is still loading (step 1 of 1: starting the loader)" in client.get("/").content.decode()

    load(tiny_shared)
    call_command("demo_accounts", loading=True, stdout=io.StringIO())  # everything done: nothing to announce

    assert "demo-data-banner" not in client.get("/").content.decode()
