"""The three 2026 campaigns (exit-if, decompose, tier2-coverage) on the site, the API and the commands,
after the five demo snapshots are scanned: nothing there is specific to a campaign."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from analyzer.campaigns import REGISTRY
from onboarding.campaigns.models import CampaignProgress, Task

NEW = ("exit-if", "decompose", "tier2-coverage")

pytestmark = pytest.mark.usefixtures("demo_history")


def test_dashboard_shows_five_campaign_cards_with_a_burndown(db: None) -> None:
    page = Client().get(reverse("web:dashboard")).content.decode()
    for slug in REGISTRY:
        assert f'href="{reverse("web:campaign", args=[slug])}"' in page
        assert REGISTRY[slug].title in page
    assert page.count("<svg") >= len(REGISTRY)
    for slug in NEW:
        labels = CampaignProgress.objects.filter(campaign__slug=slug).values_list("snapshot__label", flat=True)
        assert set(labels) == {"3.14a-2024-06", "3.15a-2025-07", "3.15a-2025-08", "3.15a-2026-02", "main-2026-06"}


@pytest.mark.parametrize("slug", NEW)
def test_campaign_page_task_page_and_megaissue_download(db: None, slug: str) -> None:
    client = Client()
    assert client.get(reverse("web:campaign", args=[slug])).status_code == 200
    task = Task.objects.filter(campaign__slug=slug).exclude(status=Task.Status.RETIRED).order_by("name").first()
    assert task is not None
    page = client.get(reverse("web:task", args=[slug, task.name]))
    assert page.status_code == 200 and task.name in page.content.decode()
    md = client.get(reverse("web:campaign-megaissue", args=[slug])).content.decode()
    assert md.startswith(f"# {REGISTRY[slug].title}") and f"<!-- task:{slug}:" in md


def test_an_exit_site_task_has_its_guide_and_a_colon_in_its_url(db: None) -> None:
    task = Task.objects.get(campaign__slug="exit-if", name="_GUARD_NOS_DICT_SUBSCRIPT:1")
    assert task.status == Task.Status.TODO and "EXIT_IF" in task.guide
    url = reverse("web:task", args=["exit-if", task.name])
    assert Client().get(url).status_code == 200
    flipped = Task.objects.get(campaign__slug="exit-if", name="_GUARD_CALLABLE_STR_1:1")
    assert flipped.status == Task.Status.DONE
    assert flipped.status_changes.filter(to_status=Task.Status.DONE, snapshot__label="main-2026-06").exists()


@pytest.mark.parametrize("slug", NEW)
def test_api_accepts_the_new_slugs(db: None, slug: str) -> None:
    api = APIClient()
    one = api.get(f"/api/campaigns/{slug}/")
    assert one.status_code == 200 and one.json()["slug"] == slug
    mega = api.get(f"/api/campaigns/{slug}/megaissue/")
    assert mega.status_code == 200 and mega.json()["campaign"] == slug
    tasks = api.get("/api/tasks/", {"campaign": slug, "status": "any"})
    assert tasks.status_code == 200 and tasks.json()["count"] == Task.objects.filter(campaign__slug=slug).count()


def test_api_unknown_slug_is_a_json_404(db: None) -> None:
    response = APIClient().get("/api/campaigns/exit_if/")
    assert response.status_code == 404 and "error" in response.json()


@pytest.mark.parametrize("slug", NEW)
def test_megaissue_command_accepts_the_new_slugs(db: None, slug: str) -> None:
    out = StringIO()
    call_command("megaissue", slug, stdout=out)
    assert out.getvalue().startswith(f"# {REGISTRY[slug].title}")
