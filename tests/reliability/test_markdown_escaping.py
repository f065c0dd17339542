"""What people type never becomes a link or HTML in a generated mega-issue (issue 14, item 4)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from analyzer.markdown.megaissue import escape_markdown
from onboarding.campaigns.models import Task
from onboarding.campaigns.publishing import megaissue_merge
from onboarding.campaigns.selectors import campaign_megaissue
from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor

pytestmark = pytest.mark.django_db

HOSTILE_URL = "https://github.com/[z](javascript:alert(1))/pull/1 <img src=x onerror=alert(1)>"
HOSTILE_HANDLE = "x<img src=x onerror=alert(1)>-->"


def test_stored_hostile_text_is_escaped_in_the_mega_issue(make_task: Callable[..., Task]) -> None:
    # Rows written before validation existed (or through the admin) bypass every form check.
    first = make_task("LOAD_FAST")
    second = make_task("LOAD_ATTR")
    user = User.objects.create_user("hostile")
    person = Contributor.objects.create(user=user, github_handle=HOSTILE_HANDLE)
    Claim.objects.create(task=first, contributor=person, claimed_at=timezone.now(), pr_url=HOSTILE_URL)
    good = Contributor.objects.create(user=User.objects.create_user("good"), github_handle="good-one")
    Claim.objects.create(
        task=second, contributor=good, claimed_at=timezone.now(), pr_url="https://github.com/python/cpython/pull/12"
    )

    text = campaign_megaissue(campaign=first.campaign, site_url="")

    assert "](javascript" not in text
    assert "<img" not in text
    assert "-->" not in text.replace(" -->", "")  # only the hidden task IDs close a comment
    assert escape_markdown(HOSTILE_URL) in text
    assert escape_markdown(HOSTILE_HANDLE) in text
    # Checked text is left as it is: the mention and the plain PR URL.
    assert "· @good-one · https://github.com/python/cpython/pull/12 <!-- task:refcount:LOAD_ATTR -->" in text
    # Publishing keeps the block whole: the hostile text cannot end it early.
    merged = megaissue_merge(body="intro", markdown=text, slug="refcount")
    assert merged.count("<!-- jit-onboarding:megaissue:refcount:end -->") == 1


def test_escape_markdown_leaves_no_markup() -> None:
    assert escape_markdown("[z](javascript:x)") == r"\[z\]\(javascript\:x\)"
    assert escape_markdown("<b>\n*x*</b>") == r"&lt;b&gt; \*x\*&lt;/b&gt;"
