"""The site's frame and finding work: error pages, footer, favicon, sign-in link, feed ids, task sorting, My claims."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim, ClaimEvent
from onboarding.claims.services import claim_create
from onboarding.contributors.services import contributor_for_user
from onboarding.snapshots.models import Scan
from onboarding.web.errors import permission_denied, server_error
from tests.conftest import SHARED_DIR

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_history")]

DIFFICULTY_RANK = {d: i for i, d in enumerate(Task.Difficulty.values)}


def column(html: str, css_class: str) -> list[str]:
    return re.findall(rf'<span class="{css_class} {css_class}-\w+">([^<]+)</span>', html)


def task_names(html: str) -> list[str]:
    return [re.sub(r"<wbr>", "", n) for n in re.findall(r'<th scope="row"><a href="[^"]+">(.*?)</a>', html)]


class TestErrorPages:
    def test_a_missing_page_is_the_sites_own_404(self, client: Client) -> None:
        response = client.get("/no-such-page/")

        assert response.status_code == 404
        html = response.content.decode()
        assert "Page not found" in html and "/no-such-page/" in html
        assert 'class="site-header"' in html and 'class="site-footer"' in html

    def test_the_api_keeps_its_json_errors(self, client: Client) -> None:
        response = client.get("/api/no-such-endpoint/")

        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"

    def test_403_and_500_pages(self) -> None:
        request = RequestFactory().get("/tasks/")
        request.user = User(username="x")
        forbidden = permission_denied(request)
        assert forbidden.status_code == 403 and "Not allowed" in forbidden.content.decode()

        failed = server_error(RequestFactory().get("/tasks/"))
        assert failed.status_code == 500 and "went wrong on our side" in failed.content.decode()

        api = server_error(RequestFactory().get("/api/tasks/"))
        assert api.status_code == 500 and api["Content-Type"] == "application/json"


class TestFrame:
    def test_footer_links_the_api_docs_schema_and_feed(self, client: Client) -> None:
        html = client.get("/").content.decode()
        footer = html[html.index('<footer class="site-footer">') :]

        for target in ("/api/docs/", "/api/schema/", reverse("leaderboard:feed")):
            assert f'href="{target}"' in footer

    def test_the_footer_links_the_source_repository_when_configured(self, client: Client, settings) -> None:
        settings.SOURCE_REPOSITORY_URL = "https://example.org/jit-onboarding"
        assert 'href="https://example.org/jit-onboarding"' in client.get("/").content.decode()

    def test_favicon(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert re.search(r'<link rel="icon" href="[^"]+favicon\.svg"', html)
        response = client.get("/favicon.ico")
        assert response.status_code == 301 and response["Location"].endswith("favicon.svg")

    def test_the_login_page_does_not_link_sign_in_to_itself(self, client: Client) -> None:
        html = client.get("/accounts/login/?next=/tasks/").content.decode()

        assert "next=%2Faccounts%2Flogin" not in html
        assert 'href="/accounts/login/?next=' not in html

    def test_dark_mode_and_a_collapsible_menu_are_in_the_stylesheet(self, client: Client) -> None:
        html = client.get("/").content.decode()
        assert 'class="nav-toggle"' in html and 'aria-controls="site-nav"' in html
        css = (settings.BASE_DIR / "onboarding" / "web" / "static" / "web" / "site.css").read_text()
        assert "@media (prefers-color-scheme: dark)" in css


class TestAtomFeed:
    def test_entry_ids_are_tag_uris(self, client: Client) -> None:
        call_command("import_pulls", str(SHARED_DIR / "github" / "cpython-jit-pulls.json"), verbosity=0)
        response = client.get(reverse("leaderboard:feed"))

        ids = [e.text for e in ET.fromstring(response.content).iter("{http://www.w3.org/2005/Atom}id")]
        entry_ids = ids[1:]
        assert entry_ids, "the demo's real pull requests have celebrations"
        assert all(re.fullmatch(r"tag:testserver,\d{4}-\d{2}-\d{2}:/\S+", i) for i in entry_ids), entry_ids
        assert len(set(entry_ids)) == len(entry_ids)


class TestTaskSorting:
    def test_find_a_task_lands_on_open_unclaimed_tasks_easiest_first(self, client: Client) -> None:
        response = client.get(reverse("web:find-task"), follow=True)

        html = response.content.decode()
        statuses = column(html, "status")
        difficulties = column(html, "difficulty")
        assert statuses and set(statuses) == {"to do"}
        ranks = [DIFFICULTY_RANK[d] for d in difficulties]
        assert ranks == sorted(ranks)

    @pytest.mark.parametrize("key", ["name", "difficulty", "status", "claimed"])
    def test_every_column_sorts_both_ways(self, client: Client, key: str) -> None:
        claim_create(
            task=Task.objects.filter(status=Task.Status.TODO).order_by("-name").first(),
            contributor=contributor_for_user(user=User.objects.get(username="alice")),
        )
        up = client.get("/tasks/", {"sort": key, "status": "any"})
        down = client.get("/tasks/", {"sort": f"-{key}", "status": "any"})
        assert up.status_code == down.status_code == 200
        up_html, down_html = up.content.decode(), down.content.decode()
        assert 'aria-sort="ascending"' in up_html and 'aria-sort="descending"' in down_html
        if key == "name":
            names = task_names(up_html)
            assert names == sorted(names)
            assert task_names(down_html) == sorted(task_names(down_html), reverse=True)
        if key == "difficulty":
            ranks = [DIFFICULTY_RANK[d] for d in column(down_html, "difficulty")]
            assert ranks == sorted(ranks, reverse=True)
        if key == "claimed":
            assert "@demo-alice" in up_html.split("</tr>", 2)[1]

    def test_an_unknown_sort_is_a_400_with_the_reason(self, client: Client) -> None:
        response = client.get("/tasks/", {"sort": "size"})

        assert response.status_code == 400
        assert "Unknown sort" in response.content.decode()


class TestMyClaims:
    def test_claimed_by_me_and_my_claims_show_age_reminder_and_expiry(self, client: Client) -> None:
        alice = User.objects.get(username="alice")
        task = Task.objects.filter(status=Task.Status.TODO).order_by("name").first()
        claim = claim_create(task=task, contributor=contributor_for_user(user=alice))
        claimed_at = timezone.now() - dt.timedelta(days=3)
        Claim.objects.filter(pk=claim.pk).update(claimed_at=claimed_at)
        ClaimEvent.objects.filter(claim=claim).update(at=claimed_at)
        client.force_login(alice)

        mine = client.get("/tasks/", {"mine": "1"}).content.decode()
        assert task_names(mine) == [task.name]

        html = client.get(reverse("web:my-claims")).content.decode()
        assert task.name in re.sub("<wbr>", "", html)
        assert "3\xa0days ago" in html
        remind = claimed_at + dt.timedelta(days=settings.CLAIMS_REMIND_AFTER_DAYS)
        expire = claimed_at + dt.timedelta(days=settings.CLAIMS_EXPIRE_AFTER_DAYS)
        assert remind.strftime("%Y-%m-%d") in html and expire.strftime("%Y-%m-%d") in html
        assert 'href="/claims/mine/"' in html
        task_page = client.get(reverse("web:task", args=[task.campaign.slug, task.name])).content.decode()
        box = re.search(r'<p class="hint" id="claim-schedule">(.*?)</p>', task_page, re.S).group(1)
        assert remind.strftime("%Y-%m-%d") in box and expire.strftime("%Y-%m-%d") in box

    def test_my_claims_needs_a_sign_in(self, client: Client) -> None:
        response = client.get(reverse("web:my-claims"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestScanFromTheSite:
    def test_a_maintainer_starts_a_scan_and_gets_its_live_progress(
        self, client: Client, cpython_dir, django_capture_on_commit_callbacks
    ) -> None:
        client.force_login(User.objects.get(username="maintainer"))
        page = client.get(reverse("web:scans")).content.decode()
        assert 'hx-post="/scans/start/"' in page and "htmx" in page

        # The job starts once the request's transaction commits (in-process here, no broker).
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("web:scan-start"),
                {"path": str(cpython_dir / "main-2026-06"), "label": "from-the-site"},
                headers={"HX-Request": "true"},
            )

        assert response.status_code == 200
        scan = Scan.objects.get(label="from-the-site")
        html = response.content.decode()
        assert f"Scan #{scan.pk}" in html and "Queued" in html
        assert f'hx-get="/scans/{scan.pk}/progress/"' in html and 'hx-trigger="every 2s"' in html
        scan.refresh_from_db()
        assert scan.status == Scan.Status.SUCCEEDED
        final = client.get(reverse("web:scan-progress", args=[scan.pk])).content.decode()
        assert "hx-trigger" not in final and "succeeded" in final

    def test_progress_polls_while_a_scan_runs_and_stops_when_it_ends(self, client: Client) -> None:
        scan = Scan.objects.create(label="running-one", path="/x", status=Scan.Status.RUNNING, progress=["analyzing"])
        running = client.get(reverse("web:scan-progress", args=[scan.pk])).content.decode()
        assert f'hx-get="/scans/{scan.pk}/progress/"' in running and "analyzing" in running

        Scan.objects.filter(pk=scan.pk).update(status=Scan.Status.FAILED, error="bytecodes.c:1: broken")
        ended = client.get(reverse("web:scan-progress", args=[scan.pk])).content.decode()
        assert "hx-get" not in ended and "bytecodes.c:1: broken" in ended

    def test_only_maintainers_start_scans_and_bad_paths_say_why(self, client: Client) -> None:
        client.force_login(User.objects.get(username="alice"))
        assert client.post(reverse("web:scan-start"), {"path": "/tmp"}).status_code == 403

        client.force_login(User.objects.get(username="maintainer"))
        response = client.post(reverse("web:scan-start"), {"path": "/nowhere"}, headers={"HX-Request": "true"})
        assert response.status_code == 400 and "No CPython sources here" in response.content.decode()
        assert not Scan.objects.filter(path="/nowhere").exists()


class TestLabels:
    def test_a_macro_task_names_the_kind_its_code_shows(self, client: Client) -> None:
        task = Task.objects.filter(kind="macro", definition__regex=r"^\s*(\w+\s+)*op\s*\(").order_by("name").first()
        assert task is not None, "the snapshots have macros whose uop is an op"

        html = client.get(reverse("web:task", args=[task.campaign.slug, task.name])).content.decode()

        assert f"<code>op</code> <code>{task.uop}</code> (the op of macro <code>{task.name}</code>)" in html
        assert f"<code>macro</code> <code>{task.uop}</code>" not in html

    def test_breadcrumbs_end_on_the_current_page(self, client: Client) -> None:
        task = Task.objects.filter(status=Task.Status.TODO).order_by("name").first()
        html = client.get(reverse("web:task", args=[task.campaign.slug, task.name])).content.decode()

        crumbs = re.search(r'<p class="breadcrumbs">(.*?)</p>', html).group(1)
        assert crumbs.endswith(f'<span aria-current="page">{task.name}</span>')


def test_the_api_docs_load_nothing_from_other_sites(client: Client) -> None:
    for url in ("/api/docs/", "/api/redoc/"):
        html = client.get(url).content.decode()
        assert not re.search(r'(href|src)="(https?:)?//', html), url


class TestRecentChanges:
    def test_scan_changes_carry_the_snapshot_date_and_retirements_fold_per_scan(self, client: Client) -> None:
        from onboarding.campaigns.models import TaskStatusChange
        from onboarding.snapshots.models import Snapshot

        snapshot = Snapshot.objects.filter(date__isnull=False).order_by("-date").first()
        tasks = list(Task.objects.filter(campaign__slug="refcount", status=Task.Status.TODO).order_by("name")[:3])
        ran_at = timezone.now()  # the scan runs long after the snapshot's date
        for task in tasks:
            TaskStatusChange.objects.create(
                task=task, from_status="todo", to_status="retired", snapshot=snapshot, reason="gone", at=ran_at
            )

        html = client.get(reverse("web:campaign", args=["refcount"])).content.decode()
        section = html[html.index('id="recent"') :]
        items = re.findall(r"<li>(.*?)</li>", section, re.S)
        folded = [i for i in items if f"the scan of {snapshot.label} marked" in i and "retired:" in i]
        assert len(folded) == 1
        assert f'datetime="{snapshot.date.isoformat()}"' in folded[0]
        assert all(t.name in folded[0] for t in tasks)
        assert not any("→ retired" in i for i in items)
