"""scan_history with real Celery workers on the local Redis records exactly the flips of an in-process run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from django.core.management import call_command

from onboarding.history.models import TaskFlip
from tests.jobs.conftest import ROOT, Stack, redis_url, stack  # noqa: F401  (fixtures)

from .conftest import History

pytestmark = [pytest.mark.worker, pytest.mark.django_db]

FLIPS = """
from onboarding.history.models import HistoryRun, TaskFlip
run = HistoryRun.objects.get()
print(json.dumps({"mode": run.mode, "analyses": run.analyses, "flips": sorted(
    [f.campaign.slug, f.task_name, f.from_status, f.to_status, f.commit, f.pr_number]
    for f in TaskFlip.objects.select_related("campaign"))}))
"""


def test_two_workers_give_the_same_flips_as_an_in_process_run(stack: Stack, history: History) -> None:  # noqa: F811
    logs = [stack.start_worker(name)[1] for name in ("history-1", "history-2")]

    done = subprocess.run(
        [sys.executable, "manage.py", "scan_history", str(history.path), "-v", "2"],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "6 versions: 0 cached, 6 to analyze (celery)" in done.stderr
    on_workers = stack.django(FLIPS)

    call_command("scan_history", str(history.path), verbosity=0)
    in_process = sorted(
        [f.campaign.slug, f.task_name, f.from_status, f.to_status, f.commit, f.pr_number]
        for f in TaskFlip.objects.select_related("campaign")
    )

    assert (on_workers["mode"], on_workers["analyses"]) == ("celery", 6)
    assert on_workers["flips"] == in_process and len(in_process) > 100
    # Each version was analyzed once, on a worker.
    ran = [len(re.findall(r"version_analyze_job\[[\w-]+\] succeeded", log.read_text())) for log in logs]
    assert sum(ran) == 6, ran


def test_without_a_worker_the_run_fails_clearly_and_writes_no_flip(stack: Stack, history: History) -> None:  # noqa: F811
    done = subprocess.run(
        [sys.executable, "manage.py", "scan_history", str(history.path)],
        cwd=ROOT,
        env=stack.env(HISTORY_VERSION_TIMEOUT="2"),
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "CommandError: no Celery worker analyzed a version within 2 s (HISTORY_VERSION_TIMEOUT); start one "
        f"(celery -A onboarding worker) on queue '{stack.queue}', or unset CELERY_BROKER_URL to analyze in-process"
    )
    rows = stack.django("""
        from onboarding.history.models import HistoryRun, TaskFlip, VersionAnalysis
        run = HistoryRun.objects.get()
        print(json.dumps([run.status, TaskFlip.objects.count(), VersionAnalysis.objects.count()]))
    """)
    assert rows == ["failed", 0, 0]
