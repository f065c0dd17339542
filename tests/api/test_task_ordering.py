"""The API task list's ``ordering`` (impact, difficulty, name) and each task's ``impact``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from onboarding.campaigns.models import Task
from tests.api.conftest import api  # noqa: F401  (fixture)
from tests.onboarding.conftest import make_task  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(make_task: Callable[..., Task]) -> None:  # noqa: F811
    make_task("HOT_HARD", difficulty=Task.Difficulty.HARD, impact=0.25)
    make_task("WARM_EASY", difficulty=Task.Difficulty.EASY, impact=0.10)
    make_task("COLD_EASY", difficulty=Task.Difficulty.EASY, impact=0.0)
    make_task("NO_DATA_EASY", difficulty=Task.Difficulty.EASY, impact=None)
    make_task("MEDIUM_WARM", difficulty=Task.Difficulty.MEDIUM, impact=0.10)


def names(api: APIClient, ordering: str) -> list[str]:  # noqa: F811
    response = api.get(f"/api/tasks/?ordering={ordering}")
    assert response.status_code == 200, response.content
    return [t["name"] for t in response.json()["results"]]


@pytest.mark.usefixtures("tasks")
def test_ordering_by_impact_and_difficulty(api: APIClient) -> None:  # noqa: F811
    assert names(api, "impact") == ["HOT_HARD", "WARM_EASY", "MEDIUM_WARM", "COLD_EASY", "NO_DATA_EASY"]
    assert names(api, "-impact") == ["COLD_EASY", "WARM_EASY", "MEDIUM_WARM", "HOT_HARD", "NO_DATA_EASY"]
    assert names(api, "difficulty") == ["WARM_EASY", "COLD_EASY", "NO_DATA_EASY", "MEDIUM_WARM", "HOT_HARD"]
    assert names(api, "-difficulty") == ["HOT_HARD", "MEDIUM_WARM", "WARM_EASY", "COLD_EASY", "NO_DATA_EASY"]
    assert names(api, "name") == sorted(names(api, "name"))


@pytest.mark.usefixtures("tasks")
def test_each_task_has_its_impact(api: APIClient) -> None:  # noqa: F811
    listed = {t["name"]: t["impact"] for t in api.get("/api/tasks/").json()["results"]}
    assert listed == {"HOT_HARD": 0.25, "WARM_EASY": 0.1, "COLD_EASY": 0.0, "NO_DATA_EASY": None, "MEDIUM_WARM": 0.1}
    task = Task.objects.get(name="HOT_HARD")
    assert api.get(f"/api/tasks/{task.pk}/").json()["impact"] == 0.25


@pytest.mark.usefixtures("tasks")
def test_unknown_ordering_is_a_400_naming_the_parameter(api: APIClient) -> None:  # noqa: F811
    response = api.get("/api/tasks/?ordering=popularity")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "ordering" in error["fields"] and "popularity" in error["fields"]["ordering"][0]


def test_schema_documents_ordering(api: APIClient) -> None:  # noqa: F811
    schema = api.get("/api/schema/?format=json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/tasks/"]["get"]["parameters"]}
    assert set(params["ordering"]["schema"]["enum"]) >= {"impact", "-impact", "difficulty", "-difficulty"}
    task = schema["components"]["schemas"]["Task"]["properties"]["impact"]
    assert task.get("nullable") is True
