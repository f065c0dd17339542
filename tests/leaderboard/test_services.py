"""Recording reviews and mentoring (`recognition_record`): maintainers only, real work, once each."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest

from onboarding.campaigns.models import Task
from onboarding.contributors.models import Contributor
from onboarding.errors import ApplicationError, NotAllowed
from onboarding.leaderboard.errors import RecognitionDuplicate, RecognitionError
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.services import recognition_record

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]


def test_a_maintainer_records_a_review_of_a_task(
    make_task: MakeTask, make_contributor: MakeContributor, maintainer: Contributor
) -> None:
    task, carol = make_task("CALL_TYPE_1"), make_contributor("carol")

    recognition = recognition_record(
        contributor=carol, kind=Recognition.Kind.REVIEW, recorded_by=maintainer, task=task, note="  thorough  "
    )

    assert Recognition.objects.get() == recognition
    assert (recognition.contributor, recognition.task, recognition.recorded_by) == (carol, task, maintainer)
    assert recognition.note == "thorough"
    assert recognition.at is not None


def test_only_maintainers_record_recognitions(make_task: MakeTask, make_contributor: MakeContributor) -> None:
    bob, carol = make_contributor("bob"), make_contributor("carol")

    with pytest.raises(NotAllowed, match="Only maintainers can record reviews and mentoring"):
        recognition_record(contributor=carol, kind="review", recorded_by=bob, task=make_task())

    assert not Recognition.objects.exists()


def test_a_maintainer_cannot_recognise_themselves(make_task: MakeTask, maintainer: Contributor) -> None:
    with pytest.raises(NotAllowed, match="Ask another maintainer"):
        recognition_record(contributor=maintainer, kind="mentoring", recorded_by=maintainer, task=make_task())


def test_a_recognition_must_name_a_task_or_pull_request(
    make_contributor: MakeContributor, maintainer: Contributor
) -> None:
    with pytest.raises(RecognitionError, match="Name the task or the pull request"):
        recognition_record(contributor=make_contributor("carol"), kind="review", recorded_by=maintainer)


def test_an_unknown_kind_is_refused_with_the_known_ones(
    make_task: MakeTask, make_contributor: MakeContributor, maintainer: Contributor
) -> None:
    with pytest.raises(RecognitionError, match="'cheering' is not a kind of recognition; use one of review, mentoring"):
        recognition_record(
            contributor=make_contributor("carol"), kind="cheering", recorded_by=maintainer, task=make_task()
        )


def test_the_same_review_is_recorded_once(
    make_task: MakeTask, make_contributor: MakeContributor, maintainer: Contributor
) -> None:
    task, carol = make_task("CALL_TYPE_1"), make_contributor("carol")
    recognition_record(contributor=carol, kind="review", recorded_by=maintainer, task=task)

    with pytest.raises(RecognitionDuplicate, match=r"@carol's review of refcount/CALL_TYPE_1 is already recorded"):
        recognition_record(contributor=carol, kind="review", recorded_by=maintainer, task=task)

    assert Recognition.objects.count() == 1
    recognition_record(contributor=carol, kind="mentoring", recorded_by=maintainer, task=task)
    assert Recognition.objects.count() == 2


def test_recognition_errors_belong_to_the_application_tree_and_pickle() -> None:
    error = RecognitionDuplicate("already", extra={"id": 3})

    copy = pickle.loads(pickle.dumps(error))

    assert isinstance(copy, RecognitionError) and isinstance(copy, ApplicationError)
    assert (copy.message, copy.extra) == ("already", {"id": 3})
