"""The HTML pages over the five demo snapshots: status codes, content, filters and claim forms."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim
from onboarding.claims.services import claim_create
from onboarding.contributors.models import Contributor
from onboarding.snapshots.models import Scan

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_history")]


def task_url(campaign: str, name: str) -> str:
    return reverse("web:task", args=[campaign, name])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def alice_client(client: Client) -> Client:
    client.force_login(User.objects.get(username="alice"))
    return client


def open_task(campaign: str = "refcount", difficulty: str = "easy") -> Task:
    return Task.objects.filter(campaign__slug=campaign, status=Task.Status.TODO, difficulty=difficulty).first()


class TestDashboard:
    def test_shows_each_campaign_with_progress_and_an_inline_chart(self, client: Client) -> None:
        response = client.get(reverse("web:dashboard"))

        assert response.status_code == 200
        html = response.content.decode()
        assert "Eliminate redundant refcounting in the JIT" in html
        assert 'href="https://github.com/python/cpython/issues/134584"' in html
        assert 'class="progress"' in html
        assert html.count("<svg") >= 2
        assert "main-2026-06" in html

    def test_the_page_loads_nothing_from_other_sites(self, client: Client) -> None:
        html = client.get(reverse("web:dashboard")).content.decode()

        assert not re.search(r'<script[^>]+src="(https?:)?//', html)
        assert not re.search(r'<link[^>]+href="(https?:)?//', html)


class TestCampaignPage:
    def test_shows_burndown_numbers_per_snapshot(self, client: Client) -> None:
        response = client.get(reverse("web:campaign", args=["optimizer"]))

        assert response.status_code == 200
        html = response.content.decode()
        assert "<svg" in html
        assert "not evaluated: no Python/optimizer_bytecodes.c" in html
        assert reverse("web:campaign-megaissue", args=["optimizer"]) in html

    def test_an_unknown_campaign_is_404(self, client: Client) -> None:
        assert client.get(reverse("web:campaign", args=["nope"])).status_code == 404

    def test_the_megaissue_downloads_as_markdown(self, client: Client) -> None:
        response = client.get(reverse("web:campaign-megaissue", args=["refcount"]))

        assert response.status_code == 200
        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="refcount-megaissue.md"'
        text = response.content.decode()
        assert text.startswith("# Eliminate redundant refcounting in the JIT (gh-134584)")
        assert "- [x] `BINARY_OP_ADD_INT`" in text
        # Open items link their guide on this site; done ones need none.
        assert "claim it on the [onboarding site](http://testserver/)" in text
        assert "· [guide](http://testserver/tasks/refcount/FORMAT_SIMPLE/) <!-- task:refcount:FORMAT_SIMPLE -->" in text
        assert "/tasks/refcount/BINARY_OP_ADD_INT/" not in text


class TestTaskList:
    def test_lists_open_and_done_tasks_by_default(self, client: Client) -> None:
        response = client.get(reverse("web:tasks"))

        assert response.status_code == 200
        shown = response.context["page_obj"].paginator.count
        assert shown == Task.objects.exclude(status__in=["not_applicable", "retired"]).count()

    def test_filters_by_campaign_status_and_difficulty(self, client: Client) -> None:
        response = client.get(reverse("web:tasks"), {"campaign": "refcount", "status": "todo", "difficulty": "easy"})

        tasks = list(response.context["page_obj"].object_list)
        assert tasks
        assert {(t.campaign.slug, t.status, t.difficulty) for t in tasks} == {("refcount", "todo", "easy")}

    def test_filters_by_family(self, client: Client) -> None:
        response = client.get(reverse("web:tasks"), {"family": "BINARY_OP", "status": "any"})

        tasks = list(response.context["page_obj"].object_list)
        assert tasks and {t.family for t in tasks} == {"BINARY_OP"}

    def test_filters_claimed_and_unclaimed(self, client: Client) -> None:
        task = open_task()
        claim_create(task=task, contributor=Contributor.objects.get(github_handle="demo-bob"))

        claimed = client.get(reverse("web:tasks"), {"claimed": "yes"}).context["page_obj"].object_list
        unclaimed = client.get(reverse("web:tasks"), {"claimed": "no", "status": "any"}).context["page_obj"]

        assert [(t.name, t.claimant) for t in claimed] == [(task.name, "demo-bob")]
        assert unclaimed.paginator.count == Task.objects.count() - 1

    def test_every_filter_has_a_readable_label(self, client: Client) -> None:
        html = client.get(reverse("web:tasks")).content.decode()

        assert "[invalid name]" not in html
        for label in ("Campaign", "Status", "Difficulty", "Family", "Claimed", "Name contains"):
            assert re.search(rf"<label[^>]*>{label}</label>", html), label

    def test_paginates_fifty_at_a_time(self, client: Client) -> None:
        page2 = client.get(reverse("web:tasks"), {"status": "any", "page": 2})

        assert page2.context["page_obj"].number == 2
        assert len(page2.context["page_obj"].object_list) == 50
        assert "status=any&amp;page=3" in page2.content.decode()

    def test_an_invalid_filter_is_a_400_that_says_so(self, client: Client) -> None:
        response = client.get(reverse("web:tasks"), {"status": "bogus"})

        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()


class TestTaskPage:
    def test_shows_the_highlighted_definition_evidence_and_reasons(self, client: Client) -> None:
        task = Task.objects.get(campaign__slug="refcount", name="BINARY_OP_ADD_INT")

        response = client.get(task_url("refcount", "BINARY_OP_ADD_INT"))

        assert response.status_code == 200
        html = response.content.decode()
        assert '<div class="highlight">' in html
        assert f'<span class="linenos">{task.line}</span>' in html
        assert '<span class="hll">' in html
        assert "_BINARY_OP_ADD_INT" in html
        assert "converted upstream in 3.15a-2026-02" in html
        assert "cannot be claimed" in html
        for reason in task.reasons:
            assert reason.split("`")[0] in html

    def test_an_anonymous_visitor_is_asked_to_sign_in_to_claim(self, client: Client) -> None:
        task = open_task()

        html = client.get(task_url("refcount", task.name)).content.decode()

        assert "Nobody has claimed this task." in html
        assert "to claim it" in html and reverse("account_login") in html

    def test_an_unknown_task_is_404(self, client: Client) -> None:
        assert client.get(task_url("refcount", "NO_SUCH_OP")).status_code == 404


class TestClaimForms:
    def test_claiming_from_the_task_page(self, alice_client: Client) -> None:
        task = open_task()

        response = alice_client.post(reverse("web:task-claim", args=["refcount", task.name]), follow=True)

        assert response.redirect_chain[-1][0] == task_url("refcount", task.name)
        assert messages_of(response) == [f"You claimed {task.name}. Link your pull request here when you open it."]
        assert "Claimed by <strong>@demo-alice</strong>" in response.content.decode()
        assert Claim.objects.get(task=task).contributor.github_handle == "demo-alice"

    def test_a_refusal_is_a_message_not_an_error_page(self, alice_client: Client) -> None:
        response = alice_client.post(reverse("web:task-claim", args=["refcount", "BINARY_OP_ADD_INT"]), follow=True)

        assert response.status_code == 200
        assert messages_of(response) == ["BINARY_OP_ADD_INT is already done upstream; pick another task."]
        assert not Claim.objects.exists()

    def test_the_first_timer_limit_is_a_message(self, alice_client: Client) -> None:
        first, second = Task.objects.filter(campaign__slug="refcount", status="todo")[:2]
        alice_client.post(reverse("web:task-claim", args=["refcount", first.name]))

        response = alice_client.post(reverse("web:task-claim", args=["refcount", second.name]), follow=True)

        assert "Until your first conversion is merged" in messages_of(response)[-1]

    def test_claiming_needs_a_signed_in_user(self, client: Client) -> None:
        task = open_task()

        response = client.post(reverse("web:task-claim", args=["refcount", task.name]))

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not Claim.objects.exists()

    def test_claiming_is_post_only(self, alice_client: Client) -> None:
        assert alice_client.get(reverse("web:task-claim", args=["refcount", open_task().name])).status_code == 405

    def test_linking_a_pull_request_and_releasing(self, alice_client: Client) -> None:
        task = open_task()
        alice_client.post(reverse("web:task-claim", args=["refcount", task.name]))
        claim = Claim.objects.get(task=task)

        bad = alice_client.post(reverse("web:claim-pull-request", args=[claim.pk]), {"url": "nope"}, follow=True)
        good = alice_client.post(
            reverse("web:claim-pull-request", args=[claim.pk]),
            {"url": "https://github.com/python/cpython/pull/140000"},
            follow=True,
        )
        released = alice_client.post(reverse("web:claim-release", args=[claim.pk]), {"reason": "busy"}, follow=True)

        assert "is not a GitHub pull request URL" in messages_of(bad)[-1]
        assert messages_of(good) == [f"Pull request linked to your claim on {task.name}."]
        assert messages_of(released) == [f"The claim on {task.name} is released; the task is open again."]
        task.refresh_from_db()
        assert task.status == Task.Status.TODO
        assert list(task.status_changes.filter(user__isnull=False).values_list("to_status", flat=True)) == [
            "claimed",
            "in_review",
            "todo",
        ]

    def test_another_person_cannot_release_and_is_told_why(self, alice_client: Client) -> None:
        claim = claim_create(task=open_task(), contributor=Contributor.objects.get(github_handle="demo-bob"))

        response = alice_client.post(reverse("web:claim-release", args=[claim.pk]), follow=True)

        assert messages_of(response) == ["Only @demo-bob or a maintainer can release this claim."]

    def test_a_maintainer_assigns_by_handle_or_username(self, client: Client) -> None:
        client.force_login(User.objects.get(username="maintainer"))
        task = open_task()

        page = client.get(task_url("refcount", task.name)).content.decode()
        response = client.post(
            reverse("web:task-assign", args=["refcount", task.name]), {"github_handle": "@demo-alice"}, follow=True
        )
        unknown = client.post(
            reverse("web:task-assign", args=["refcount", open_task().name]), {"github_handle": "ghost"}, follow=True
        )
        other = open_task()
        by_username = client.post(
            reverse("web:task-assign", args=["refcount", other.name]), {"github_handle": "bob"}, follow=True
        )

        assert "Assign (maintainer)" in page
        assert messages_of(response) == [f"{task.name} is assigned to @demo-alice."]
        assert messages_of(unknown) == ["Nobody with the username or GitHub handle @ghost has an account here yet."]
        assert messages_of(by_username) == [f"{other.name} is assigned to @demo-bob."]


class TestAccounts:
    def test_a_demo_user_signs_in_with_a_local_account(self, client: Client) -> None:
        page = client.get(reverse("account_login"))
        response = client.post(reverse("account_login"), {"login": "alice", "password": "demo-password"})

        assert page.status_code == 200
        assert "JIT onboarding" in page.content.decode()  # allauth's pages use the site layout
        assert response.status_code == 302
        assert response.wsgi_request.user.username == "alice"

    def test_signing_out_is_a_post(self, alice_client: Client) -> None:
        response = alice_client.post(reverse("account_logout"))

        assert response.status_code == 302
        assert not alice_client.get(reverse("web:dashboard")).wsgi_request.user.is_authenticated


class TestAdmin:
    def test_every_model_of_the_project_is_registered(self) -> None:
        models = [
            model
            for app in ("snapshots", "campaigns", "contributors", "claims")
            for model in apps.get_app_config(app).get_models()
        ]
        assert [m for m in models if m not in admin.site._registry] == []

    def test_a_maintainer_opens_every_changelist(self, client: Client) -> None:
        client.force_login(User.objects.get(username="maintainer"))
        for model in admin.site._registry:
            if model._meta.app_label in ("snapshots", "campaigns", "contributors", "claims"):
                url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
                assert client.get(url).status_code == 200, url

    def test_a_task_change_page_shows_its_history(self, client: Client) -> None:
        client.force_login(User.objects.get(username="maintainer"))
        task = Task.objects.get(campaign__slug="refcount", name="STORE_FAST")

        response = client.get(reverse("admin:campaigns_task_change", args=[task.pk]))

        assert response.status_code == 200
        assert "converted upstream in 3.15a-2026-02" in response.content.decode()


class TestScanList:
    def test_lists_scans_and_a_failure_with_its_reason(self, client: Client) -> None:
        Scan.objects.create(
            label="broken", path="/tmp/x", status=Scan.Status.FAILED, error="Python/bytecodes.c:7:31: expected ')'"
        )

        html = client.get(reverse("web:scans")).content.decode()

        assert "main-2026-06" in html
        assert "Python/bytecodes.c:7:31: expected &#x27;)&#x27;" in html
        # What each scan changed, in words.
        june = Scan.objects.get(label="main-2026-06")
        assert june.change_summary and f"{june.changes['to_done']} → done" in june.change_summary
        assert june.change_summary in html and "status_changes" not in html

    def test_change_summary_words(self) -> None:
        scan = Scan(changes={"tasks_applied": False, "status_changes": 3, "created": 2, "to_done": 1, "odd_kind": 4})
        assert scan.change_summary == "older snapshot: tasks unchanged · 2 new · 1 → done · odd kind: 4"
        scan = Scan(changes={"revived": 1, "claims_closed": 1, "pull_requests_confirmed": 2})
        assert scan.change_summary == "1 retired task back · 1 claim closed · 2 merged pull requests confirmed"


def test_long_names_wrap_between_words_and_stay_escaped() -> None:
    from onboarding.web.templatetags.web_extras import breakable

    assert breakable("_CALL_KW_NON_PY") == "_<wbr>CALL_<wbr>KW_<wbr>NON_<wbr>PY"
    assert breakable("<b>_X") == "&lt;b&gt;_<wbr>X"
