"""Celery jobs in-process (the default without a broker): queued scans, claim reminders and expiry, deliveries."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from onboarding import celery_app
from onboarding.campaigns.models import Task
from onboarding.claims.expiry import REMINDED, claims_expire, claims_remind
from onboarding.claims.jobs import claims_expire_job, claims_remind_job
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.contributors.models import Contributor
from onboarding.errors import ScanNotRerunnable
from onboarding.snapshots.jobs import scan_job
from onboarding.snapshots.models import Scan, Snapshot
from onboarding.snapshots.queued import scan_enqueue, scan_rerun
from onboarding.web import pagecache
from onboarding.webhooks.jobs import delivery_process_job
from onboarding.webhooks.services import delivery_receive

from .conftest import SNAPSHOT

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]


def queue_scan(cpython_dir: Path, label: str, capture: Any) -> Scan:
    entry = SNAPSHOT[label]
    with capture(execute=True):
        scan = scan_enqueue(
            path=cpython_dir / label,
            label=label,
            commit=entry["commit"],
            repository=entry["repository"],
            date=dt.date.fromisoformat(entry["date"]),
        )
    scan.refresh_from_db()
    return scan


class TestQueuedScans:
    def test_a_queued_scan_runs_after_the_commit_and_records_its_steps(
        self, cpython_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks() as callbacks:
            scan = scan_enqueue(path=cpython_dir / "3.15a-2025-08", label="3.15a-2025-08")
        # The transaction's callbacks: the scan job's send, plus the page cache's data-version
        # bump (onboarding.web.pagecache), which every writing transaction schedules.
        jobs = [callback for callback in callbacks if not isinstance(callback, pagecache.DataVersionBump)]
        assert (scan.status, len(jobs), len(callbacks) - len(jobs)) == ("pending", 1, 1)

        for callback in callbacks:  # as the commit would, in order; only the job runs the scan
            callback()
        scan.refresh_from_db()

        assert scan.status == "succeeded"
        assert scan.snapshot == Snapshot.objects.get(label="3.15a-2025-08")
        assert scan.progress[0] == f"Analyzing {cpython_dir / '3.15a-2025-08'} …"
        assert any(step.startswith("Updating refcount tasks") for step in scan.progress)
        assert scan.progress[-1].startswith("Scan of 3.15a-2025-08 succeeded in ")

    def test_the_job_does_not_run_a_succeeded_scan_twice(
        self, cpython_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        scan = queue_scan(cpython_dir, "3.15a-2025-08", django_capture_on_commit_callbacks)
        finished, tasks = scan.finished_at, Task.objects.count()

        assert scan_job.apply(args=[scan.pk]).get() == "succeeded"

        scan.refresh_from_db()
        assert (scan.finished_at, Task.objects.count(), Scan.objects.count()) == (finished, tasks, 1)
        with pytest.raises(ScanNotRerunnable, match="succeeded; start a new scan instead"):
            scan_rerun(scan=scan)

    def test_a_failed_scan_records_why_and_runs_again_once_fixed(
        self, tmp_path: Path, cpython_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        checkout = tmp_path / "cpython"
        (checkout / "Python").mkdir(parents=True)
        (checkout / "Python" / "bytecodes.c").write_text("// BEGIN BYTECODES //\ninst(BROKEN, (a -- ) {\n")
        with django_capture_on_commit_callbacks(execute=True):
            scan = scan_enqueue(path=checkout, label="broken")
        scan.refresh_from_db()
        assert scan.status == "failed"
        assert "is never closed by a '// END BYTECODES //' line" in scan.error
        assert scan.progress[-1].startswith("Scan failed: ")
        assert not Snapshot.objects.exists()

        (checkout / "Python" / "bytecodes.c").write_bytes(
            (cpython_dir / "3.15a-2025-08" / "Python" / "bytecodes.c").read_bytes()
        )
        with django_capture_on_commit_callbacks(execute=True):
            scan_rerun(scan=scan)
        scan.refresh_from_db()

        assert (scan.status, scan.error, Scan.objects.count()) == ("succeeded", "", 1)
        assert list(Snapshot.objects.values_list("label", flat=True)) == ["broken"]


class TestScanApi:
    @pytest.fixture
    def maintainer(self, make_contributor: MakeContributor) -> APIClient:
        client = APIClient()
        token, _ = Token.objects.get_or_create(user=make_contributor("lead", maintainer=True).user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    def test_a_maintainer_queues_a_scan_and_reads_its_outcome(
        self, maintainer: APIClient, cpython_dir: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = maintainer.post("/api/scans/", {"path": str(cpython_dir / "3.15a-2025-08"), "label": "aug"})

        assert response.status_code == 202
        assert (response.json()["status"], response.json()["label"]) == ("pending", "aug")
        detail = APIClient().get(f"/api/scans/{response.json()['id']}/").json()
        assert (detail["status"], detail["snapshot"]) == ("succeeded", "aug")
        assert detail["counts"]["campaigns"]["refcount"]["evaluated"] is True

    def test_a_path_without_sources_is_a_400_on_the_field(self, maintainer: APIClient, tmp_path: Path) -> None:
        response = maintainer.post("/api/scans/", {"path": str(tmp_path)})

        assert response.status_code == 400
        assert list(response.json()["error"]["fields"]) == ["path"]
        assert not Scan.objects.exists()

    def test_scans_are_for_maintainers(self, make_contributor: MakeContributor, cpython_dir: Path) -> None:
        client = APIClient()
        client.force_authenticate(make_contributor("alice").user)

        response = client.post("/api/scans/", {"path": str(cpython_dir / "3.15a-2025-08")})

        assert response.status_code == 403
        assert not Scan.objects.exists()

    def test_rerunning_a_succeeded_scan_is_a_409(self, maintainer: APIClient) -> None:
        scan = Scan.objects.create(label="x", path="/nowhere", status=Scan.Status.SUCCEEDED)

        response = maintainer.post(f"/api/scans/{scan.pk}/rerun/")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "scan_not_rerunnable"


class TestScanPage:
    def test_a_running_scan_shows_its_steps(self, client: Client) -> None:
        Scan.objects.create(
            label="main", path="/x", status=Scan.Status.RUNNING, progress=["Analyzing /x …", "Parsed 300 inst"]
        )
        Scan.objects.create(label="later", path="/y", status=Scan.Status.PENDING)

        html = client.get("/scans/").content.decode()

        assert '<li>Analyzing /x …</li><li aria-current="step">Parsed 300 inst</li>' in html
        assert "Running: step 2" in html
        assert "Queued: waiting for a worker." in html


class TestClaimExpiry:
    @pytest.fixture(autouse=True)
    def _days(self, settings: Any) -> None:
        settings.CLAIMS_REMIND_AFTER_DAYS = 14
        settings.CLAIMS_EXPIRE_AFTER_DAYS = 21

    @pytest.fixture
    def claim(self, make_task: MakeTask, make_contributor: MakeContributor) -> Claim:
        task = make_task("LOAD_FAST", status=Task.Status.CLAIMED)
        alice = make_contributor("alice")
        alice.user.email = "alice@example.org"
        alice.user.save()
        return Claim.objects.create(task=task, contributor=alice, claimed_at=timezone.now() - dt.timedelta(days=15))

    def test_a_quiet_claim_is_reminded_once(self, claim: Claim) -> None:
        first = claims_remind()
        second = claims_remind()

        assert (first, second) == ([claim], [])
        assert list(claim.events.values_list("kind", flat=True)) == [REMINDED]
        assert [m.subject for m in mail.outbox] == ["Still working on LOAD_FAST?"]
        assert mail.outbox[0].to == ["alice@example.org"]

    def test_pull_request_activity_keeps_a_claim_alive(self, claim: Claim) -> None:
        PullRequest.objects.create(
            url="https://github.com/python/cpython/pull/1", repo="python/cpython", number=1, claim=claim
        )

        assert claims_remind() == []
        assert claims_expire(now=timezone.now() + dt.timedelta(days=13)) == []

    def test_a_reminded_claim_expires_and_frees_its_task(self, claim: Claim) -> None:
        claims_remind()
        assert claims_expire(now=timezone.now() + dt.timedelta(days=5)) == []  # not quiet for 21 days yet

        expired = claims_expire(now=timezone.now() + dt.timedelta(days=7))

        assert [c.pk for c in expired] == [claim.pk]
        claim.refresh_from_db()
        assert (claim.status, claim.released_by) == ("expired", None)
        assert claim.reason == "expired after 22 days without activity"
        assert list(claim.events.values_list("kind", flat=True)) == [REMINDED, "expired"]
        task = claim.task
        task.refresh_from_db()
        assert task.status == Task.Status.TODO
        assert task.status_changes.get().reason == "claim of @alice expired after 22 days without activity"

    def test_an_unreminded_claim_never_expires(self, claim: Claim) -> None:
        assert claims_expire(now=timezone.now() + dt.timedelta(days=30)) == []
        assert Claim.objects.get().status == "active"

    def test_the_jobs_run_the_services(self, claim: Claim) -> None:
        assert claims_remind_job.apply().get() == 1
        assert claims_expire_job.apply().get() == 0
        assert ClaimEvent.objects.filter(kind=REMINDED).count() == 1

    def test_the_beat_schedule_names_registered_jobs(self) -> None:
        from django.conf import settings

        celery_app.loader.import_default_modules()
        scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

        assert scheduled == {
            "onboarding.claims.jobs.claims_remind_job",
            "onboarding.claims.jobs.claims_expire_job",
            "onboarding.webhooks.jobs.deliveries_retry_job",
        }
        assert scheduled <= set(celery_app.tasks)
        assert settings.CELERY_BEAT_SCHEDULER == "django_celery_beat.schedulers:DatabaseScheduler"


class TestDeliveryJob:
    def test_processing_a_delivery_twice_changes_nothing(
        self,
        shared_dir: Path,
        make_task: MakeTask,
        make_contributor: MakeContributor,
        django_capture_on_commit_callbacks: Any,
    ) -> None:
        payload = json.loads((shared_dir / "github-webhooks" / "pull_request.opened.json").read_text())
        payload["pull_request"]["title"] = "Convert `LOAD_FAST`"
        payload["repository"]["full_name"] = "python/cpython"  # the one repository whose PRs move tasks
        task = make_task("LOAD_FAST", status=Task.Status.CLAIMED)
        Claim.objects.create(task=task, contributor=make_contributor("Codertocat"), claimed_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            delivery, _ = delivery_receive(delivery_id="d-1", event="pull_request", payload=payload)

        again = delivery_process_job.apply(args=[delivery.pk]).get()

        assert again == "processed"
        assert task.status_changes.count() == 1
        assert ClaimEvent.objects.filter(kind="pr_linked").count() == 1


class TestMergedAndConfirmed:
    def test_a_merged_pr_s_task_is_done_once_a_scan_finds_the_op_converted(
        self, cpython_dir: Path, make_contributor: MakeContributor, django_capture_on_commit_callbacks: Any
    ) -> None:
        from analyzer.analysis import analyze
        from analyzer.campaigns import run_all

        queue_scan(cpython_dir, "3.15a-2025-07", django_capture_on_commit_callbacks)
        converted = {
            f.name for f in run_all(analyze(cpython_dir / "3.15a-2026-02"))["refcount"].findings if f.status == "done"
        }
        task = (
            Task.objects.filter(campaign__slug="refcount", status="todo", name__in=converted).order_by("name").first()
        )
        assert task is not None
        alice = make_contributor("alice")
        claim = Claim.objects.create(
            task=task,
            contributor=alice,
            claimed_at=timezone.now(),
            pr_url="https://github.com/python/cpython/pull/137000",
        )
        task.status = Task.Status.IN_REVIEW
        task.save()
        payload = {
            "action": "closed",
            "number": 137000,
            "repository": {"full_name": "python/cpython"},
            "pull_request": {
                "number": 137000,
                "state": "closed",
                "merged": True,
                "merged_at": "2025-07-20T10:00:00Z",
                "title": f"gh-134584: convert {task.uop}",
                "body": None,
                "user": {"login": "alice"},
                "updated_at": "2025-07-20T10:00:00Z",
            },
        }
        with django_capture_on_commit_callbacks(execute=True):
            delivery_receive(delivery_id="merge-1", event="pull_request", payload=payload)
        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW  # merged, not yet confirmed

        queue_scan(cpython_dir, "3.15a-2026-02", django_capture_on_commit_callbacks)

        task.refresh_from_db()
        claim.refresh_from_db()
        assert task.status == Task.Status.DONE
        assert claim.status == Claim.Status.COMPLETED
        assert PullRequest.objects.get().state == "merged"
        assert task.status_changes.last().reason == "converted upstream in 3.15a-2026-02"
