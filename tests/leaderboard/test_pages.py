"""The leaderboard's pages: ranking, filters, profile, recognition form, downloads, dashboard feed and Atom."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.services import recognition_record

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
Convert = Callable[..., PullRequest]
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def work(make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor) -> dict:
    """Alice's first conversion (CALL_TYPE_1, mentored by carol) and bob's two later ones."""
    alice, bob, carol = make_contributor("alice"), make_contributor("bob"), make_contributor("carol")
    now = timezone.now()
    type_1 = make_task("CALL_TYPE_1", difficulty=Task.Difficulty.MEDIUM)
    first = convert(alice, type_1, merged_at=now - dt.timedelta(days=9))
    convert(bob, make_task("CALL_LEN"), merged_at=now - dt.timedelta(days=8))
    convert(bob, make_task("_POP_TOP_INT", campaign="optimizer"), merged_at=now - dt.timedelta(days=7))
    make_task("STILL_TODO")
    recognition_record(
        contributor=carol, kind="mentoring", recorded_by=maintainer, pull_request=first, at=now - dt.timedelta(days=6)
    )
    return {"alice": alice, "bob": bob, "carol": carol, "first": first}


def rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, handle, points) of the leaderboard table."""
    row = r'<tr>\s*<td>(\d+)</td>\s*<th scope="row"><a href="[^"]+">@([\w-]+)</a>.*?<td><strong>(\d+)</strong>'
    return re.findall(row, html, re.S)


class TestLeaderboardPage:
    def test_it_ranks_contributors_by_points(self, client: Client, work: dict) -> None:
        response = client.get("/leaderboard/")

        assert response.status_code == 200
        # alice and bob tie on 6; alice finished first (her last merge is older)
        assert rows(response.content.decode()) == [("1", "alice", "6"), ("2", "bob", "6"), ("3", "carol", "2")]

    def test_it_filters_by_campaign_and_window(self, client: Client, work: dict) -> None:
        by_campaign = client.get("/leaderboard/", {"campaign": "optimizer"})
        old = timezone.now() - dt.timedelta(days=40)
        PullRequest.objects.filter(claim__contributor=work["bob"]).update(merged_at=old)
        recent = client.get("/leaderboard/", {"window": "30d"})

        assert rows(by_campaign.content.decode()) == [("1", "bob", "3")]
        assert "Optimizer, all time" in by_campaign.content.decode()
        assert rows(recent.content.decode()) == [("1", "alice", "6"), ("2", "carol", "2")]

    def test_bad_filters_answer_400_with_the_reason(self, client: Client, work: dict) -> None:
        response = client.get("/leaderboard/", {"campaign": "nope", "window": "forever"})

        assert response.status_code == 400
        html = response.content.decode()
        assert "Select a valid choice. nope is not one of the available choices." in html
        assert "Select a valid choice. forever is not one of the available choices." in html
        assert rows(html) == []

    def test_it_pages_fifty_contributors_at_a_time(
        self, client: Client, make_task: MakeTask, make_contributor: MakeContributor, maintainer: Contributor
    ) -> None:
        task, now = make_task("CALL_TYPE_1"), timezone.now()
        Recognition.objects.bulk_create(
            Recognition(
                contributor=make_contributor(f"r{n:02}"),
                kind="review",
                task=task,
                recorded_by=maintainer,
                at=now - dt.timedelta(minutes=n),
            )
            for n in range(51)
        )

        first, second = client.get("/leaderboard/"), client.get("/leaderboard/", {"page": 2})

        assert len(rows(first.content.decode())) == 50
        assert rows(second.content.decode()) == [("51", "r00", "1")]
        assert "Page 2 of 2" in second.content.decode()

    def test_it_offers_each_campaigns_credits_and_the_atom_feed(self, client: Client, work: dict) -> None:
        html = client.get("/leaderboard/").content.decode()

        assert 'href="/leaderboard/campaigns/refcount/credits.md"' in html
        assert 'href="/leaderboard/campaigns/optimizer/conversions.yaml"' in html
        assert (
            '<link rel="alternate" type="application/atom+xml" title="Celebrations" href="/leaderboard/feed.atom">'
            in html
        )

    def test_the_main_navigation_links_to_it(self, client: Client) -> None:
        assert '<a href="/leaderboard/">Leaderboard</a>' in client.get("/").content.decode()


class TestDownloads:
    def test_the_credits_download_is_markdown(self, client: Client, work: dict) -> None:
        response = client.get("/leaderboard/campaigns/refcount/credits.md")

        assert response["Content-Type"] == "text/markdown; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="refcount-credits.md"'
        assert "(Contributed by @alice and @bob in :gh:`1`.)" in response.content.decode()

    def test_the_events_download_is_yaml(self, client: Client, work: dict) -> None:
        response = client.get("/leaderboard/campaigns/optimizer/conversions.yaml")

        assert response["Content-Type"] == "application/yaml; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="optimizer-conversions.yaml"'
        assert "title: _POP_TOP_INT converted by @bob (gh-1)" in response.content.decode()

    def test_an_unknown_campaign_is_404(self, client: Client) -> None:
        assert client.get("/leaderboard/campaigns/nope/credits.md").status_code == 404


