"""Claim rules as services (issue 3, item 5): one active claim per task, limits, maintainers, PR links."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone

from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim, ClaimEvent, PullRequest
from onboarding.claims.services import (
    claim_assign,
    claim_create,
    claim_link_pull_request,
    claim_release,
    claims_close_for_tasks,
)
from onboarding.contributors.models import Contributor
from onboarding.contributors.services import contributor_for_user
from onboarding.errors import (
    ApplicationError,
    ClaimError,
    ClaimLimitReached,
    ClaimNotActive,
    ContributorError,
    InvalidPullRequestUrl,
    NotAllowed,
    TaskAlreadyClaimed,
    TaskNotClaimable,
)

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]


def give_merged_work(contributor: Contributor, make_task: MakeTask) -> None:
    """A completed claim: what a re-scan records when the contributor's conversion landed."""
    claim = claim_create(task=make_task(), contributor=contributor)
    claims_close_for_tasks(outcomes={claim.task_id: (Claim.Status.COMPLETED, "converted")}, at=timezone.now())


class TestClaimCreate:
    def test_claiming_marks_the_task_claimed_with_history(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        task, alice = make_task("UNARY_NEGATIVE"), make_contributor("alice")

        claim = claim_create(task=task, contributor=alice)

        task.refresh_from_db()
        assert claim.is_active and claim.contributor == alice
        assert task.status == Task.Status.CLAIMED
        assert [e.kind for e in claim.events.all()] == [ClaimEvent.Kind.CLAIMED]
        change = task.status_changes.get()
        assert (change.from_status, change.to_status, change.user) == ("todo", "claimed", alice.user)

    def test_a_task_has_one_active_claim(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        task = make_task("UNARY_NEGATIVE")
        claim_create(task=task, contributor=make_contributor("alice"))

        with pytest.raises(TaskAlreadyClaimed, match=r"UNARY_NEGATIVE is already claimed by @alice since"):
            claim_create(task=task, contributor=make_contributor("bob"))

        assert Claim.objects.filter(task=task).count() == 1

    def test_claiming_your_own_task_again_says_so(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        task, alice = make_task("UNARY_NEGATIVE"), make_contributor("alice")
        claim_create(task=task, contributor=alice)

        with pytest.raises(TaskAlreadyClaimed, match="You already hold the claim on UNARY_NEGATIVE"):
            claim_create(task=task, contributor=alice)

    @pytest.mark.parametrize(
        ("status", "message"),
        [
            (Task.Status.DONE, "already done upstream"),
            (Task.Status.RETIRED, "was retired"),
            (Task.Status.NOT_APPLICABLE, "nothing to convert"),
        ],
    )
    def test_a_closed_task_cannot_be_claimed(
        self, make_task: MakeTask, make_contributor: MakeContributor, status: str, message: str
    ) -> None:
        task = make_task("STORE_FAST", status=status)

        with pytest.raises(TaskNotClaimable, match=message):
            claim_create(task=task, contributor=make_contributor())

        assert not Claim.objects.exists()

    def test_a_first_timer_holds_one_active_claim(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        alice = make_contributor("alice")
        claim_create(task=make_task(), contributor=alice)

        with pytest.raises(ClaimLimitReached, match="Until your first conversion is merged you can hold 1"):
            claim_create(task=make_task(), contributor=alice)

    def test_a_contributor_with_merged_work_holds_three(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        give_merged_work(alice, make_task)
        for _ in range(3):
            claim_create(task=make_task(), contributor=alice)

        with pytest.raises(ClaimLimitReached, match="You already hold 3 active claims"):
            claim_create(task=make_task(), contributor=alice)

    def test_a_merged_pull_request_counts_as_merged_work(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        claim = claim_create(task=make_task(), contributor=alice)
        pr = claim_link_pull_request(claim=claim, url="https://github.com/python/cpython/pull/1", actor=alice.user)
        PullRequest.objects.filter(pk=pr.pk).update(state=PullRequest.State.MERGED)

        second = claim_create(task=make_task(), contributor=alice)

        assert second.is_active

    def test_the_limits_come_from_settings(
        self, make_task: MakeTask, make_contributor: MakeContributor, settings
    ) -> None:
        settings.CLAIMS_MAX_ACTIVE_FIRST_TIMER = 2
        alice = make_contributor("alice")
        claim_create(task=make_task(), contributor=alice)
        claim_create(task=make_task(), contributor=alice)

        with pytest.raises(ClaimLimitReached):
            claim_create(task=make_task(), contributor=alice)

    def test_released_claims_do_not_count_against_the_limit(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        claim_release(claim=claim_create(task=make_task(), contributor=alice), actor=alice.user)

        assert claim_create(task=make_task(), contributor=alice).is_active

    def test_the_database_refuses_a_second_active_claim(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        task = make_task()
        Claim.objects.create(task=task, contributor=make_contributor(), claimed_at=timezone.now())

        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.create(task=task, contributor=make_contributor(), claimed_at=timezone.now())


class TestClaimAssign:
    def test_a_maintainer_assigns_beyond_the_limit(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        maintainer, alice = make_contributor("mae", maintainer=True), make_contributor("alice")
        claim_create(task=make_task(), contributor=alice)

        claim = claim_assign(task=make_task("LOAD_ATTR"), contributor=alice, by=maintainer.user)

        assert claim.is_active and claim.assigned_by == maintainer.user
        assert claim.events.get().kind == ClaimEvent.Kind.ASSIGNED

    def test_only_maintainers_assign(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        bob, alice = make_contributor("bob"), make_contributor("alice")

        with pytest.raises(NotAllowed, match="Only maintainers"):
            claim_assign(task=make_task(), contributor=alice, by=bob.user)

    def test_assigning_a_claimed_task_is_refused(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        task = make_task()
        claim_create(task=task, contributor=make_contributor("alice"))

        with pytest.raises(TaskAlreadyClaimed):
            claim_assign(task=task, contributor=make_contributor("bob"), by=make_contributor(maintainer=True).user)


class TestClaimRelease:
    def test_the_claimant_releases_and_the_task_is_open_again(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        claim = claim_create(task=make_task(), contributor=alice)

        claim_release(claim=claim, actor=alice.user, reason="no time")

        claim.refresh_from_db()
        assert (claim.status, claim.released_by, claim.reason) == (Claim.Status.RELEASED, alice.user, "no time")
        assert claim.task.status == Task.Status.TODO
        assert [e.kind for e in claim.events.all()] == ["claimed", "released"]
        assert list(claim.task.status_changes.values_list("to_status", flat=True)) == ["claimed", "todo"]

    def test_someone_else_cannot_release(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        claim = claim_create(task=make_task(), contributor=make_contributor("alice"))

        with pytest.raises(NotAllowed, match="Only @alice or a maintainer can release"):
            claim_release(claim=claim, actor=make_contributor("bob").user)

        claim.refresh_from_db()
        assert claim.is_active

    def test_a_maintainer_releases_anyones_claim(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        claim = claim_create(task=make_task(), contributor=make_contributor("alice"))
        maintainer = make_contributor("mae", maintainer=True)

        claim_release(claim=claim, actor=maintainer.user)

        claim.refresh_from_db()
        assert claim.status == Claim.Status.RELEASED
        assert claim.reason == "released by a maintainer"

    def test_a_superuser_counts_as_a_maintainer(self, make_task: MakeTask, make_contributor: MakeContributor) -> None:
        claim = claim_create(task=make_task(), contributor=make_contributor("alice"))
        root = User.objects.create_superuser("root", password="pw")

        claim_release(claim=claim, actor=root)

        claim.refresh_from_db()
        assert claim.status == Claim.Status.RELEASED

    def test_a_released_claim_cannot_be_released_again(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        claim = claim_create(task=make_task(), contributor=alice)
        claim_release(claim=claim, actor=alice.user)

        with pytest.raises(ClaimNotActive, match="already released"):
            claim_release(claim=claim, actor=alice.user)


class TestLinkPullRequest:
    def test_linking_an_open_pull_request_puts_the_task_in_review(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice = make_contributor("alice")
        claim = claim_create(task=make_task("UNARY_NEGATIVE"), contributor=alice)

        pr = claim_link_pull_request(
            claim=claim, url=" https://github.com/python/cpython/pull/137000/files#diff ", actor=alice.user
        )

        claim.refresh_from_db()
        assert (pr.repo, pr.number, pr.url) == (
            "python/cpython",
            137000,
            "https://github.com/python/cpython/pull/137000",
        )
        assert claim.pr_url == pr.url and pr.claim == claim
        assert list(pr.tasks.all()) == [claim.task]
        assert claim.task.status == Task.Status.IN_REVIEW
        assert claim.events.last().kind == ClaimEvent.Kind.PR_LINKED

    @pytest.mark.parametrize(
        "url",
        [
            "https://github.com/python/cpython/issues/134584",
            "not a url",
            "https://gitlab.com/a/b/pull/1",
            "https://github.com/python/cpython/pull/0",
        ],
    )
    def test_a_url_that_is_no_pull_request_is_refused(
        self, make_task: MakeTask, make_contributor: MakeContributor, url: str
    ) -> None:
        alice = make_contributor("alice")
        claim = claim_create(task=make_task(), contributor=alice)

        with pytest.raises(InvalidPullRequestUrl, match="is not a GitHub pull request URL"):
            claim_link_pull_request(claim=claim, url=url, actor=alice.user)

        assert not PullRequest.objects.exists()

    def test_a_pull_request_of_another_active_claim_is_refused(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        alice, bob = make_contributor("alice"), make_contributor("bob")
        url = "https://github.com/python/cpython/pull/5"
        claim_link_pull_request(claim=claim_create(task=make_task(), contributor=alice), url=url, actor=alice.user)
        bobs = claim_create(task=make_task(), contributor=bob)

        with pytest.raises(ClaimError, match="already linked to @alice's claim"):
            claim_link_pull_request(claim=bobs, url=url, actor=bob.user)

    def test_only_the_claimant_or_a_maintainer_links(
        self, make_task: MakeTask, make_contributor: MakeContributor
    ) -> None:
        claim = claim_create(task=make_task(), contributor=make_contributor("alice"))

        with pytest.raises(NotAllowed):
            claim_link_pull_request(
                claim=claim, url="https://github.com/python/cpython/pull/5", actor=make_contributor("bob").user
            )


class TestContributorForUser:
    def test_the_username_becomes_the_handle(self, db: None) -> None:
        user = User.objects.create_user("octo-cat", password="pw")

        contributor = contributor_for_user(user=user)

        assert contributor.github_handle == "octo-cat"
        assert contributor_for_user(user=user) == contributor

    def test_a_username_that_is_no_github_handle_is_refused(self, db: None) -> None:
        user = User.objects.create_user("not_a_handle", password="pw")

        with pytest.raises(ContributorError, match="cannot be used as a GitHub handle"):
            contributor_for_user(user=user)

        assert not Contributor.objects.exists()

    def test_a_handle_taken_by_someone_else_is_refused(self, make_contributor: MakeContributor) -> None:
        make_contributor("octocat")
        other = User.objects.create_user("OctoCat", password="pw")

        with pytest.raises(ContributorError, match="already belongs to another account"):
            contributor_for_user(user=other)


def test_application_errors_survive_pickling_with_their_data() -> None:
    error = ClaimLimitReached("too many", extra={"limit": 1})

    copy = pickle.loads(pickle.dumps(error))

    assert type(copy) is ClaimLimitReached
    assert (copy.message, copy.extra) == ("too many", {"limit": 1})
    assert isinstance(copy, ApplicationError)


def test_the_errors_module_lists_its_names_sorted() -> None:
    from onboarding import errors

    assert errors.__all__ == sorted(errors.__all__)
    assert all(issubclass(getattr(errors, name), errors.ApplicationError) for name in errors.__all__)
