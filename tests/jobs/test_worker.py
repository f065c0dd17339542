"""A real Celery worker on the local Redis runs scans and webhook deliveries; a killed one leaves no partial rows."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from analyzer.campaigns import REGISTRY

from .conftest import SNAPSHOT, Stack, wait_for

pytestmark = pytest.mark.worker

LABEL = "3.15a-2025-08"

#: Rows a scan writes in its one transaction, counted in the stack's database.
COUNT_ROWS = """
from onboarding.campaigns.models import Campaign, CampaignProgress, Task, TaskStatusChange
from onboarding.snapshots.models import Scan, Snapshot
scan = Scan.objects.get(pk={pk})
print(json.dumps({{
    "status": scan.status, "progress": scan.progress, "error": scan.error,
    "snapshots": list(Snapshot.objects.values_list("label", flat=True)),
    "campaigns": Campaign.objects.count(), "tasks": Task.objects.count(),
    "progress_rows": CampaignProgress.objects.count(), "history": TaskStatusChange.objects.count(),
}}))
"""


def enqueue_scan(stack: Stack, cpython_dir: Path) -> int:
    """Queue a scan of the real snapshot through the service the API uses; returns the Scan's id."""
    entry = SNAPSHOT[LABEL]
    return int(
        stack.django(f"""
        import datetime as dt
        from onboarding.snapshots.queued import scan_enqueue
        scan = scan_enqueue(path={str(cpython_dir / LABEL)!r}, label={LABEL!r}, commit={entry["commit"]!r},
                            repository={entry["repository"]!r}, date=dt.date.fromisoformat({entry["date"]!r}))
        print(json.dumps(scan.pk))
    """)
    )


def test_a_worker_runs_a_queued_scan_with_visible_progress_and_a_webhook_delivery(
    stack: Stack, cpython_dir: Path
) -> None:
    stack.start_worker("happy", pool="prefork", SCAN_JOB_STEP_DELAY="0.3")

    seen = stack.django(f"""
        import datetime as dt, time
        from onboarding.snapshots.models import Scan
        from onboarding.snapshots.queued import scan_enqueue
        scan = scan_enqueue(path={str(cpython_dir / LABEL)!r}, label={LABEL!r},
                            date=dt.date.fromisoformat({SNAPSHOT[LABEL]["date"]!r}))
        states = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            scan.refresh_from_db()
            state = [scan.status, len(scan.progress)]
            if state not in states:
                states.append(state)
            if scan.status in ("succeeded", "failed"):
                break
            time.sleep(0.05)
        print(json.dumps({{"pk": scan.pk, "states": states}}))
    """)
    rows = stack.django(COUNT_ROWS.format(pk=seen["pk"]))

    # Progress showed on the row while the worker ran the scan (what the scan page displays).
    states = seen["states"]
    assert states[0][0] == "pending"
    assert any(status == "running" and steps > 0 for status, steps in states), states
    assert states[-1][0] == "succeeded", rows["error"]
    assert rows["progress"][0] == f"Analyzing {cpython_dir / LABEL} …"
    assert rows["progress"][-1].startswith(f"Scan of {LABEL} succeeded in ")
    assert rows["snapshots"] == [LABEL]
    # One Campaign row and one progress row per campaign the analyzer registers.
    assert rows["campaigns"] == len(REGISTRY) and rows["progress_rows"] == len(REGISTRY)
    assert rows["tasks"] > 100 and rows["history"] == rows["tasks"]

    # Sent again (a redelivery or a retry), the job returns through the result backend and
    # changes nothing.
    again = stack.django(f"""
        from onboarding.snapshots.jobs import scan_job
        print(json.dumps(scan_job.delay({seen["pk"]}).get(timeout=120)))
    """)
    assert again == "succeeded"
    assert stack.django(COUNT_ROWS.format(pk=seen["pk"])) == rows

    # A webhook delivery is stored on the request path and applied by the worker.
    delivery = stack.django("""
        import time
        from onboarding.webhooks.models import Delivery
        from onboarding.webhooks.services import delivery_receive
        payload = {"action": "opened", "number": 7, "repository": {"full_name": "python/cpython"},
                   "pull_request": {"number": 7, "state": "open", "merged": False, "merged_at": None,
                                    "title": "gh-134584: Eliminate redundant refcounting from "
                                             "`_BINARY_OP_SUBSCR_LIST_SLICE`",
                                    "body": None, "user": {"login": "someone"}, "updated_at": "2025-08-01T00:00:00Z"}}
        delivery, _ = delivery_receive(delivery_id="worker-1", event="pull_request", payload=payload)
        for _ in range(600):
            delivery.refresh_from_db()
            if delivery.status != "received":
                break
            time.sleep(0.1)
        print(json.dumps([delivery.status, delivery.result]))
    """)
    assert delivery[0] == "processed", delivery
    assert delivery[1].startswith("python/cpython#7 is open; linked to refcount/")


def test_a_worker_killed_mid_scan_leaves_no_rows_and_the_scan_runs_again(stack: Stack, cpython_dir: Path) -> None:
    # Two seconds after each step: the kill lands inside the scan's transaction.
    worker, log = stack.start_worker("doomed", pool="solo", SCAN_JOB_STEP_DELAY="2")
    pk = enqueue_scan(stack, cpython_dir)

    wait_for(
        lambda: f"scan {pk}: Updating refcount tasks" in log.read_text(errors="replace"),
        timeout=240,
        what="the scan to enter its transaction",
        log=log,
        process=worker,
    )
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=30)
    after_kill = stack.django(COUNT_ROWS.format(pk=pk))

    # The transaction wrote the snapshot and campaigns before the kill; none of it is left.
    assert worker.returncode == -signal.SIGKILL
    assert after_kill["status"] == "running"
    assert (after_kill["snapshots"], after_kill["campaigns"], after_kill["tasks"]) == ([], 0, 0)
    assert (after_kill["progress_rows"], after_kill["history"]) == (0, 0)

    stack.start_worker("second", pool="solo")
    rerun = stack.django(f"""
        import time
        from onboarding.snapshots.models import Scan
        from onboarding.snapshots.queued import scan_rerun
        scan = scan_rerun(scan=Scan.objects.get(pk={pk}))
        for _ in range(2400):
            scan.refresh_from_db()
            if scan.status in ("succeeded", "failed"):
                break
            time.sleep(0.1)
        print(json.dumps(scan.status))
    """)
    rows = stack.django(COUNT_ROWS.format(pk=pk))

    assert rerun == "succeeded", rows["error"]
    assert rows["snapshots"] == [LABEL]
    assert rows["tasks"] > 100 and rows["history"] == rows["tasks"]
    assert rows["progress"][0].startswith("Analyzing ")  # the re-run's own steps, not the killed run's
    assert sum(step.startswith("Analyzing ") for step in rows["progress"]) == 1
