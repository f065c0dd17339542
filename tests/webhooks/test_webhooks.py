"""The GitHub webhook: signatures (real ones), idempotent deliveries, and pull requests moving tasks."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.claims.imports import pull_entries_parse, pull_requests_import
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.contributors.busfactor import STAGES, bus_factor
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.selectors import leaderboard_list
from onboarding.webhooks.models import Delivery
from onboarding.webhooks.services import op_names_in
from onboarding.webhooks.signature import signature_for, signature_is_valid
from tests.leaderboard.conftest import Rescan, rescan  # noqa: F401  (fixture)

from .conftest import Deliver

pytestmark = pytest.mark.django_db

Payload = Callable[..., dict[str, Any]]
HELLO = "https://github.com/Codertocat/Hello-World/pull/2"


class TestSignature:
    def test_the_github_docs_test_vector(self) -> None:
        expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"

        assert signature_for(secret="It's a Secret to Everybody", body=b"Hello, World!") == expected
        assert signature_is_valid(secret="It's a Secret to Everybody", body=b"Hello, World!", header=expected)
        assert not signature_is_valid(secret="It's a Secret to Everybody", body=b"Hello, World?", header=expected)

    def test_the_real_delivery_verifies_with_its_real_secret(self, payloads: Path) -> None:
        meta = json.loads((payloads / "pull_request.closed.merged.delivery.json").read_text())
        body = (payloads / meta["body_file"]).read_bytes()

        assert len(body) == int(meta["headers"]["content-length"])
        assert signature_is_valid(
            secret=meta["webhook_secret"], body=body, header=meta["headers"]["x-hub-signature-256"]
        )
        assert not signature_is_valid(secret="another", body=body, header=meta["headers"]["x-hub-signature-256"])
        assert not signature_is_valid(
            secret=meta["webhook_secret"], body=body + b" ", header=meta["headers"]["x-hub-signature-256"]
        )

    def test_an_empty_secret_verifies_nothing(self) -> None:
        assert not signature_is_valid(secret="", body=b"x", header=signature_for(secret="", body=b"x"))


class TestRealDelivery:
    def test_the_captured_delivery_is_accepted_with_its_own_headers_and_applied(
        self,
        client: Client,
        payloads: Path,
        django_capture_on_commit_callbacks: Any,
        make_task: Callable[..., Task],
        make_contributor: Callable[..., Contributor],
    ) -> None:
        meta = json.loads((payloads / "pull_request.closed.merged.delivery.json").read_text())
        body = (payloads / meta["body_file"]).read_bytes()
        headers = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in meta["headers"].items()
            if k not in ("content-type", "content-length")
        }
        task = make_task("LOAD_FAST", status=Task.Status.IN_REVIEW)
        url = "https://github.com/derekg1729/test-repo/pull/315"
        Claim.objects.create(
            task=task, contributor=make_contributor("derekg1729"), claimed_at="2025-10-01T00:00Z", pr_url=url
        )

        with (
            override_settings(
                GITHUB_WEBHOOK_SECRET=meta["webhook_secret"], GITHUB_WEBHOOK_REPOSITORY="derekg1729/test-repo"
            ),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.generic("POST", "/api/webhooks/github/", body, content_type="application/json", **headers)

        assert response.status_code == 202
        assert response.json() == {
            "delivery": "c16510a0-a996-11f0-86fe-90260285066c",
            "event": "pull_request",
            "status": "received",
            "duplicate": False,
        }
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.action) == ("processed", "closed")
        pr = PullRequest.objects.get()
        assert (pr.repo, pr.number, pr.state, pr.title) == ("derekg1729/test-repo", 315, "merged", "Test PR Title")
        assert pr.merged_at.isoformat() == "2025-10-15T07:15:39+00:00"
        assert list(pr.tasks.all()) == [task]
        assert (pr.author, pr.author_verified) == (task.claims.get().contributor, True)
        assert pr.opened_at.isoformat() == "2025-10-15T07:09:59+00:00"
        assert (pr.issue, pr.campaign) == (None, None)  # "Test PR Title" cites no gh-NNN
        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW  # merged, but done only once a scan confirms it


class TestRefusals:
    def test_a_missing_signature_is_a_401_and_stores_nothing(self, deliver: Deliver, payload: Payload) -> None:
        response = deliver(payload("ping"), event="ping", signature="")

        assert response.status_code == 401
        assert response.json()["error"]["code"] == "signature_missing"
        assert not Delivery.objects.exists()

    def test_a_wrong_signature_is_a_403_and_stores_nothing(self, deliver: Deliver, payload: Payload) -> None:
        response = deliver(payload("pull_request.opened"), secret="not-the-secret")

        assert response.status_code == 403
        assert response.json() == {
            "error": {
                "code": "signature_invalid",
                "message": "The X-Hub-Signature-256 header does not match the body and the webhook secret.",
                "fields": {},
            }
        }
        assert not Delivery.objects.exists()
        assert not PullRequest.objects.exists()

    def test_without_a_configured_secret_every_delivery_is_refused(self, deliver: Deliver, payload: Payload) -> None:
        with override_settings(GITHUB_WEBHOOK_SECRET=""):
            response = deliver(payload("ping"), event="ping", secret="")

        assert response.status_code == 403
        assert response.json()["error"]["code"] == "webhook_not_configured"
        assert not Delivery.objects.exists()

    @pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe", b"[1, 2]", b'{"a": NaN}'])
    def test_a_signed_malformed_body_is_a_400(self, deliver: Deliver, body: bytes) -> None:
        response = deliver(body)

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "bad_delivery"
        assert not Delivery.objects.exists()

    def test_missing_github_headers_are_a_400(self, client: Client) -> None:
        body = b"{}"
        response = client.post(
            "/api/webhooks/github/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=signature_for(secret="test-webhook-secret", body=body),
        )

        assert response.status_code == 400
        assert response.json()["error"]["message"] == "X-GitHub-Event and X-GitHub-Delivery headers are required."

    def test_get_is_a_405(self, client: Client) -> None:
        response = client.get("/api/webhooks/github/")

        assert response.status_code == 405
        assert response.json()["error"]["code"] == "method_not_allowed"


class TestDeliveries:
    def test_ping_is_answered_and_recorded(self, deliver: Deliver, payload: Payload) -> None:
        response = deliver(payload("ping"), event="ping", delivery="ping-1")

        assert response.status_code == 202
        assert response.json() == {"delivery": "ping-1", "event": "ping", "status": "processed", "duplicate": False}
        assert Delivery.objects.get().result == "ping: Anything added dilutes everything else."

    def test_a_repeated_delivery_changes_nothing(
        self,
        deliver: Deliver,
        payload: Payload,
        make_task: Callable[..., Task],
        make_contributor: Callable[..., Contributor],
    ) -> None:
        task = make_task("LOAD_FAST", status=Task.Status.CLAIMED)
        Claim.objects.create(task=task, contributor=make_contributor("Codertocat"), claimed_at="2019-05-01T00:00Z")
        body = payload("pull_request.opened", title="Convert `LOAD_FAST`")

        first = deliver(body, delivery="same-guid")
        before = (TaskStatusChange.objects.count(), ClaimEvent.objects.count(), PullRequest.objects.get().updated_at)
        second = deliver(body, delivery="same-guid")

        assert (first.status_code, second.status_code) == (202, 200)
        assert second.json()["duplicate"] is True
        assert Delivery.objects.count() == 1
        assert (
            TaskStatusChange.objects.count(),
            ClaimEvent.objects.count(),
            PullRequest.objects.get().updated_at,
        ) == before

    @pytest.mark.parametrize(("name", "event"), [("push", "push"), ("issue_comment.created", "issue_comment")])
    def test_other_events_are_recorded_as_ignored(
        self, deliver: Deliver, payload: Payload, name: str, event: str
    ) -> None:
        response = deliver(payload(name), event=event)

        assert response.status_code == 202
        assert Delivery.objects.get().status == "ignored"

    def test_a_form_encoded_delivery_is_read_from_its_payload_field(self, deliver: Deliver, payload: Payload) -> None:
        body = urlencode({"payload": json.dumps(payload("ping"))}).encode()

        response = deliver(body, event="ping", content_type="application/x-www-form-urlencoded")

        assert response.status_code == 202
        assert Delivery.objects.get().payload["hook_id"] == payload("ping")["hook_id"]


class TestOpNames:
    def test_names_are_read_as_cpython_spells_them(self) -> None:
        text = "gh-134584: Eliminate redundant refcounting from `_CALL_TYPE_1` and LOAD_ATTR in the JIT"

        assert op_names_in(text) == {"_CALL_TYPE_1", "LOAD_ATTR", "JIT"}


class TestPullRequestLifecycle:
    """Codertocat's PR #2 (the octokit payloads) on a task Codertocat claimed."""

    @pytest.fixture
    def task(self, make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]) -> Task:
        task = make_task("CALL_TYPE_1", uop="_CALL_TYPE_1", status=Task.Status.CLAIMED)
        Claim.objects.create(task=task, contributor=make_contributor("codertocat"), claimed_at="2019-05-01T00:00Z")
        return task

    TITLE = "gh-1: Eliminate redundant refcounting from `_CALL_TYPE_1`"

    def history(self, task: Task) -> list[tuple[str, str]]:
        return list(task.status_changes.values_list("from_status", "to_status"))

    def test_opened_links_by_uop_and_puts_the_task_in_review(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        deliver(payload("pull_request.opened", title=self.TITLE))

        task.refresh_from_db()
        claim = task.claims.get()
        assert task.status == Task.Status.IN_REVIEW
        assert self.history(task) == [("claimed", "in_review")]
        assert claim.pr_url == HELLO
        assert list(claim.events.values_list("kind", "note")) == [("pr_linked", f"{HELLO} (from a GitHub webhook)")]
        pr = PullRequest.objects.get()
        assert (pr.url, pr.state, pr.claim) == (HELLO, "open", claim)
        assert Delivery.objects.get().result == (
            "Codertocat/Hello-World#2 is open; linked to refcount/CALL_TYPE_1; moved CALL_TYPE_1 → in_review"
        )

    def test_closed_unmerged_goes_back_to_claimed_and_reopened_to_review(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        deliver(payload("pull_request.opened", title=self.TITLE))
        deliver(payload("pull_request.closed.unmerged", title=self.TITLE))
        # The octokit examples are not one real sequence: their reopened copy is stamped before the
        # close. GitHub stamps a reopen after it, which is what this delivery says.
        deliver(payload("pull_request.reopened", title=self.TITLE, updated_at="2019-05-15T15:30:00Z"))

        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW
        assert self.history(task) == [("claimed", "in_review"), ("in_review", "claimed"), ("claimed", "in_review")]
        assert [c.reason for c in task.status_changes.all()][1] == (
            "pull request Codertocat/Hello-World#2 was closed without merging"
        )

    def test_an_older_delivery_arriving_late_changes_no_state(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        deliver(payload("pull_request.closed.unmerged", title=self.TITLE))
        deliver(payload("pull_request.opened", title=self.TITLE))  # stamped 45 s before the close

        task.refresh_from_db()
        assert PullRequest.objects.get().state == "closed"
        assert task.status == Task.Status.CLAIMED
        assert (
            Delivery.objects.order_by("pk")
            .last()
            .result.endswith("older than a delivery already applied: states left alone")
        )

    def test_synchronize_is_activity_without_a_state_change(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        deliver(payload("pull_request.opened", title=self.TITLE))
        before = PullRequest.objects.get().updated_at

        deliver(payload("pull_request.synchronize", title=self.TITLE))

        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW
        assert PullRequest.objects.get().updated_at > before
        assert len(self.history(task)) == 1

    def test_edited_links_a_task_named_in_the_new_body(
        self, deliver: Deliver, payload: Payload, task: Task, make_task: Callable[..., Task]
    ) -> None:
        other = make_task("LOAD_ATTR_SLOT", uop="_LOAD_ATTR_SLOT")
        deliver(payload("pull_request.opened", title=self.TITLE))

        edited = payload("pull_request.opened", title=self.TITLE, body="Also converts `_LOAD_ATTR_SLOT`.")
        edited.update(action="edited", changes={"body": {"from": "This is a pretty simple change"}})
        deliver(edited)

        assert set(PullRequest.objects.get().tasks.all()) == {task, other}
        other.refresh_from_db()
        assert other.status == Task.Status.TODO  # nobody claimed it: linked for the record only

    def test_a_null_body_is_fine(self, deliver: Deliver, payload: Payload, task: Task) -> None:
        response = deliver(payload("pull_request.opened.null-body", title=self.TITLE))

        assert response.status_code == 202
        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW

    def test_someone_else_s_pr_naming_the_task_moves_nothing(
        self,
        deliver: Deliver,
        payload: Payload,
        make_task: Callable[..., Task],
        make_contributor: Callable[..., Contributor],
    ) -> None:
        task = make_task("CALL_TYPE_1", uop="_CALL_TYPE_1", status=Task.Status.CLAIMED)
        Claim.objects.create(task=task, contributor=make_contributor("alice"), claimed_at="2019-05-01T00:00Z")

        deliver(payload("pull_request.opened", title=self.TITLE))

        task.refresh_from_db()
        assert task.status == Task.Status.CLAIMED
        assert list(PullRequest.objects.get().tasks.all()) == [task]
        assert task.claims.get().pr_url == ""

    def test_the_cited_issue_picks_the_campaign(
        self, deliver: Deliver, payload: Payload, make_task: Callable[..., Task]
    ) -> None:
        refcount = make_task("CALL_TYPE_1", uop="_CALL_TYPE_1")
        optimizer = make_task("_CALL_TYPE_1", campaign="optimizer")
        optimizer.campaign.issue = "gh-131798"
        optimizer.campaign.save()

        deliver(payload("pull_request.opened", title="gh-131798: optimizer case for `_CALL_TYPE_1`"))

        assert list(PullRequest.objects.get().tasks.all()) == [optimizer]
        assert refcount.pull_requests.count() == 0

    def test_a_merge_leaves_the_task_in_review_until_a_scan_confirms(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        deliver(payload("pull_request.opened", title=self.TITLE))

        merged = payload(
            "pull_request.closed.unmerged", title=self.TITLE, merged=True, merged_at="2019-05-15T15:21:18Z"
        )
        deliver(merged)
        deliver(payload("pull_request.closed.unmerged", title=self.TITLE, updated_at="2019-05-16T00:00:00Z"))

        task.refresh_from_db()
        pr = PullRequest.objects.get()
        assert pr.state == "merged"  # a merge is final, whatever arrives later
        assert task.status == Task.Status.IN_REVIEW


class TestWhatIsRecorded:
    """A pull request that arrives only by webhook carries what ``import_pulls`` records: author,
    opening time, mega-issue, campaign and, once merged and scanned, a confirmation."""

    TITLE = "gh-134584: Eliminate redundant refcounting from `_CALL_TYPE_1`"
    MERGED_DAY = dt.date(2025, 10, 15)

    @pytest.fixture
    def task(self, make_task: Callable[..., Task]) -> Task:
        return make_task("CALL_TYPE_1", uop="_CALL_TYPE_1")

    @pytest.fixture
    def merged(self, payload: Payload) -> dict[str, Any]:
        """The real captured merge of derekg1729/test-repo#315, its title naming a refcount task."""
        return payload("pull_request.closed.merged", title=self.TITLE)

    def arrive(self, route: str, body: dict[str, Any], deliver: Deliver) -> None:
        if route == "webhook":
            with override_settings(GITHUB_WEBHOOK_REPOSITORY="derekg1729/test-repo"):
                assert deliver(body).status_code == 202
            assert Delivery.objects.get().status == "processed"
        else:  # the same GitHub-shaped pull request, through import_pulls' parser and writer
            pull_requests_import(pull_entries_parse([body["pull_request"]], source="the delivery"))

    def test_a_merged_delivery_records_author_opened_at_issue_and_campaign(
        self, deliver: Deliver, merged: dict[str, Any], task: Task
    ) -> None:
        self.arrive("webhook", merged, deliver)

        pr = PullRequest.objects.get()
        assert (pr.state, pr.merged_at) == ("merged", dt.datetime(2025, 10, 15, 7, 15, 39, tzinfo=dt.UTC))
        assert (pr.author.github_handle, pr.author.user, pr.author_verified) == ("derekg1729", None, True)
        assert pr.opened_at == dt.datetime(2025, 10, 15, 7, 9, 59, tzinfo=dt.UTC)
        assert (pr.issue, pr.campaign) == (134584, task.campaign)
        assert list(pr.tasks.all()) == [task]
        assert pr.changed_files == []  # a delivery gives only their count: left unknown
        assert pr.confirmed_snapshot is None  # no scan after the merge yet
        assert Delivery.objects.get().result == "derekg1729/test-repo#315 is merged; linked to refcount/CALL_TYPE_1"

    @pytest.mark.parametrize("route", ["webhook", "import"])
    def test_a_later_scan_credits_the_author_as_it_credits_an_imported_one(
        self,
        route: str,
        deliver: Deliver,
        merged: dict[str, Any],
        task: Task,
        rescan: Rescan,  # noqa: F811
    ) -> None:
        self.arrive(route, merged, deliver)

        assert list(leaderboard_list()) == []  # merged, not yet confirmed by a scan
        rescan(task, at=dt.datetime(2025, 10, 20, 12, tzinfo=dt.UTC))

        easy = settings.LEADERBOARD_CONVERSION_POINTS[Task.Difficulty.EASY]
        assert [(s.github_handle, s.conversions, s.points) for s in leaderboard_list()] == [("derekg1729", 1, easy)]
        stage = next(s.slug for s in STAGES if "refcount" in s.campaigns)
        table = bus_factor(as_of=dt.date(2025, 10, 20))
        row = next(r for r in table.rows if r.stage.slug == stage)
        assert [p.github_handle for p in next(w for w in row.windows if w.window == "all").people] == ["derekg1729"]

    @pytest.mark.parametrize("route", ["webhook", "import"])
    def test_a_delivery_after_the_confirming_scan_records_it(
        self,
        route: str,
        deliver: Deliver,
        merged: dict[str, Any],
        task: Task,
        rescan: Rescan,  # noqa: F811
    ) -> None:
        scan = rescan(task, at=dt.datetime(2025, 10, 20, 12, tzinfo=dt.UTC))

        self.arrive(route, merged, deliver)

        assert PullRequest.objects.get().confirmed_snapshot == scan.snapshot
        assert [s.github_handle for s in leaderboard_list()] == ["derekg1729"]

    @pytest.mark.parametrize("user", [{"login": "dependabot[bot]", "type": "Bot"}, None])
    def test_an_app_or_a_null_user_is_no_author(
        self,
        user: dict[str, str] | None,
        deliver: Deliver,
        merged: dict[str, Any],
        task: Task,
        rescan: Rescan,  # noqa: F811
    ) -> None:
        if user is not None:
            user = {**merged["pull_request"]["user"], **user}
        merged["pull_request"]["user"] = user

        self.arrive("webhook", merged, deliver)
        rescan(task, at=dt.datetime(2025, 10, 20, 12, tzinfo=dt.UTC))

        pr = PullRequest.objects.get()
        assert (pr.author, pr.author_verified) == (None, False)
        assert (pr.issue, pr.campaign, pr.opened_at.date()) == (134584, task.campaign, self.MERGED_DAY)
        assert not Contributor.objects.exists()
        assert Delivery.objects.get().result == "derekg1729/test-repo#315 is merged; linked to refcount/CALL_TYPE_1"
        assert list(leaderboard_list()) == []

    @pytest.mark.parametrize(
        ("field", "value", "unknown"),
        [
            (
                "user",
                {"login": "not a handle"},
                "author left unknown (pull_request: 'user.login' 'not a handle' is not a GitHub handle)",
            ),
            (
                "user",
                {"login": "octocat_acme"},
                "author left unknown (pull_request: 'user.login' 'octocat_acme' is not a GitHub handle)",
            ),
            (
                "created_at",
                "2025-13-45T25:61:00Z",
                "opening time left unknown (pull_request: 'created_at' '2025-13-45T25:61:00Z' is not a date "
                "(YYYY-MM-DD or ISO 8601))",
            ),
            (
                "created_at",
                1557933633,
                "opening time left unknown (pull_request: 'created_at' 1557933633 is not a date "
                "(YYYY-MM-DD or ISO 8601))",
            ),
        ],
    )
    def test_a_user_or_date_the_import_refuses_is_left_unknown_and_said(
        self,
        field: str,
        value: Any,
        unknown: str,
        deliver: Deliver,
        payload: Payload,
        make_task: Callable[..., Task],
        make_contributor: Callable[..., Contributor],
    ) -> None:
        task = make_task("CALL_TYPE_1", uop="_CALL_TYPE_1", status=Task.Status.CLAIMED)
        Claim.objects.create(
            task=task, contributor=make_contributor("alice"), claimed_at="2019-05-01T00:00Z", pr_url=HELLO
        )
        body = payload("pull_request.opened", title=self.TITLE)
        body["pull_request"][field] = {**body["pull_request"][field], **value} if field == "user" else value

        response = deliver(body)

        assert response.status_code == 202
        delivery = Delivery.objects.get()
        assert delivery.status == "processed"
        assert delivery.result == (
            "Codertocat/Hello-World#2 is open; linked to refcount/CALL_TYPE_1; moved CALL_TYPE_1 → in_review; "
            + unknown
        )
        pr = PullRequest.objects.get()
        assert (pr.state, pr.issue, pr.campaign, pr.claim) == ("open", 134584, task.campaign, task.claims.get())
        if field == "user":
            assert (pr.author, pr.author_verified, pr.opened_at.isoformat()) == (
                None,
                False,
                "2019-05-15T15:20:33+00:00",
            )
        else:
            assert (pr.author.github_handle, pr.author_verified, pr.opened_at) == ("Codertocat", True, None)
        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW

    def test_an_unreadable_opening_time_later_keeps_the_one_recorded(self, deliver: Deliver, payload: Payload) -> None:
        deliver(payload("pull_request.opened", title=self.TITLE))
        deliver(payload("pull_request.synchronize", title=self.TITLE, created_at="yesterday"))

        assert PullRequest.objects.get().opened_at.isoformat() == "2019-05-15T15:20:33+00:00"
        assert (
            Delivery.objects.order_by("pk")
            .last()
            .result.endswith(
                "opening time left as recorded (pull_request: 'created_at' 'yesterday' is not a date "
                "(YYYY-MM-DD or ISO 8601))"
            )
        )

    def test_a_title_citing_no_issue_keeps_the_imported_one(
        self, deliver: Deliver, payload: Payload, task: Task
    ) -> None:
        body = payload("pull_request.opened", title="Convert `_CALL_TYPE_1`")
        pull_requests_import(pull_entries_parse([body["pull_request"]], source="pulls.json", default_issue=134584))
        campaign = Campaign.objects.get(slug="refcount")
        assert (PullRequest.objects.get().issue, PullRequest.objects.get().campaign) == (134584, campaign)

        deliver(payload("pull_request.synchronize", title="Convert `_CALL_TYPE_1`"))

        pr = PullRequest.objects.get()
        assert (pr.issue, pr.campaign, pr.author.github_handle) == (134584, campaign, "Codertocat")
