"""The REST API: reads, claims through the services, auth, pagination, throttles and the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from onboarding.api.throttling import WriteScopedRateThrottle
from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.campaigns.selectors import campaign_megaissue
from onboarding.claims.models import Claim, ClaimEvent
from onboarding.contributors.models import Contributor

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
TokenClient = Callable[[Contributor], APIClient]


def error(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class TestUnauthenticated:
    def test_reads_are_public(self, api: APIClient, make_task: MakeTask) -> None:
        task = make_task("LOAD_FAST")

        response = api.get("/api/tasks/")

        assert response.status_code == 200
        assert [t["name"] for t in response.json()["results"]] == ["LOAD_FAST"]
        assert response.json()["results"][0]["id"] == task.pk

    def test_a_write_without_credentials_is_a_401_in_the_error_shape(self, api: APIClient, make_task: MakeTask) -> None:
        task = make_task("LOAD_FAST")

        response = api.post(f"/api/tasks/{task.pk}/claim/")

        assert response.status_code == 401
        assert response.json() == error("not_authenticated", "Authentication credentials were not provided.")
        assert response["WWW-Authenticate"] == "Token"
        assert not Claim.objects.exists()

    def test_a_wrong_token_is_a_401(self, api: APIClient, make_task: MakeTask) -> None:
        task = make_task("LOAD_FAST")
        api.credentials(HTTP_AUTHORIZATION="Token nope")

        response = api.post(f"/api/tasks/{task.pk}/claim/")

        assert response.status_code == 401
        assert response.json() == error("authentication_failed", "Invalid token.")


class TestTaskList:
    @pytest.fixture
    def tasks(self, make_task: MakeTask, make_contributor: MakeContributor) -> dict[str, Task]:
        made = {
            "a": make_task("BINARY_OP_ADD_INT", family="BINARY_OP", difficulty="easy"),
            "b": make_task("LOAD_ATTR_SLOT", family="LOAD_ATTR", difficulty="hard"),
            "c": make_task("_POP_TOP", difficulty="medium", status=Task.Status.DONE),
            "d": make_task("GONE", status=Task.Status.RETIRED),
            "e": make_task("_GUARD_X", campaign="optimizer", difficulty="easy"),
        }
        made["b"].status = Task.Status.CLAIMED
        made["b"].save()
        Claim.objects.create(task=made["b"], contributor=make_contributor("alice"), claimed_at="2026-01-01T00:00Z")
        return made

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", ["BINARY_OP_ADD_INT", "LOAD_ATTR_SLOT", "_GUARD_X", "_POP_TOP"]),
            ("campaign=optimizer", ["_GUARD_X"]),
            ("status=done", ["_POP_TOP"]),
            ("status=any", ["BINARY_OP_ADD_INT", "GONE", "LOAD_ATTR_SLOT", "_GUARD_X", "_POP_TOP"]),
            ("difficulty=easy", ["BINARY_OP_ADD_INT", "_GUARD_X"]),
            ("family=LOAD_ATTR", ["LOAD_ATTR_SLOT"]),
            ("claimed=yes", ["LOAD_ATTR_SLOT"]),
            ("claimed=no&campaign=refcount", ["BINARY_OP_ADD_INT", "_POP_TOP"]),
        ],
    )
    def test_filters(self, api: APIClient, tasks: dict[str, Task], query: str, expected: list[str]) -> None:
        response = api.get(f"/api/tasks/?{query}")

        assert response.status_code == 200
        assert [t["name"] for t in response.json()["results"]] == expected

    def test_a_task_shows_its_claimant(self, api: APIClient, tasks: dict[str, Task]) -> None:
        task = tasks["b"]

        response = api.get("/api/tasks/?claimed=yes")

        assert response.json()["results"] == [
            {
                "id": task.pk,
                "campaign": "refcount",
                "name": "LOAD_ATTR_SLOT",
                "kind": "inst",
                "uop": "LOAD_ATTR_SLOT",
                "family": "LOAD_ATTR",
                "status": "claimed",
                "difficulty": "hard",
                "summary": "",
                "file": "Python/bytecodes.c",
                "line": 10,
                "end_line": 12,
                "impact": None,
                "claimant": "alice",
            }
        ]

    @pytest.mark.parametrize("url", ["/api/pull-requests/", "/api/claims/"])
    @pytest.mark.parametrize("value", ["-102826615841021684088832", "102826615841021684088832", "0", "1.5"])
    def test_a_task_id_out_of_range_is_a_400_not_a_database_error(
        self, api: APIClient, tasks: dict[str, Task], url: str, value: str
    ) -> None:
        # Schemathesis found it: a 24-digit id reached SQLite, which cannot bind it (a 500).
        response = api.get(f"{url}?task={value}")

        assert response.status_code == 400, response.content
        assert list(response.json()["error"]["fields"]) == ["task"]
        assert api.get(f"{url}?task={tasks['a'].pk}").status_code == 200

    def test_a_bad_filter_value_is_a_400_keyed_by_parameter(self, api: APIClient, tasks: dict[str, Task]) -> None:
        response = api.get("/api/tasks/?status=sleeping&campaign=nope")

        assert response.status_code == 400
        body = response.json()["error"]
        assert body["code"] == "invalid"
        assert sorted(body["fields"]) == ["campaign", "status"]
        assert "sleeping is not one of the available choices" in body["fields"]["status"][0]

    def test_pages(self, api: APIClient, tasks: dict[str, Task]) -> None:
        first = api.get("/api/tasks/?page_size=3").json()
        second = api.get("/api/tasks/?page_size=3&page=2").json()

        assert first["count"] == 4
        assert len(first["results"]) == 3
        assert first["next"].endswith("/api/tasks/?page=2&page_size=3")
        assert [t["name"] for t in second["results"]] == ["_POP_TOP"]

    def test_a_page_past_the_end_is_a_404_in_the_error_shape(self, api: APIClient, tasks: dict[str, Task]) -> None:
        response = api.get("/api/tasks/?page=9")

        assert response.status_code == 404
        assert response.json() == error("not_found", "Invalid page.")

    def test_a_retired_task_is_still_readable_by_id_with_its_history(
        self, api: APIClient, tasks: dict[str, Task]
    ) -> None:
        task = tasks["d"]
        TaskStatusChange.objects.create(
            task=task, from_status="todo", to_status="retired", reason="gone", at="2026-02-01T00:00Z"
        )

        response = api.get(f"/api/tasks/{task.pk}/")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "retired"
        assert body["definition"] == "inst(X, (--)) {\n}\n"
        assert body["history"] == [
            {
                "from_status": "todo",
                "to_status": "retired",
                "reason": "gone",
                "at": "2026-02-01T00:00:00Z",
                "snapshot": None,
                "user": None,
            }
        ]


class TestClaims:
    def test_claiming_through_a_token_uses_the_claim_service(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        alice = make_contributor("alice")

        response = token_client(alice).post(f"/api/tasks/{task.pk}/claim/")

        assert response.status_code == 201
        claim = Claim.objects.get()
        body = response.json()
        assert body["id"] == claim.pk
        assert body["task"] == {"id": task.pk, "campaign": "refcount", "name": "LOAD_FAST", "status": "claimed"}
        assert (body["contributor"], body["status"], body["pr_url"]) == ("alice", "active", "")
        task.refresh_from_db()
        assert task.status == Task.Status.CLAIMED
        assert list(task.status_changes.values_list("to_status", "reason")) == [("claimed", "claimed by @alice")]
        assert list(ClaimEvent.objects.values_list("kind", flat=True)) == ["claimed"]

    def test_claiming_a_claimed_task_is_a_409(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        token_client(make_contributor("alice")).post(f"/api/tasks/{task.pk}/claim/")

        response = token_client(make_contributor("bob")).post(f"/api/tasks/{task.pk}/claim/")

        assert response.status_code == 409
        body = response.json()["error"]
        assert body["code"] == "task_already_claimed"
        assert body["message"].startswith("LOAD_FAST is already claimed by @alice since ")

    def test_claiming_a_done_task_is_a_409(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST", status=Task.Status.DONE)

        response = token_client(make_contributor("alice")).post(f"/api/tasks/{task.pk}/claim/")

        assert response.status_code == 409
        assert response.json() == error("task_not_claimable", "LOAD_FAST is already done upstream; pick another task.")

    def test_a_first_timer_holds_one_claim(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        client = token_client(make_contributor("alice"))
        client.post(f"/api/tasks/{make_task('A').pk}/claim/")

        response = client.post(f"/api/tasks/{make_task('B').pk}/claim/")

        assert response.status_code == 409
        assert response.json()["error"]["code"] == "claim_limit_reached"
        assert Claim.objects.count() == 1

    def test_the_claimant_releases(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        client = token_client(make_contributor("alice"))
        client.post(f"/api/tasks/{task.pk}/claim/")

        response = client.post(f"/api/tasks/{task.pk}/release/", {"reason": "no time"})

        assert response.status_code == 200
        assert (response.json()["status"], response.json()["reason"]) == ("released", "no time")
        task.refresh_from_db()
        assert task.status == Task.Status.TODO

    def test_someone_else_cannot_release(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        token_client(make_contributor("alice")).post(f"/api/tasks/{task.pk}/claim/")

        response = token_client(make_contributor("bob")).post(f"/api/tasks/{task.pk}/release/")

        assert response.status_code == 403
        assert response.json() == error("not_allowed", "Only @alice or a maintainer can release this claim.")
        assert Claim.objects.get().status == Claim.Status.ACTIVE

    def test_releasing_an_unclaimed_task_is_a_409(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")

        response = token_client(make_contributor("alice")).post(f"/api/tasks/{task.pk}/release/")

        assert response.status_code == 409
        assert response.json() == error("no_active_claim", "LOAD_FAST has no active claim to release.")

    def test_a_maintainer_assigns(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        make_contributor("bob")
        maintainer = make_contributor("lead", maintainer=True)

        response = token_client(maintainer).post(f"/api/tasks/{task.pk}/assign/", {"github_handle": "BOB"})

        assert response.status_code == 201
        assert (response.json()["contributor"], response.json()["assigned_by"]) == ("bob", "lead")

    def test_assigning_is_for_maintainers(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        make_contributor("bob")

        response = token_client(make_contributor("alice")).post(
            f"/api/tasks/{task.pk}/assign/", {"github_handle": "bob"}
        )

        assert response.status_code == 403
        assert response.json() == error("permission_denied", "Only maintainers can do this.")

    def test_assigning_to_an_unknown_handle_is_a_400_on_the_field(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        maintainer = make_contributor("lead", maintainer=True)

        response = token_client(maintainer).post(f"/api/tasks/{task.pk}/assign/", {})
        unknown = token_client(maintainer).post(f"/api/tasks/{task.pk}/assign/", {"github_handle": "ghost"})

        assert response.status_code == 400
        assert response.json() == error(
            "invalid", "This field is required.", {"github_handle": ["This field is required."]}
        )
        message = "Nobody with the GitHub handle @ghost has an account here."
        assert unknown.json() == error("invalid", message, {"github_handle": [message]})

    def test_linking_a_pull_request_puts_the_task_in_review(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")
        client = token_client(make_contributor("alice"))
        claim_id = client.post(f"/api/tasks/{task.pk}/claim/").json()["id"]

        bad = client.post(f"/api/claims/{claim_id}/pull-request/", {"url": "https://example.org/x"})
        good = client.post(
            f"/api/claims/{claim_id}/pull-request/", {"url": "https://github.com/python/cpython/pull/12345/files"}
        )

        assert bad.status_code == 400
        assert bad.json()["error"]["code"] == "invalid_pull_request_url"
        assert list(bad.json()["error"]["fields"]) == ["url"]
        assert good.status_code == 200
        assert good.json()["pr_url"] == "https://github.com/python/cpython/pull/12345"
        task.refresh_from_db()
        assert task.status == Task.Status.IN_REVIEW
        prs = APIClient().get(f"/api/pull-requests/?task={task.pk}").json()["results"]
        assert [(p["repo"], p["number"], p["state"], p["claimant"]) for p in prs] == [
            ("python/cpython", 12345, "open", "alice")
        ]

    def test_claims_filter_by_contributor_and_status(
        self, api: APIClient, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        token_client(make_contributor("alice")).post(f"/api/tasks/{make_task('A').pk}/claim/")
        token_client(make_contributor("bob")).post(f"/api/tasks/{make_task('B').pk}/claim/")

        response = api.get("/api/claims/?contributor=ALICE&status=active")

        assert [(c["contributor"], c["task"]["name"]) for c in response.json()["results"]] == [("alice", "A")]


class TestSessionAuthentication:
    def test_the_site_session_works_with_its_csrf_token(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        task = make_task("LOAD_FAST")
        make_contributor("alice", password="pw")
        client = APIClient(enforce_csrf_checks=True)
        client.login(username="alice", password="pw")

        refused = client.post(f"/api/tasks/{task.pk}/claim/")
        client.get("/api/tasks/")  # any page sets no token; take it from the middleware instead
        from django.middleware.csrf import _get_new_csrf_string

        secret = _get_new_csrf_string()
        client.cookies["csrftoken"] = secret
        accepted = client.post(f"/api/tasks/{task.pk}/claim/", HTTP_X_CSRFTOKEN=secret)

        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "permission_denied"
        assert "CSRF" in refused.json()["error"]["message"]
        assert accepted.status_code == 201


class TestThrottles:
    def test_writes_are_throttled_and_reads_are_not(
        self,
        monkeypatch: pytest.MonkeyPatch,
        make_task: MakeTask,
        make_contributor: MakeContributor,
        token_client: TokenClient,
    ) -> None:
        monkeypatch.setattr(WriteScopedRateThrottle, "THROTTLE_RATES", {"claims": "2/min"})
        task = make_task("LOAD_FAST")
        client = token_client(make_contributor("alice"))

        codes = [client.post(f"/api/tasks/{task.pk}/release/").status_code for _ in range(3)]
        reads = [client.get("/api/tasks/").status_code for _ in range(5)]

        assert codes == [409, 409, 429]
        assert reads == [200] * 5
        throttled = client.post(f"/api/tasks/{task.pk}/release/")
        assert throttled.json()["error"]["code"] == "throttled"
        assert throttled.json()["error"]["message"].startswith("Request was throttled.")
        assert int(throttled["Retry-After"]) > 0


class TestErrorShape:
    def test_an_unknown_api_path_is_a_json_404(self, api: APIClient) -> None:
        response = api.get("/api/no/such/thing/")

        assert response.status_code == 404
        assert response.json() == error("not_found", "No API endpoint at /api/no/such/thing/.")

    def test_an_unknown_campaign_is_a_404(self, api: APIClient) -> None:
        response = api.get("/api/campaigns/nope/")

        assert response.status_code == 404
        assert response.json() == error("not_found", "No Campaign matches the given query.")

    def test_a_wrong_method_is_a_405(self, api: APIClient) -> None:
        response = api.delete("/api/campaigns/")

        assert response.status_code == 405
        assert response.json() == error("method_not_allowed", 'Method "DELETE" not allowed.')

    def test_malformed_json_is_a_400(
        self, make_task: MakeTask, make_contributor: MakeContributor, token_client: TokenClient
    ) -> None:
        task = make_task("LOAD_FAST")

        response = token_client(make_contributor("alice")).post(
            f"/api/tasks/{task.pk}/release/", "{nope", content_type="application/json"
        )

        assert response.status_code == 400
        assert response.json()["error"]["code"] == "parse_error"
        assert response.json()["error"]["message"].startswith("JSON parse error")


class TestCampaigns:
    def test_list_with_counts(self, api: APIClient, make_task: MakeTask) -> None:
        make_task("A")
        make_task("B", status=Task.Status.DONE)
        make_task("C", status=Task.Status.RETIRED)

        response = api.get("/api/campaigns/")

        assert response.json()["results"] == [
            {
                "slug": "refcount",
                "title": "Refcount",
                "issue": "gh-1",
                "issue_url": "https://github.com/python/cpython/issues/1",
                "summary": "",
                "counts": {
                    "todo": 1,
                    "claimed": 0,
                    "in_review": 0,
                    "done": 1,
                    "not_applicable": 0,
                    "retired": 1,
                    "total": 2,
                },
            }
        ]

    def test_the_megaissue_is_the_one_renderer_s(self, api: APIClient, make_task: MakeTask) -> None:
        make_task("LOAD_FAST")
        expected = campaign_megaissue(campaign=Campaign.objects.get(slug="refcount"), site_url="http://testserver/")

        as_json = api.get("/api/campaigns/refcount/megaissue/")
        as_markdown = api.get("/api/campaigns/refcount/megaissue/", HTTP_ACCEPT="text/markdown")

        assert as_json.json() == {"campaign": "refcount", "markdown": expected}
        assert "<!-- task:refcount:LOAD_FAST -->" in expected
        # The open item links its guide on this site.
        assert "· [guide](http://testserver/tasks/refcount/LOAD_FAST/) <!--" in expected
        assert as_markdown["Content-Type"] == "text/markdown; charset=utf-8"
        assert as_markdown.content.decode() == expected


class TestContributors:
    def test_detail_by_handle_in_any_case(self, api: APIClient, make_contributor: MakeContributor) -> None:
        make_contributor("Alice-1")

        response = api.get("/api/contributors/alice-1/")

        assert response.status_code == 200
        assert {k: v for k, v in response.json().items() if k != "created_at"} == {
            "github_handle": "Alice-1",
            "is_maintainer": False,
            "active_claims": 0,
            "completed_claims": 0,
        }


class TestTokens:
    def test_a_password_buys_a_token_that_authenticates(
        self, api: APIClient, make_contributor: MakeContributor
    ) -> None:
        make_contributor("alice", password="pw")

        wrong = api.post("/api/auth/token/", {"username": "alice", "password": "no"})
        right = api.post("/api/auth/token/", {"username": "alice", "password": "pw"})

        assert wrong.status_code == 400
        assert wrong.json()["error"]["fields"] == {"non_field_errors": ["Unable to log in with provided credentials."]}
        token = right.json()["token"]
        assert User.objects.get(username="alice").auth_token.key == token


class TestSchemaAndDocs:
    def test_the_openapi_schema_lists_every_endpoint(self, api: APIClient) -> None:
        response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

        assert response.status_code == 200
        paths = response.json()["paths"]
        assert {
            "/api/tasks/{id}/claim/",
            "/api/tasks/{id}/release/",
            "/api/webhooks/github/",
            "/api/campaigns/{slug}/megaissue/",
            "/api/scans/",
            "/api/pull-requests/",
        } <= set(paths)
        assert [p["name"] for p in paths["/api/tasks/"]["get"]["parameters"]] == [
            "campaign",
            "claimed",
            "difficulty",
            "family",
            "ordering",
            "page",
            "page_size",
            "q",
            "status",
        ]

    @pytest.mark.parametrize("url", ["/api/docs/", "/api/redoc/"])
    def test_the_docs_are_served_without_a_cdn(self, api: APIClient, url: str) -> None:
        response = api.get(url)

        html = response.content.decode()
        assert response.status_code == 200
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html
