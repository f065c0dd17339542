"""``manage.py load_demo_data``: load the demo's real data, step by step, resumable.

``make demo`` starts it in the background once the schema and the demo accounts exist, so
the site serves at once and fills up while it runs.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from onboarding.demodata.status import FINISHED, read_status, status_path, write_status
from onboarding.web.pagecache import bump_data_version

#: The scanned snapshots' manifest (relative to the project root).
SNAPSHOT_MANIFEST = "fixtures/snapshots.json"
#: The shared pyperf folders the demo imports, in this order.
BENCHMARK_FOLDERS = ("nightly-aarch64", "pyperf-jit", "pyperf")


def default_shared_dir() -> Path:
    """``$JIT_SHARED_DIR``, else ``../shared`` beside the project (as the Makefile)."""
    return Path(os.environ.get("JIT_SHARED_DIR") or settings.BASE_DIR.parent / "shared")


def plan(shared: Path, cpython_src: str | None, manifest: Path | None = None) -> list[dict[str, Any]]:
    """The steps, in order: ``{"name", "title", "args"}`` (a management command and its
    arguments), with ``"skip"`` set to why when the step's input is missing. ``manifest`` lists
    the snapshots under ``shared/cpython`` to scan (default `SNAPSHOT_MANIFEST`).

    Raises `CommandError` when there is nothing to scan (the other steps need tasks).
    """
    steps: list[dict[str, Any]] = []
    if cpython_src:
        steps.append({"name": "scan", "title": f"scan {cpython_src}", "args": ["scan", cpython_src]})
    elif (shared / "cpython").is_dir():
        root = str(shared / "cpython")
        steps.append(
            {
                "name": "scan",
                "title": "scan the shared CPython snapshots, oldest first",
                "args": ["scan_snapshots", str(manifest or settings.BASE_DIR / SNAPSHOT_MANIFEST), "--root", root],
            }
        )
    else:
        raise CommandError(
            f"no CPython sources to scan: give --cpython-src PATH (a CPython checkout), or a shared "
            f"folder holding cpython/<snapshot>/ with --shared-dir (now {shared})"
        )
    pystats = sorted((shared / "pystats").glob("*.json.gz"))
    steps.append(
        {"name": "pystats", "title": "load the pystats execution counts (task impact)"}
        | ({"args": ["load_pystats", str(pystats[-1])]} if pystats else {"args": [], "skip": "no pystats file"})
    )
    pulls = shared / "github" / "cpython-jit-pulls.json"
    steps.append(
        {"name": "pulls", "title": "import the real pull requests of the JIT mega-issues"}
        | ({"args": ["import_pulls", str(pulls)]} if pulls.is_file() else {"args": [], "skip": f"no {pulls}"})
    )
    folders = [
        str(shared / "benchmarks" / name) for name in BENCHMARK_FOLDERS if (shared / "benchmarks" / name).is_dir()
    ]
    steps.append(
        {"name": "benchmarks", "title": "import the real pyperf results"}
        | ({"args": ["import_benchmarks", *folders]} if folders else {"args": [], "skip": "no benchmark folders"})
    )
    events = shared / "doesjitgobrrr" / "perf_events.yaml"
    steps.append(
        {"name": "perf_events", "title": "import the perf_events.yaml change annotations"}
        | ({"args": ["import_perf_events", str(events)]} if events.is_file() else {"args": [], "skip": f"no {events}"})
    )
    return steps


def database_identity() -> str:
    """The database's name and when its first migration was applied: a new database, a new identity."""
    first = MigrationRecorder.Migration.objects.order_by("applied").values_list("applied", flat=True).first()
    return f"{settings.DATABASES['default']['NAME']}|{first.isoformat() if first else ''}"


