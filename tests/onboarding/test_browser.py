"""Browser journeys with Playwright driving Debian's Chromium against a live server.

Needs /usr/bin/chromium (``apt-get install chromium``); without it these tests are skipped
locally and fail in CI (CI=true). Playwright's own browser downloads are never used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command

from onboarding.claims.models import Claim
from tests.conftest import unavailable

from .conftest import ROOT, SNAPSHOT

#: Debian's Chromium; JIT_CHROMIUM points elsewhere (e.g. to check the skip message).
CHROMIUM = Path(os.environ.get("JIT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser(django_db_setup: None) -> Iterator[object]:
    if not CHROMIUM.exists():
        message = (
            f"Debian's Chromium is missing at {CHROMIUM}; install it with "
            "`apt-get update && apt-get install -y chromium` to run the browser tests"
        )
        unavailable(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser is open;
    # the ORM calls of these tests and their fixtures are still plain synchronous code.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as playwright:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, cpython_dir: Path):
    """A fresh page on a live server holding the demo users and the main-2026-06 scan."""
    call_command("loaddata", str(ROOT / "fixtures" / "users.json"), verbosity=0)
    entry = SNAPSHOT["main-2026-06"]
    call_command(
        "scan", str(cpython_dir / "main-2026-06"), "--label", "main-2026-06", "--date", entry["date"], verbosity=0
    )
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_newcomer_signs_in_filters_claims_and_links_a_pull_request(page) -> None:
    page.goto("/accounts/login/")
    page.fill('input[name="login"]', "alice")
    page.fill('input[name="password"]', "demo-password")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_selector("text=Signed in as")

    page.goto("/tasks/")
    page.select_option("#id_campaign", "refcount")
    page.select_option("#id_status", "todo")
    page.select_option("#id_difficulty", "easy")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"campaign=refcount.*status=todo.*difficulty=easy"))
    difficulties = page.locator("table.tasks tbody td:nth-child(4)").all_inner_texts()
    assert difficulties and set(difficulties) == {"easy"}

    first = page.locator("table.tasks tbody th a").first
    name = first.inner_text()
    first.click()
    page.get_by_role("button", name="Claim this task").click()
    page.wait_for_selector("#claim-state >> text=Claimed by")
    assert "@demo-alice" in page.inner_text("#claim-state")
    assert f"You claimed {name}" in page.inner_text(".messages")

    page.fill('input[name="url"]', "https://github.com/python/cpython/pull/140002")
    page.get_by_role("button", name="Link pull request").click()
    page.wait_for_selector("text=Pull request linked")
    assert "in review" in page.inner_text(".facts")

    page.goto("/tasks/?claimed=yes")
    assert page.locator("table.tasks tbody tr").count() == 1
    assert "@demo-alice" in page.inner_text("table.tasks tbody tr")
    claim = Claim.objects.get(task__name=name)
    assert claim.pr_url == "https://github.com/python/cpython/pull/140002"


def test_anyone_downloads_the_megaissue_from_the_campaign_page(page, tmp_path: Path) -> None:
    page.goto("/campaigns/refcount/")
    assert page.locator("figure.chart .chart-wide svg").count() == 1  # (and its phone drawing, hidden here)
    assert page.locator("figure.chart svg:visible").count() == 1

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the mega-issue (Markdown)").click()

    target = tmp_path / "megaissue.md"
    download.value.save_as(target)
    assert download.value.suggested_filename == "refcount-megaissue.md"
    assert target.read_text().startswith("# Eliminate redundant refcounting in the JIT (gh-134584)")
