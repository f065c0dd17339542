"""The leaderboard API: ``GET /api/leaderboard/`` and ``GET /api/contributors/{handle}/profile/``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from rest_framework.test import APIClient

from onboarding.campaigns.models import Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.services import recognition_record

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
Convert = Callable[..., PullRequest]

JAN = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)
REVIEWED = dt.datetime(2026, 1, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def work(make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor) -> dict:
    alice, carol = make_contributor("alice"), make_contributor("carol")
    User.objects.filter(username="alice").update(first_name="Alice", last_name="Newcomer")
    task = make_task("CALL_TYPE_1", difficulty=Task.Difficulty.MEDIUM)
    make_task("STILL_TODO")
    pr = convert(alice, task, merged_at=JAN)
    recognition_record(
        contributor=carol, kind="review", recorded_by=maintainer, pull_request=pr, at=REVIEWED, note="careful"
    )
    return {"pr": pr}


class TestLeaderboardList:
    def test_it_lists_ranked_rows_with_profile_links(self, api: APIClient, work: dict) -> None:
        response = api.get("/api/leaderboard/")

        assert response.status_code == 200
        assert response.json() == {
            "count": 2,
            "next": None,
            "previous": None,
            "results": [
                {
                    "rank": 1,
                    "github_handle": "alice",
                    "name": "Alice Newcomer",
                    "points": 6,
                    "conversions": 1,
                    "reviews": 0,
                    "mentoring": 0,
                    "finished_at": "2026-01-10T12:00:00Z",
                    "profile": "http://testserver/api/contributors/alice/profile/",
                },
                {
                    "rank": 2,
                    "github_handle": "carol",
                    "name": "",
                    "points": 1,
                    "conversions": 0,
                    "reviews": 1,
                    "mentoring": 0,
                    "finished_at": "2026-01-20T09:00:00Z",
                    "profile": "http://testserver/api/contributors/carol/profile/",
                },
            ],
        }

    def test_ranks_continue_across_pages(self, api: APIClient, work: dict) -> None:
        response = api.get("/api/leaderboard/", {"page": 2, "page_size": 1})

        body = response.json()
        assert [(r["rank"], r["github_handle"]) for r in body["results"]] == [(2, "carol")]
        assert body["previous"] == "http://testserver/api/leaderboard/?page_size=1"

    def test_it_filters_by_campaign_and_window(self, api: APIClient, work: dict) -> None:
        in_campaign = api.get("/api/leaderboard/", {"campaign": "refcount"}).json()
        recent = api.get("/api/leaderboard/", {"window": "30d"}).json()

        assert [r["github_handle"] for r in in_campaign["results"]] == ["alice", "carol"]
        assert recent == {"count": 0, "next": None, "previous": None, "results": []}

    def test_bad_parameters_are_400_keyed_by_parameter(self, api: APIClient, work: dict) -> None:
        response = api.get("/api/leaderboard/", {"campaign": "nope", "window": "forever"})

        assert response.status_code == 400
        assert response.json() == {
            "error": {
                "code": "invalid",
                "message": "Some of the input is not valid; see fields.",
                "fields": {
                    "campaign": ["No campaign 'nope'; use one of: refcount."],
                    "window": ['"forever" is not a valid choice.'],
                },
            }
        }

    def test_the_route_is_on_the_api_router(self) -> None:
        assert reverse("api:leaderboard-list") == "/api/leaderboard/"
        assert reverse("api:contributor-profile-detail", args=["alice"]) == "/api/contributors/alice/profile/"


class TestProfile:
    def test_it_returns_the_whole_profile(self, api: APIClient, work: dict) -> None:
        response = api.get("/api/contributors/alice/profile/")

        assert response.status_code == 200
        pr = work["pr"]
        assert response.json() == {
            "github_handle": "alice",
            "name": "Alice Newcomer",
            "points": 6,
            "rank": 1,
            "first_contribution": "2026-01-10T12:00:00Z",
            "badges": [
                {
                    "slug": "first-conversion",
                    "title": "First conversion",
                    "description": "1 merged conversion(s), reached with CALL_TYPE_1",
                    "earned_at": "2026-01-10T12:00:00Z",
                }
            ],
            "campaigns": [
                {"campaign": "refcount", "title": "Refcount", "conversions": 1, "points": 6, "finished": False}
            ],
            "conversions": [
                {
                    "task": "CALL_TYPE_1",
                    "campaign": "refcount",
                    "difficulty": "medium",
                    "pull_request": pr.url,
                    "merged_at": "2026-01-10T12:00:00Z",
                    "points": 6,
                }
            ],
            "pull_requests": [
                {
                    "url": pr.url,
                    "title": "gh-134584: Convert CALL_TYPE_1",
                    "state": "merged",
                    "merged_at": "2026-01-10T12:00:00Z",
                    "tasks": ["CALL_TYPE_1"],
                }
            ],
            "recognitions": [],
        }

    def test_a_reviewer_profile_lists_the_recognitions(self, api: APIClient, work: dict) -> None:
        body = api.get("/api/contributors/Carol/profile/").json()

        assert (body["points"], body["rank"], body["first_contribution"], body["badges"]) == (1, 2, None, [])
        assert body["recognitions"] == [
            {
                "kind": "review",
                "task": None,
                "pull_request": work["pr"].url,
                "recorded_by": "mae",
                "at": "2026-01-20T09:00:00Z",
                "note": "careful",
            }
        ]

    def test_an_unknown_handle_is_404_in_the_error_shape(self, api: APIClient) -> None:
        response = api.get("/api/contributors/nobody/profile/")

        assert response.status_code == 404
        assert response.json() == {"error": {"code": "not_found", "message": "No contributor @nobody.", "fields": {}}}
