"""``manage.py publish_megaissue``: GitHub's REST API answers from recorded responses (the `responses` library)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from django.core.management import CommandError, call_command

from onboarding.campaigns.models import Campaign, Task
from onboarding.campaigns.publishing import block_markers, megaissue_merge
from onboarding.campaigns.selectors import campaign_megaissue
from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor
from onboarding.errors import PublishFailed

pytestmark = pytest.mark.django_db

RECORDED = Path(__file__).parent / "recorded"
ISSUE_URL = "https://api.github.com/repos/python/cpython/issues/134584"
#: PyGithub spells the port out (``api.github.com:443``).
ISSUE = re.compile(r"^https://api\.github\.com(:443)?/repos/python/cpython/issues/134584$")
START, END = block_markers("refcount")
INTRO = "Hand-written intro by the campaign lead.\r\n\r\nPlease read the guide first.\r\n\r\n"
PR = "https://github.com/python/cpython/pull/140000"
STORE_FAST = "- [ ] `STORE_FAST` (uop `_STORE_FAST`) · medium · `Python/bytecodes.c#L10-L12`"
OUTRO = "\r\n\r\n## Notes from the lead\r\n\r\nPing @lead on Discord.\r\n"


def recorded(name: str, **json_fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    data["json"].update(json_fields)
    return data


def register(rsps: responses.RequestsMock, method: str, name: str, **json_fields: Any) -> None:
    data = recorded(name, **json_fields)
    rsps.add(method, ISSUE, json=data["json"], status=data["status"], headers=data["headers"])


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def campaign(make_task: Callable[..., Task], make_contributor: Callable[..., Contributor]) -> Campaign:
    make_task("LOAD_FAST", uop="_LOAD_FAST", difficulty="easy")
    claimed = make_task("STORE_FAST", uop="_STORE_FAST", difficulty="medium", status=Task.Status.CLAIMED)
    make_task("_POP_TOP", difficulty="easy", status=Task.Status.DONE)
    Claim.objects.create(
        task=claimed,
        contributor=make_contributor("alice"),
        claimed_at="2026-06-01T00:00Z",
        pr_url="https://github.com/python/cpython/pull/140000",
    )
    return Campaign.objects.get(slug="refcount")


def publish(*args: str, token: str | None = "ghp_test", settings: Any = None) -> str:
    out = StringIO()
    call_command("publish_megaissue", "refcount", "--repo", "python/cpython", "--issue", "134584", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _token(settings: Any) -> None:
    settings.GITHUB_TOKEN = "ghp_test"


def hand_edited_body(campaign: Campaign) -> str:
    """The issue as people left it: an old block (a stale item, one long gone) with a note under an item."""
    old = campaign_megaissue(campaign=campaign).strip("\n").replace("\n", "\r\n")
    old = old.replace(" · @alice · https://github.com/python/cpython/pull/140000", "")  # before alice claimed it
    old = old.replace(
        "<!-- task:refcount:LOAD_FAST -->",
        "<!-- task:refcount:LOAD_FAST -->\r\n  - blocked on gh-99999, says @lead\r\n"
        "- [ ] `GONE_OP` · easy <!-- task:refcount:GONE_OP -->",
    )
    return f"{INTRO}{START}\r\n{old}\r\n{END}{OUTRO}"


class TestMerge:
    def test_text_outside_the_block_is_untouched_and_notes_stay_under_their_item(self, campaign: Campaign) -> None:
        body = hand_edited_body(campaign)

        merged = megaissue_merge(body=body, markdown=campaign_megaissue(campaign=campaign), slug="refcount")

        assert merged.startswith(INTRO + START + "\r\n")
        assert merged.endswith("\r\n" + END + OUTRO)
        lines = merged.split("\r\n")
        item = next(i for i, line in enumerate(lines) if "<!-- task:refcount:LOAD_FAST -->" in line)
        assert lines[item + 1] == "  - blocked on gh-99999, says @lead"
        assert "GONE_OP" not in merged
        assert (
            "`STORE_FAST` (uop `_STORE_FAST`) · medium · `Python/bytecodes.c#L10-L12` · @alice · https://github.com/python/cpython/pull/140000"
            in merged
        )
        assert "\n" not in merged.replace("\r\n", "")

    def test_merging_twice_changes_nothing(self, campaign: Campaign) -> None:
        markdown = campaign_megaissue(campaign=campaign)
        once = megaissue_merge(body=hand_edited_body(campaign), markdown=markdown, slug="refcount")

        assert megaissue_merge(body=once, markdown=markdown, slug="refcount") == once

    def test_an_issue_without_a_block_gets_one_appended(self, campaign: Campaign) -> None:
        merged = megaissue_merge(
            body="Intro.\n", markdown="# Title\n\n- [ ] `X` <!-- task:refcount:X -->\n", slug="refcount"
        )

        assert merged == f"Intro.\n\n{START}\n# Title\n\n- [ ] `X` <!-- task:refcount:X -->\n{END}\n"

    def test_a_checklist_without_markers_is_refused_not_duplicated(self) -> None:
        with pytest.raises(PublishFailed, match="has no generated block"):
            megaissue_merge(body="- [ ] `X` <!-- task:refcount:X -->", markdown="new", slug="refcount")

    @pytest.mark.parametrize("body", [f"{START} a", f"{END} a {START}", f"{START}{START}{END}"])
    def test_damaged_markers_are_refused(self, body: str) -> None:
        with pytest.raises(PublishFailed, match="generated block is damaged"):
            megaissue_merge(body=body, markdown="new", slug="refcount")


class TestPublish:
    def test_dry_run_prints_the_diff_and_edits_nothing(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        register(api, "GET", "issue", body=hand_edited_body(campaign))

        out = publish("--dry-run")

        assert out.startswith("--- python/cpython#134584 (on GitHub)\n+++ python/cpython#134584 (generated)\n")
        changed = [line for line in out.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert sorted(changed) == sorted(
            [
                "-- [ ] `GONE_OP` · easy <!-- task:refcount:GONE_OP -->",
                f"-{STORE_FAST} <!-- task:refcount:STORE_FAST -->",
                f"+{STORE_FAST} · @alice · {PR} <!-- task:refcount:STORE_FAST -->",
            ]
        )
        assert [c.request.method for c in api.calls] == ["GET"]
        assert api.calls[0].request.headers["Authorization"] == "token ghp_test"

    def test_publishing_patches_only_the_block(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        body = hand_edited_body(campaign)
        register(api, "GET", "issue", body=body)
        register(api, "PATCH", "issue")

        out = publish()

        assert out == "Updated https://github.com/python/cpython/issues/134584 (3 changed lines).\n"
        patch = api.calls[1].request
        assert patch.method == "PATCH" and ISSUE.match(patch.url)
        sent = json.loads(patch.body)["body"]
        assert sent == megaissue_merge(body=body, markdown=campaign_megaissue(campaign=campaign), slug="refcount")
        assert sent.startswith(INTRO) and sent.endswith(OUTRO)

    def test_an_up_to_date_issue_is_not_edited(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        current = megaissue_merge(body="", markdown=campaign_megaissue(campaign=campaign), slug="refcount")
        register(api, "GET", "issue", body=current)

        out = publish()

        assert out == "https://github.com/python/cpython/issues/134584 is up to date: nothing to change.\n"
        assert len(api.calls) == 1

    def test_an_empty_issue_gets_the_block(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        register(api, "GET", "issue", body=None)
        register(api, "PATCH", "issue")

        publish()

        sent = json.loads(api.calls[1].request.body)["body"]
        assert sent.startswith(START + "\n# ") and sent.endswith(END + "\n")


class TestRefusals:
    def test_the_primary_rate_limit_is_a_clear_error(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        register(api, "GET", "rate_limited_primary")

        with pytest.raises(CommandError) as caught:
            publish()

        assert str(caught.value) == (
            "GitHub's API rate limit is exhausted (403: API rate limit exceeded for user ID 28750310. If you reach "
            "out to GitHub Support for help, please include the request ID C0DE:1F2E:3A4B5C:6D7E8F:67A1B2C4 and "
            "timestamp 2026-09-16 12:00:00 UTC.) while reading python/cpython#134584; the limit resets at "
            "2026-09-21 15:13 UTC. Nothing was changed."
        )
        assert len(api.calls) == 1  # no retry loop

    def test_a_secondary_rate_limit_on_the_edit_says_when_to_retry(
        self, api: responses.RequestsMock, campaign: Campaign
    ) -> None:
        register(api, "GET", "issue", body=hand_edited_body(campaign))
        register(api, "PATCH", "rate_limited_secondary")

        with pytest.raises(
            CommandError,
            match=r"^GitHub's API rate limit is exhausted \(429: You have exceeded a "
            r"secondary rate limit.*while editing python/cpython#134584; retry "
            r"after 60 seconds\. Nothing was changed\.$",
        ):
            publish()

    def test_a_missing_issue_is_explained(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        api.add("GET", ISSUE, status=404, json={"message": "Not Found", "status": "404"})

        with pytest.raises(CommandError, match="no such repository or issue, or the token cannot see it"):
            publish()

    def test_no_network_is_explained(self, api: responses.RequestsMock, campaign: Campaign) -> None:
        api.add("GET", ISSUE, body=requests.ConnectionError("no route"))

        with pytest.raises(CommandError, match=r"^Cannot reach GitHub's API \(ConnectionError\)"):
            publish()

    def test_publishing_needs_a_token(self, campaign: Campaign, settings: Any) -> None:
        settings.GITHUB_TOKEN = ""

        with pytest.raises(CommandError, match="Set GITHUB_TOKEN"):
            publish()

    def test_a_hand_edited_issue_that_lost_its_markers_is_left_alone(
        self, api: responses.RequestsMock, campaign: Campaign
    ) -> None:
        body = hand_edited_body(campaign).replace(START, "").replace(END, "")
        register(api, "GET", "issue", body=body)

        with pytest.raises(CommandError, match="has no generated block"):
            publish()
        assert [c.request.method for c in api.calls] == ["GET"]

    def test_a_bad_repo_argument(self, campaign: Campaign) -> None:
        with pytest.raises(CommandError, match="is not OWNER/NAME"):
            call_command("publish_megaissue", "refcount", "--repo", "cpython", "--issue", "1")

    def test_an_unknown_campaign(self) -> None:
        with pytest.raises(CommandError, match="unknown campaign 'nope'"):
            call_command("publish_megaissue", "nope", "--repo", "python/cpython", "--issue", "1")
