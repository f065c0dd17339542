"""A scan whose analysis has model errors changes nothing (issue 14, item 2); a scan or a webhook
delivery with the broker at a closed port answers 503 and leaves a visible, retryable state (item 7)."""

from __future__ import annotations

import datetime as dt
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.claims.models import Claim, ClaimEvent
from onboarding.claims.services import claim_create
from onboarding.contributors.models import Contributor
from onboarding.errors import ScanFailed
from onboarding.snapshots.models import Scan, Snapshot
from onboarding.snapshots.services import scan_run
from onboarding.webhooks.models import Delivery
from onboarding.webhooks.services import deliveries_retry
from tests.webhooks.conftest import (
    Deliver,
    _secret,  # noqa: F401  (autouse here: the webhook secret and repository)
)

pytestmark = pytest.mark.django_db

GOOD = "3.15a-2025-08"


def without_a_used_op(source: Path, target: Path) -> str:
    """Copy a checkout's bytecodes.c leaving out the first ``op(...)`` that a ``macro`` uses; its name."""
    lines = source.read_text().split("\n")
    text = "\n".join(lines)
    for i, line in enumerate(lines):
        m = re.match(r"        op\((_\w+),", line)
        if m and re.search(rf"macro\([^;]*\b{m[1]}\b", text):
            end = lines.index("        }", i)
            (target / "Python").mkdir(parents=True)
            (target / "Python" / "bytecodes.c").write_text("\n".join(lines[:i] + lines[end + 1 :]))
            return m[1]
    raise AssertionError("no op used by a macro")


def state() -> dict[str, Any]:
    """Everything a scan may change, to compare before and after."""
    return {
        "tasks": sorted(Task.objects.values_list("campaign__slug", "name", "status", "last_snapshot_id")),
        "history": TaskStatusChange.objects.count(),
        "claims": sorted(Claim.objects.values_list("pk", "status", "flag")),
        "events": ClaimEvent.objects.count(),
        "snapshots": sorted(Snapshot.objects.values_list("label", flat=True)),
    }


def test_a_scan_with_model_errors_fails_and_changes_nothing(
    cpython_dir: Path, tmp_path: Path, make_contributor: Callable[..., Contributor]
) -> None:
    scan_run(path=cpython_dir / GOOD, label=GOOD, date=dt.date(2025, 8, 1))
    todo = Task.objects.filter(status=Task.Status.TODO).order_by("campaign__slug", "name")[:7]
    for task in todo:
        claim_create(task=task, contributor=make_contributor())
    removed = without_a_used_op(cpython_dir / GOOD / "Python" / "bytecodes.c", tmp_path / "broken")
    before = state()

    with pytest.raises(ScanFailed) as failure:
        scan_run(path=tmp_path / "broken", label="broken", date=dt.date(2026, 1, 1))

    assert state() == before
    assert Claim.objects.filter(status="active").count() == 7
    scan = Scan.objects.get(label="broken")
    assert scan.status == Scan.Status.FAILED
    assert scan.snapshot is None
    assert "model error(s): the definitions contradict each other, so nothing was changed" in scan.error
    assert removed in scan.error
    assert re.search(r"Python/bytecodes\.c:\d+:\d+: error: ", scan.error)
    assert scan.warnings and all(w["severity"] == "error" for w in scan.warnings)
    assert str(failure.value).startswith("The scan of broken failed:")


@pytest.fixture
def broker_down() -> Iterator[str]:
    """Celery pointed at a closed local port (a real connection attempt that is refused)."""
    from onboarding.celery import app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the socket is
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
    _drop_producer_pool(app)
    app.conf.update(broker_url=f"redis://127.0.0.1:{port}/0", task_always_eager=False)
    try:
        yield app.conf.broker_url
    finally:
        _drop_producer_pool(app)
        app.conf.update(saved)


def _drop_producer_pool(app: Any) -> None:
    """Forget the producers made for the broker configured before (even eager calls make them);
    Celery has no public call for this, so its two caches are reset by name."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.django_db(transaction=True)  # on_commit runs inside the request, as in production
def test_starting_a_scan_with_the_broker_down_is_a_503_and_the_scan_says_why(
    broker_down: str, client: Client, cpython_dir: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = User.objects.create_user("boss", password="pw")
    Contributor.objects.create(user=user, github_handle="boss", is_maintainer=True)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/scans/", {"path": str(cpython_dir / GOOD)}, content_type="application/json")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "broker_unavailable"
    assert "the job broker is unreachable" in error["message"]
    scan = Scan.objects.get()
    assert scan.status == Scan.Status.FAILED  # not pending forever; a maintainer can re-run it
    assert scan.error.startswith("Not started: the job broker was unreachable (")
    assert (Task.objects.count(), Snapshot.objects.count()) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_a_webhook_with_the_broker_down_is_a_503_and_the_delivery_is_retried(
    broker_down: str, deliver: Deliver, payload: Payload, monkeypatch: pytest.MonkeyPatch
) -> None:
    response = deliver(payload("pull_request.opened"), delivery="guid-down")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "broker_unavailable"
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RECEIVED
    assert delivery.result.startswith("not queued yet: the broker was unreachable (")
    # GitHub's redelivery is a duplicate: the stored row is retried by the periodic job instead.
    assert deliver(payload("pull_request.opened"), delivery="guid-down").json()["duplicate"] is True

    # The broker is back (in-process here): the periodic job queues and applies it.
    from onboarding.celery import app

    app.conf.task_always_eager = True
    assert deliveries_retry(older_than=dt.timedelta(0)) == 1
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PROCESSED


Payload = Callable[..., dict[str, Any]]


def test_a_claim_on_a_task_that_disappears_is_kept_flagged_and_returns_with_it(
    cpython_dir: Path, make_contributor: Callable[..., Contributor], client: Client
) -> None:
    from analyzer.analysis import analyze
    from analyzer.campaigns import run_all

    scan_run(path=cpython_dir / GOOD, label=GOOD, date=dt.date(2025, 8, 1))
    later = {(slug, f.name) for slug, r in run_all(analyze(cpython_dir / "3.15a-2026-02")).items() for f in r.findings}
    todo = Task.objects.filter(status=Task.Status.TODO).select_related("campaign").order_by("campaign__slug", "name")
    # An open task whose op is gone from 3.15a-2026-02 (the optimizer campaign has some).
    task = next(t for t in todo if (t.campaign.slug, t.name) not in later)
    claim = claim_create(task=task, contributor=make_contributor("keeper"))

    scan_run(path=cpython_dir / "3.15a-2026-02", label="3.15a-2026-02", date=dt.date(2026, 2, 1))

    claim.refresh_from_db()
    task.refresh_from_db()
    assert (task.status, claim.status) == (Task.Status.RETIRED, Claim.Status.ACTIVE)
    assert claim.flag.startswith("the task is gone from 3.15a-2026-02; a maintainer should decide")
    assert list(claim.events.values_list("kind", flat=True)) == ["claimed", "flagged"]
    listed = client.get("/api/claims/?flagged=true").json()["results"]
    assert [(c["id"], c["flag"]) for c in listed] == [(claim.pk, claim.flag)]

    # The op comes back upstream (the older sources presented as a newer snapshot).
    scan_run(path=cpython_dir / GOOD, label="revert", date=dt.date(2026, 12, 1))

    claim.refresh_from_db()
    task.refresh_from_db()
    assert (task.status, claim.status, claim.flag, claim.flagged_at) == ("claimed", "active", "", None)
    assert client.get("/api/claims/?flagged=true").json()["results"] == []
