"""Credits export (issue 7, item 4): What's New names, all-contributors table and YAML events, from merged work."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from onboarding.campaigns.models import Campaign, Task
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.credits import (
    credits_events,
    credits_events_yaml,
    credits_markdown,
    credits_table,
    credits_whatsnew,
)
from onboarding.leaderboard.selectors import campaign_credits
from onboarding.leaderboard.services import recognition_record
from tests.leaderboard.conftest import MergedPR

pytestmark = pytest.mark.django_db

MakeTask = Callable[..., Task]
MakeContributor = Callable[..., Contributor]
Convert = Callable[..., PullRequest]

FEB = dt.datetime(2026, 2, 17, 15, 30, tzinfo=dt.UTC)


@pytest.fixture
def refcount_work(
    make_task: MakeTask,
    make_contributor: MakeContributor,
    convert: Convert,
    merged_pr: MergedPR,
    maintainer: Contributor,
) -> Campaign:
    """Alice (named) and bob (handle only) converted refcount tasks; carol reviewed; dave's PR is open."""
    alice, bob, carol, dave = (make_contributor(h) for h in ("alice", "bob", "carol", "dave"))
    User.objects.filter(username="alice").update(first_name="Alice", last_name="Newcomer")
    User.objects.filter(username="carol").update(first_name="Carol", last_name="Veteran")
    type_1 = make_task("CALL_TYPE_1", campaign="refcount")
    Campaign.objects.filter(slug="refcount").update(title="Eliminate redundant refcounting", issue="gh-134584")
    first = convert(alice, type_1, merged_at=FEB)
    convert(bob, make_task("CALL_LEN", campaign="refcount"), merged_at=FEB + dt.timedelta(days=3))
    merged_pr(dave, make_task("CALL_STR_1", campaign="refcount"), state=PullRequest.State.OPEN)
    convert(make_contributor("erin"), make_task("_POP_TOP_INT", campaign="optimizer"))
    recognition_record(contributor=carol, kind="review", recorded_by=maintainer, pull_request=first)
    return Campaign.objects.get(slug="refcount")


def test_the_whats_new_line_names_the_authors_of_merged_conversions(refcount_work: Campaign) -> None:
    line = credits_whatsnew(campaign_credits(campaign=refcount_work))

    assert line == "(Contributed by @bob and Alice Newcomer in :gh:`134584`.)"


def test_the_table_has_one_all_contributors_cell_per_person_with_their_kinds_of_work(refcount_work: Campaign) -> None:
    table = credits_table(campaign_credits(campaign=refcount_work)).splitlines()

    assert len(table) == 2
    assert table[1] == "| :---: | :---: | :---: |"
    cells = table[0].strip("| ").split(" | ")
    assert cells[0] == (
        '[<img src="https://github.com/bob.png?size=100" width="100px;" alt=""/><br /><sub><b>@bob</b></sub>]'
        '(https://github.com/bob)<br />[💻](https://github.com/bob "Code")'
    )
    assert "<b>Alice Newcomer</b>" in cells[1] and '"Code"' in cells[1]
    assert "<b>Carol Veteran</b>" in cells[2] and '"Reviewed Pull Requests"' in cells[2] and '"Code"' not in cells[2]


def test_the_table_wraps_after_seven_people(
    make_task: MakeTask, make_contributor: MakeContributor, merged_pr: MergedPR, rescan: Callable[..., object]
) -> None:
    tasks = [make_task(f"OP_{n}") for n in range(9)]
    for n, task in enumerate(tasks):
        merged_pr(make_contributor(f"p{n}"), task)
    rescan(*tasks)

    lines = credits_table(campaign_credits(campaign=tasks[0].campaign)).splitlines()

    assert [line.count("<img") for line in lines] == [7, 0, 2]
    assert lines[2].endswith("|  |  |  |  |  |")


def test_the_events_are_the_merged_conversions_with_date_title_and_link(refcount_work: Campaign) -> None:
    events = yaml.safe_load(credits_events_yaml(campaign_credits(campaign=refcount_work)))

    link = {name: PullRequest.objects.get(tasks__name=name).url for name in ("CALL_TYPE_1", "CALL_LEN")}
    assert events == [
        {
            "date": dt.date(2026, 2, 17),
            "title": "CALL_TYPE_1 converted by @alice (gh-134584)",
            "link": link["CALL_TYPE_1"],
        },
        {"date": dt.date(2026, 2, 20), "title": "CALL_LEN converted by @bob (gh-134584)", "link": link["CALL_LEN"]},
    ]
    assert credits_events(campaign_credits(campaign=refcount_work))[0]["date"] == dt.date(2026, 2, 17)


def test_the_markdown_download_holds_the_whats_new_line_and_the_table(refcount_work: Campaign) -> None:
    text = credits_markdown(campaign_credits(campaign=refcount_work))

    assert text.startswith("# Credits: Eliminate redundant refcounting (gh-134584)\n")
    assert "2 merged conversion(s) by 2 contributor(s)" in text
    assert "```rst\n(Contributed by @bob and Alice Newcomer in :gh:`134584`.)\n```" in text
    assert "Key: 💻 code, 👀 reviewed pull requests, 🧑‍🏫 mentoring." in text
    assert "dave" not in text and "erin" not in text


def test_a_campaign_without_merged_work_has_empty_credits(make_task: MakeTask) -> None:
    campaign = make_task("CALL_TYPE_1").campaign
    credits = campaign_credits(campaign=campaign)

    assert (credits_whatsnew(credits), credits_table(credits), credits_events_yaml(credits)) == ("", "", "[]\n")
    assert "No merged, re-scan-confirmed work yet." in credits_markdown(credits)


class TestCommand:
    def test_it_prints_the_markdown_credits_by_default(self, refcount_work: Campaign) -> None:
        out = io.StringIO()

        call_command("credits_export", "refcount", stdout=out)

        assert out.getvalue() == credits_markdown(campaign_credits(campaign=refcount_work))

    @pytest.mark.parametrize(
        ("fmt", "expected"),
        [
            ("whatsnew", "(Contributed by @bob and Alice Newcomer in :gh:`134584`.)\n"),
            ("events", None),
        ],
    )
    def test_it_writes_one_format_to_a_file(
        self, fmt: str, expected: str | None, refcount_work: Campaign, tmp_path: Path
    ) -> None:
        target, err = tmp_path / "credits.txt", io.StringIO()

        call_command("credits_export", "refcount", format=fmt, output=target, stderr=err)

        text = target.read_text(encoding="utf-8")
        if expected is not None:
            assert text == expected
        else:
            assert [e["title"] for e in yaml.safe_load(text)] == [
                "CALL_TYPE_1 converted by @alice (gh-134584)",
                "CALL_LEN converted by @bob (gh-134584)",
            ]
        assert err.getvalue() == f"Wrote {fmt} credits of refcount to {target}: 2 conversion(s), 3 contributor(s).\n"

    def test_an_unknown_campaign_is_an_error_naming_the_known_ones(self, refcount_work: Campaign) -> None:
        with pytest.raises(CommandError, match=r"No campaign 'nope'; known campaigns: optimizer, refcount\."):
            call_command("credits_export", "nope")
