"""Hostile or unlucky inputs to the analyzer end in a clear error, never a hang or a traceback
(issue 14, item 8): a FIFO, /dev/zero, a huge file, an unreadable directory, NUL bytes, a bad --date."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from analyzer.source import MAX_SOURCE_BYTES
from onboarding.campaigns.models import Task
from onboarding.snapshots.models import Scan
from tests.conftest import unavailable

ROOT = Path(__file__).resolve().parents[2]
GOOD = "3.15a-2025-08"


def analyzer(*args: str, user: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "analyzer", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)


def assert_clean_error(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert message in result.stderr
    assert result.stdout == ""


def test_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "bytecodes.c"
    os.mkfifo(fifo)

    assert_clean_error(analyzer(str(fifo)), f"error: {fifo}: not a regular file (a FIFO, device or socket)")


def test_dev_zero_is_refused_not_read_until_memory_runs_out() -> None:
    assert_clean_error(analyzer("/dev/zero"), "error: /dev/zero: not a regular file")


def test_a_file_over_the_size_bound_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "bytecodes.c"
    with big.open("wb") as f:
        f.truncate(MAX_SOURCE_BYTES + 1)

    assert_clean_error(analyzer(str(big)), f"larger than {MAX_SOURCE_BYTES:,} bytes")


def test_an_unreadable_directory_is_a_clear_error(tmp_path: Path) -> None:
    if shutil.which("setpriv") is None:
        message = "needs util-linux setpriv to drop root (apt-get install util-linux)"
        unavailable(message)
    locked = tmp_path / "locked"
    (locked / "Python").mkdir(parents=True)
    locked.chmod(0o000)
    tmp_path.chmod(0o755)
    try:
        # As root every directory is readable, so the analyzer runs as nobody (uid 65534).
        result = analyzer(str(locked), user=65534 if os.geteuid() == 0 else None)
    finally:
        locked.chmod(0o755)

    assert_clean_error(result, f"error: {locked}: cannot read the directory: permission denied")


def nul_copy(cpython_dir: Path, tmp_path: Path) -> tuple[Path, int]:
    """A copy of a real checkout's bytecodes.c with a NUL byte at the start of line 100."""
    lines = (cpython_dir / GOOD / "Python" / "bytecodes.c").read_text().split("\n")
    lines[99] = "\0" + lines[99]
    (tmp_path / "cpy" / "Python").mkdir(parents=True)
    (tmp_path / "cpy" / "Python" / "bytecodes.c").write_text("\n".join(lines))
    return tmp_path / "cpy", 100


def test_nul_bytes_are_a_located_error(cpython_dir: Path, tmp_path: Path) -> None:
    checkout, line = nul_copy(cpython_dir, tmp_path)

    result = analyzer(str(checkout))

    assert_clean_error(result, f"Python/bytecodes.c:{line}:1: NUL character in the source")


@pytest.mark.django_db
def test_scanning_nul_bytes_fails_the_scan_with_the_location_and_writes_nothing(
    cpython_dir: Path, tmp_path: Path
) -> None:
    checkout, line = nul_copy(cpython_dir, tmp_path)

    with pytest.raises(CommandError, match=rf"Python/bytecodes.c:{line}:1: NUL character"):
        call_command("scan", str(checkout), "--label", "nul", verbosity=0)

    scan = Scan.objects.get()
    assert (scan.status, scan.snapshot) == (Scan.Status.FAILED, None)
    assert scan.error.startswith(f"Python/bytecodes.c:{line}:1: NUL character in the source")
    assert Task.objects.count() == 0


def test_an_impossible_date_is_a_usage_error_not_a_traceback(cpython_dir: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "scan", str(cpython_dir / GOOD), "--date", "2026-13-45"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "onboarding.settings.test"},
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error: argument --date: '2026-13-45' is not a date like 2026-02-14" in result.stderr