def _stop_with_parent() -> None:
    """Ask Linux to send this process SIGTERM when its parent exits (a no-op elsewhere)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Load the demo's real data in order: scan CPython sources (--cpython-src, else the shared "
        "snapshots), pystats impact, the JIT mega-issues' pull requests, pyperf results and "
        "perf_events. Progress goes to --log and to the status file the site's banner reads; a "
        "rerun skips the steps already done in this database and retries the rest."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--shared-dir", help="The shared corpus (default: $JIT_SHARED_DIR, else ../shared).")
        parser.add_argument("--cpython-src", help="A CPython checkout to scan instead of the shared snapshots.")
        parser.add_argument(
            "--manifest", help=f"The shared snapshots to scan, oldest first (default: {SNAPSHOT_MANIFEST})."
        )
        parser.add_argument(
            "--log", help="Where the steps write their output (default: demo-data.log beside the status file)."
        )
        parser.add_argument("--force", action="store_true", help="Run every step again, also the ones done.")
        parser.add_argument(
            "--stop-with-parent", action="store_true", help="Exit when the process that started it exits (Linux)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["stop_with_parent"]:
            _stop_with_parent()
        signal.signal(signal.SIGTERM, _interrupt)
        shared = Path(options["shared_dir"]) if options["shared_dir"] else default_shared_dir()
        manifest = Path(options["manifest"]) if options["manifest"] else None
        steps = plan(shared, options["cpython_src"], manifest)
        where = status_path()
        log = Path(options["log"]) if options["log"] else (where or Path("var/x")).with_name("demo-data.log")
        log.parent.mkdir(parents=True, exist_ok=True)

        identity = database_identity()
        previous = read_status() or {}
        done_before = {}
        if previous.get("database") == identity and not options["force"]:
            done_before = {
                s.get("name"): s for s in previous["steps"] if isinstance(s, dict) and s.get("status") == "done"
            }
        for step in steps:
            old = done_before.get(step["name"])
            if "skip" in step:
                step.update(status="skipped", error=step.pop("skip"))
            elif old is not None and old.get("args") == step["args"]:
                step.update(status="done", error="", seconds=old.get("seconds"), kept=True)
            else:
                step.update(status="pending", error="")
        status: dict[str, Any] = {
            "database": identity,
            "pid": os.getpid(),
            "log": str(log.resolve()),
            "started_at": timezone.now().isoformat(),
            "finished_at": None,
            "steps": steps,
        }
        write_status(status)
        self.stdout.write(f"Loading the demo data ({len(steps)} steps); progress in {log}")
        with log.open("a", encoding="utf-8") as out:
            out.write(f"\n== load_demo_data started {status['started_at']} (pid {os.getpid()})\n")
            try:
                self._run(steps, status, out)
            except KeyboardInterrupt:
                self.stderr.write("load_demo_data stopped; run it again to resume")
                raise SystemExit(130) from None
            finally:
                connection.close()

    def _run(self, steps: list[dict[str, Any]], status: dict[str, Any], out: TextIO) -> None:
        total = len(steps)
        for number, step in enumerate(steps, 1):
            label = f"demo data {number}/{total} {step['name']}"
            if step["status"] in FINISHED:
                why = "done earlier" if step["status"] == "done" else f"skipped: {step['error']}"
                self.stdout.write(f"{label}: {why}")
                out.write(f"-- {label}: {why}\n")
                continue
            step["status"] = "running"
            write_status(status)
            out.write(f"-- {label}: {' '.join(step['args'])}\n")
            out.flush()
            start = time.monotonic()
            try:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                    call_command(*step["args"], stdout=out, stderr=out)
            except KeyboardInterrupt:
                step["status"] = "pending"
                write_status(status)
                out.write(f"-- {label}: interrupted; run load_demo_data again to resume\n")
                raise
            except Exception as exc:  # any failure is shown on the site and retried by a rerun
                traceback.print_exc(file=out)
                step.update(
                    status="failed", error=str(exc) or type(exc).__name__, seconds=round(time.monotonic() - start, 1)
                )
                write_status(status)
                bump_data_version()
                self.stderr.write(f"{label} failed: {step['error']} (see {status['log']}; rerun to retry)")
                raise CommandError(f"{step['name']}: {step['error']}") from None
            step.update(status="done", seconds=round(time.monotonic() - start, 1))
            write_status(status)
            self.stdout.write(f"{label}: done in {step['seconds']} s")
            out.write(f"-- {label}: done in {step['seconds']} s\n")
            out.flush()
        status["finished_at"] = timezone.now().isoformat()
        write_status(status)
        # Pages cached while the banner showed are retired with the data version.
        bump_data_version()
        self.stdout.write(f"Demo data loaded ({status['log']})")
