"""Contributor profiles (issue 7, item 2): tasks done, pull requests, campaigns, first contribution, badges."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.selectors import contributor_profile
from onboarding.leaderboard.services import recognition_record
from tests.leaderboard.conftest import MergedPR, Rescan

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
Convert = Callable[..., PullRequest]


def badge_slugs(contributor: Contributor) -> list[str]:
    return [badge.slug for badge in contributor_profile(contributor=contributor).badges]


def test_a_newcomer_has_no_points_rank_or_badges(make_contributor: MakeContributor) -> None:
    profile = contributor_profile(contributor=make_contributor("newbie"))

    assert (profile.points, profile.rank, profile.first_contribution) == (0, None, None)
    assert profile.conversions == profile.pull_requests == profile.recognitions == profile.badges == []


def test_the_profile_lists_tasks_done_pull_requests_campaigns_and_the_first_contribution(
    make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, merged_pr: MergedPR
) -> None:
    alice = make_contributor("alice")
    first_merge = timezone.now() - dt.timedelta(days=10)
    first = convert(alice, make_task("CALL_TYPE_1", difficulty=Task.Difficulty.MEDIUM), merged_at=first_merge)
    second = convert(alice, make_task("_POP_TOP_INT", campaign="optimizer"))
    still_open = merged_pr(alice, make_task("CALL_LEN"), state=PullRequest.State.OPEN)
    make_task("_STILL_TODO", campaign="optimizer")

    profile = contributor_profile(contributor=alice)

    assert [(c.task.name, c.pull_request, c.points) for c in profile.conversions] == [
        ("CALL_TYPE_1", first, 6),
        ("_POP_TOP_INT", second, 3),
    ]
    assert profile.first_contribution == first_merge
    assert profile.pull_requests == [still_open, second, first]
    assert sorted((w.campaign.slug, w.conversions, w.points) for w in profile.campaigns) == [
        ("optimizer", 1, 3),
        ("refcount", 1, 6),
    ]
    assert (profile.points, profile.rank) == (9, 1)
    assert badge_slugs(alice) == ["first-conversion"]


def test_five_and_twenty_conversions_earn_milestone_badges(
    make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
) -> None:
    alice = make_contributor("alice")
    tasks = [make_task(f"OP_{n:02}") for n in range(20)]
    make_task("STILL_TODO")  # the campaign is not finished
    merged_pr(alice, tasks[0], *tasks[1:4])
    rescan(*tasks[:4])
    assert badge_slugs(alice) == ["first-conversion"]

    merged_pr(alice, tasks[4])
    rescan(tasks[4])
    assert badge_slugs(alice) == ["first-conversion", "five-conversions"]

    merged_pr(alice, tasks[5], *tasks[6:])
    rescan(*tasks[5:])
    profile = contributor_profile(contributor=alice)
    assert [b.slug for b in profile.badges] == ["first-conversion", "five-conversions", "twenty-conversions"]
    assert profile.badges[2].description == "20 merged conversion(s), reached with OP_19"


def test_converting_in_a_campaign_with_nothing_left_to_do_earns_the_finished_badge(
    make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
) -> None:
    alice = make_contributor("alice")
    convert(alice, make_task("ONLY_OP", campaign="tiny"))
    make_task("NOTHING_TO_DO", campaign="tiny", status=Task.Status.NOT_APPLICABLE)
    convert(alice, make_task("CALL_TYPE_1", campaign="refcount"))
    make_task("STILL_TODO", campaign="refcount")

    profile = contributor_profile(contributor=alice)

    assert {w.campaign.slug: w.finished for w in profile.campaigns} == {"tiny": True, "refcount": False}
    assert [b.title for b in profile.badges] == ["First conversion", "Finished Tiny"]


def test_mentoring_a_first_contribution_earns_the_mentor_badge_but_a_second_does_not(
    make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor
) -> None:
    alice, carol, dave = make_contributor("alice"), make_contributor("carol"), make_contributor("dave")
    first = convert(alice, make_task("CALL_TYPE_1"), merged_at=timezone.now() - dt.timedelta(days=5))
    second = convert(alice, make_task("CALL_LEN"))
    make_task("STILL_TODO")
    recognition_record(contributor=dave, kind="mentoring", recorded_by=maintainer, pull_request=second)
    assert badge_slugs(dave) == []

    recognition_record(contributor=carol, kind="mentoring", recorded_by=maintainer, pull_request=first)

    profile = contributor_profile(contributor=carol)
    assert [b.slug for b in profile.badges] == ["first-timer-mentor"]
    assert profile.badges[0].description == f"mentored a first contribution ({first})"
    assert profile.points == 2


def test_mentoring_recorded_on_the_task_of_a_first_contribution_counts_too(
    make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor
) -> None:
    task = make_task("CALL_TYPE_1")
    convert(make_contributor("alice"), task)
    make_task("STILL_TODO")
    carol = make_contributor("carol")

    recognition_record(contributor=carol, kind="mentoring", recorded_by=maintainer, task=task)

    assert badge_slugs(carol) == ["first-timer-mentor"]


def test_the_rank_follows_points_then_who_finished_first(
    make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
) -> None:
    now = timezone.now()
    amy, bob, cat = make_contributor("amy"), make_contributor("bob"), make_contributor("cat")
    convert(amy, make_task("A"), merged_at=now - dt.timedelta(days=1))
    convert(bob, make_task("B"), merged_at=now - dt.timedelta(days=2))
    convert(cat, make_task("C", difficulty=Task.Difficulty.HARD), merged_at=now - dt.timedelta(days=3))

    ranks = {c.github_handle: contributor_profile(contributor=c).rank for c in (amy, bob, cat)}

    assert ranks == {"cat": 1, "bob": 2, "amy": 3}
