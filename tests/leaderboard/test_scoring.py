"""The scoring rule (issue 7, item 1): only merged, re-scan-confirmed work scores, weighted by difficulty."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.utils import timezone

from onboarding.campaigns.models import Task, TaskStatusChange
from onboarding.campaigns.services import task_status_set
from onboarding.claims.models import Claim, PullRequest
from onboarding.claims.services import claim_create
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.selectors import conversion_list, leaderboard_list, window_since
from onboarding.leaderboard.services import recognition_record
from tests.leaderboard.conftest import MergedPR, Rescan

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
Convert = Callable[..., PullRequest]


def scores() -> list[tuple[str, int, int]]:
    """(handle, points, conversions) of the all-time leaderboard, best first."""
    return [(c.github_handle, c.points, c.conversions) for c in leaderboard_list()]


class TestConversions:
    def test_a_merged_conversion_confirmed_by_a_rescan_scores_its_difficulty_weight(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
    ) -> None:
        convert(make_contributor("alice"), make_task("CALL_TYPE_1", difficulty=Task.Difficulty.MEDIUM))

        assert scores() == [("alice", 6, 1)]

    def test_claims_alone_earn_nothing_even_when_a_rescan_completes_them(
        self, make_task: MakeTask, make_contributor: MakeContributor, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1")
        claim = claim_create(task=task, contributor=make_contributor("alice"))
        rescan(task)

        claim.refresh_from_db()
        assert claim.status == Claim.Status.COMPLETED
        assert scores() == []

    @pytest.mark.parametrize("state", [PullRequest.State.OPEN, PullRequest.State.CLOSED])
    def test_pull_requests_that_are_not_merged_earn_nothing(
        self, state: str, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1")
        merged_pr(make_contributor("alice"), task, state=state)
        rescan(task)

        assert scores() == []

    def test_a_merged_pull_request_scores_only_once_a_rescan_confirms_it(
        self, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1", difficulty=Task.Difficulty.HARD)
        merged_pr(make_contributor("alice"), task)
        assert scores() == []

        rescan(task)

        assert scores() == [("alice", 9, 1)]

    def test_a_task_a_person_marked_done_is_not_confirmed(
        self, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, maintainer: Contributor
    ) -> None:
        task = make_task("CALL_TYPE_1")
        merged_pr(make_contributor("alice"), task)
        task.refresh_from_db()

        task_status_set(task=task, to_status=Task.Status.DONE, reason="looks done to me", user=maintainer.user)

        assert scores() == []

    def test_a_scan_that_marked_it_done_before_the_claim_does_not_confirm_later_work(
        self,
        make_task: MakeTask,
        make_contributor: MakeContributor,
        merged_pr: MergedPR,
        rescan: Rescan,
        maintainer: Contributor,
    ) -> None:
        task = make_task("CALL_TYPE_1")
        rescan(task, at=timezone.now() - dt.timedelta(days=60))
        rescan(task, at=timezone.now() - dt.timedelta(days=50), to=Task.Status.TODO)
        merged_pr(make_contributor("alice"), task)
        task.refresh_from_db()

        task_status_set(task=task, to_status=Task.Status.DONE, reason="closed by hand", user=maintainer.user)

        assert scores() == []

    def test_a_task_first_seen_already_done_earns_nothing(
        self, make_task: MakeTask, make_contributor: MakeContributor, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1")
        scan = rescan(task)
        TaskStatusChange.objects.filter(task=task, scan=scan).update(from_status="")
        alice = make_contributor("alice")
        claim = Claim.objects.create(task=task, contributor=alice, claimed_at=timezone.now() - dt.timedelta(days=1))
        pr = PullRequest.objects.create(
            url="https://github.com/python/cpython/pull/1",
            repo="python/cpython",
            number=1,
            state=PullRequest.State.MERGED,
            merged_at=timezone.now(),
            claim=claim,
        )
        pr.tasks.add(task)

        assert scores() == []

    def test_an_old_merged_pull_request_linked_to_a_fresh_claim_earns_nothing(
        self, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1")
        merged_pr(make_contributor("alice"), task, merged_at=timezone.now() - dt.timedelta(days=400))
        rescan(task)

        assert scores() == []

    def test_a_task_reopened_by_a_later_scan_loses_its_points(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, rescan: Rescan
    ) -> None:
        task = make_task("CALL_TYPE_1")
        convert(make_contributor("alice"), task)
        assert scores() == [("alice", 3, 1)]

        rescan(task, to=Task.Status.TODO)

        assert scores() == []

    def test_a_follow_up_pull_request_on_the_same_task_earns_nothing_more(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, merged_pr: MergedPR
    ) -> None:
        alice, task = make_contributor("alice"), make_task("CALL_TYPE_1")
        first = convert(alice, task, merged_at=timezone.now() - dt.timedelta(days=5))
        follow_up = PullRequest.objects.create(
            url="https://github.com/python/cpython/pull/999",
            repo="python/cpython",
            number=999,
            state=PullRequest.State.MERGED,
            merged_at=timezone.now(),
            claim=first.claim,
        )
        follow_up.tasks.add(task)

        assert scores() == [("alice", 3, 1)]
        assert [c.pull_request for c in conversion_list()] == [first]

    def test_a_pull_request_converting_two_tasks_credits_both(
        self, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
    ) -> None:
        int_task, float_task = make_task("_POP_TOP_INT"), make_task("_POP_TOP_FLOAT", difficulty=Task.Difficulty.HARD)
        merged_pr(make_contributor("bob"), int_task, float_task)
        rescan(int_task, float_task)

        assert scores() == [("bob", 12, 2)]

    def test_a_task_goes_to_the_claimants_pull_request_not_one_that_only_names_it(
        self, make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Rescan
    ) -> None:
        x, y = make_task("CALL_LEN"), make_task("CALL_TYPE_1")
        alice, bob = make_contributor("alice"), make_contributor("bob")
        start = timezone.now() - dt.timedelta(hours=1)
        # Bob's PR for y also names x, and merges first; x still goes to its claimant.
        merged_pr(bob, y, x, claimed_at=start, merged_at=start + dt.timedelta(minutes=1))
        merged_pr(alice, x, claimed_at=start, merged_at=start + dt.timedelta(minutes=2))
        rescan(x, y)

        credited = {c.task.name: c.contributor.github_handle for c in conversion_list()}

        assert credited == {"CALL_LEN": "alice", "CALL_TYPE_1": "bob"}

    def test_points_follow_the_weights_in_settings(
        self, settings: object, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
    ) -> None:
        settings.LEADERBOARD_CONVERSION_POINTS = {"easy": 10, "medium": 20, "hard": 30}  # type: ignore[attr-defined]
        alice = make_contributor("alice")
        convert(alice, make_task("A", difficulty=Task.Difficulty.EASY))
        convert(alice, make_task("B", difficulty=Task.Difficulty.HARD))

        assert scores() == [("alice", 40, 2)]


class TestRanking:
    def test_ties_go_to_whoever_finished_first(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
    ) -> None:
        now = timezone.now()
        convert(make_contributor("zed"), make_task("A"), merged_at=now - dt.timedelta(days=9))
        convert(make_contributor("amy"), make_task("B"), merged_at=now - dt.timedelta(days=2))
        convert(make_contributor("kim"), make_task("C", difficulty=Task.Difficulty.MEDIUM), merged_at=now)

        ranking = list(leaderboard_list())

        assert [(c.github_handle, c.points) for c in ranking] == [("kim", 6), ("zed", 3), ("amy", 3)]
        assert ranking[1].finished_at < ranking[2].finished_at

    def test_the_campaign_leaderboard_counts_only_that_campaigns_work(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert
    ) -> None:
        alice, bob = make_contributor("alice"), make_contributor("bob")
        refcount_task = make_task("CALL_TYPE_1", campaign="refcount")
        convert(alice, refcount_task)
        convert(bob, make_task("_POP_TOP_INT", campaign="optimizer", difficulty=Task.Difficulty.HARD))

        board = leaderboard_list(campaign=refcount_task.campaign)

        assert [(c.github_handle, c.points) for c in board] == [("alice", 3)]

    def test_the_30_day_window_counts_recent_merges_and_recognitions_only(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor
    ) -> None:
        now = timezone.now()
        alice, bob = make_contributor("alice"), make_contributor("bob")
        convert(alice, make_task("OLD", difficulty=Task.Difficulty.HARD), merged_at=now - dt.timedelta(days=45))
        convert(alice, make_task("NEW"), merged_at=now - dt.timedelta(days=3))
        old_pr = convert(bob, make_task("BOB"), merged_at=now - dt.timedelta(days=40))
        recognition_record(
            contributor=alice,
            kind="review",
            recorded_by=maintainer,
            pull_request=old_pr,
            at=now - dt.timedelta(days=31),
        )
        recognition_record(contributor=bob, kind="mentoring", recorded_by=maintainer, pull_request=old_pr, at=now)

        recent = leaderboard_list(since=window_since("30d", now=now))

        assert [(c.github_handle, c.points) for c in recent] == [("alice", 3), ("bob", 2)]
        assert [(c.github_handle, c.points) for c in leaderboard_list()] == [("alice", 13), ("bob", 5)]


class TestRecognitions:
    def test_reviews_and_mentoring_recorded_by_a_maintainer_score_their_small_weights(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor
    ) -> None:
        pr = convert(make_contributor("alice"), make_task("CALL_TYPE_1"))
        carol = make_contributor("carol")
        recognition_record(contributor=carol, kind=Recognition.Kind.REVIEW, recorded_by=maintainer, pull_request=pr)
        recognition_record(contributor=carol, kind=Recognition.Kind.MENTORING, recorded_by=maintainer, pull_request=pr)

        board = {c.github_handle: (c.points, c.reviews, c.mentoring) for c in leaderboard_list()}

        assert board == {"alice": (3, 0, 0), "carol": (3, 1, 1)}

    def test_recognitions_from_non_maintainers_or_oneself_do_not_score(
        self, make_task: MakeTask, make_contributor: MakeContributor, maintainer: Contributor
    ) -> None:
        task = make_task("CALL_TYPE_1")
        alice, bob = make_contributor("alice"), make_contributor("bob")
        now = timezone.now()
        Recognition.objects.create(contributor=alice, kind="review", task=task, recorded_by=bob, at=now)
        Recognition.objects.create(contributor=maintainer, kind="review", task=task, recorded_by=maintainer, at=now)

        assert scores() == []

    def test_a_recognition_counts_for_the_campaign_of_its_pull_requests_tasks(
        self, make_task: MakeTask, make_contributor: MakeContributor, convert: Convert, maintainer: Contributor
    ) -> None:
        task = make_task("_POP_TOP_INT", campaign="optimizer")
        pr = convert(make_contributor("alice"), task)
        recognition_record(
            contributor=make_contributor("carol"), kind="review", recorded_by=maintainer, pull_request=pr
        )
        other = make_task("CALL_TYPE_1", campaign="refcount").campaign

        in_optimizer = [c.github_handle for c in leaderboard_list(campaign=task.campaign)]
        in_refcount = [c.github_handle for c in leaderboard_list(campaign=other)]

        assert in_optimizer == ["alice", "carol"]
        assert in_refcount == []


class TestRealSnapshots:
    def test_a_rescan_of_real_cpython_sources_credits_the_claimant_of_the_converted_op(
        self, scan_label: Callable[..., object], make_contributor: MakeContributor, merged_pr: MergedPR
    ) -> None:
        scan_label("3.15a-2025-08")
        task = Task.objects.get(campaign__slug="refcount", name="CALL_TYPE_1")
        assert (task.status, task.difficulty) == (Task.Status.TODO, Task.Difficulty.MEDIUM)
        merged_pr(make_contributor("alice"), task)
        assert scores() == []

        scan_label("3.15a-2026-02")

        task.refresh_from_db()
        assert task.status == Task.Status.DONE
        assert scores() == [("alice", 6, 1)]
        assert task.claims.get().status == Claim.Status.COMPLETED