class TestProfilePage:
    def test_it_shows_tasks_done_badges_and_pull_requests(self, client: Client, work: dict) -> None:
        html = client.get("/leaderboard/contributors/alice/").content.decode()

        assert '<a href="/tasks/refcount/CALL_TYPE_1/"><code>CALL_TYPE_1</code></a>' in html
        assert "<strong>First conversion</strong>" in html
        assert f'<a href="{work["first"].url}">{work["first"]}</a>' in html
        assert "<dt>First contribution</dt><dd>" + work["first"].merged_at.strftime("%Y-%m-%d") in html

    def test_the_mentor_badge_and_recognitions_show_on_the_mentors_page(self, client: Client, work: dict) -> None:
        html = client.get("/leaderboard/contributors/CAROL/").content.decode()

        assert "<strong>Helped a first-timer</strong>" in html
        assert "Mentoring of" in html and "recorded by @mae" in html

    def test_an_unknown_handle_is_404(self, client: Client) -> None:
        assert client.get("/leaderboard/contributors/nobody/").status_code == 404


class TestRecordingRecognitions:
    def test_a_maintainer_sees_the_form_and_records_a_review(
        self, client: Client, work: dict, maintainer: Contributor
    ) -> None:
        client.force_login(maintainer.user)
        assert "Record a review or mentoring" in client.get("/leaderboard/contributors/bob/").content.decode()

        response = client.post(
            "/leaderboard/contributors/bob/recognitions/",
            {"kind": "review", "pull_request_url": work["first"].url, "note": "caught a leak"},
            follow=True,
        )

        recognition = Recognition.objects.get(contributor=work["bob"])
        assert (recognition.kind, recognition.pull_request) == ("review", work["first"])
        assert recognition.note == "caught a leak"
        assert f"Recorded: @bob review of {work['first']}." in response.content.decode()

    def test_a_task_can_be_named_as_campaign_slash_name(
        self, client: Client, work: dict, maintainer: Contributor
    ) -> None:
        client.force_login(maintainer.user)

        client.post("/leaderboard/contributors/bob/recognitions/", {"kind": "mentoring", "task": "refcount/CALL_LEN"})

        assert Recognition.objects.get(contributor=work["bob"]).task.name == "CALL_LEN"

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"kind": "review"}, "Name the pull request or the task that was reviewed or mentored."),
            ({"kind": "review", "task": "CALL_LEN"}, "Write the task as campaign/NAME, e.g. refcount/CALL_TYPE_1."),
            ({"kind": "review", "task": "refcount/NOPE"}, "No task NOPE in campaign refcount."),
            (
                {"kind": "review", "pull_request_url": "https://github.com/python/cpython/pull/424242"},
                "That pull request is not linked to any claim here; link it to its claim first.",
            ),
        ],
    )
    def test_bad_input_is_refused_with_a_message(
        self, data: dict, message: str, client: Client, work: dict, maintainer: Contributor
    ) -> None:
        client.force_login(maintainer.user)

        response = client.post("/leaderboard/contributors/bob/recognitions/", data, follow=True)

        assert message in response.content.decode()
        assert not Recognition.objects.filter(contributor=work["bob"]).exists()

    def test_a_contributor_who_is_not_a_maintainer_is_refused(self, client: Client, work: dict) -> None:
        client.force_login(work["alice"].user)
        assert "Record a review or mentoring" not in client.get("/leaderboard/contributors/bob/").content.decode()

        response = client.post(
            "/leaderboard/contributors/bob/recognitions/", {"kind": "review", "task": "refcount/CALL_LEN"}, follow=True
        )

        assert "Only maintainers can record reviews and mentoring." in response.content.decode()
        assert not Recognition.objects.filter(contributor=work["bob"]).exists()

    def test_signing_in_is_required(self, client: Client, work: dict) -> None:
        response = client.post("/leaderboard/contributors/bob/recognitions/", {"kind": "review"})

        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


class TestCelebrations:
    def test_the_dashboard_celebrates_a_first_contribution(self, client: Client, work: dict) -> None:
        html = client.get("/").content.decode()

        assert "@alice converted <code>CALL_TYPE_1</code> — first contribution!" in html
        assert "@bob converted <code>CALL_LEN</code> — first contribution!" in html
        assert "@bob converted <code>_POP_TOP_INT</code></a>" in html
        assert "@carol mentored @alice on" in html

    def test_the_atom_feed_lists_the_same_celebrations_newest_first(self, client: Client, work: dict) -> None:
        response = client.get("/leaderboard/feed.atom")

        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
        assert titles == [
            f"@carol mentored @alice on {work['first']}",
            "@bob converted `_POP_TOP_INT`",
            "@bob converted `CALL_LEN` — first contribution!",
            "@alice converted `CALL_TYPE_1` — first contribution!",
        ]
        entry = next(feed.iter(f"{ATOM}entry"))
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == "@carol"

    def test_with_nothing_merged_the_feed_says_how_points_come(self, client: Client) -> None:
        html = client.get("/").content.decode()

        assert "Nothing to celebrate yet: points come when a merged conversion is confirmed by a re-scan." in html
