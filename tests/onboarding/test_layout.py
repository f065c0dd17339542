"""Every page fits a phone (390 px) and a desktop (1366 px) without horizontal scrolling; dark mode follows the system.

Playwright drives Debian's Chromium (see test_browser.py) against a live server holding the
newest snapshot's scan, the real pull requests of the JIT mega-issues and real pyperf results. A page
"fits" when the document is no wider than the viewport: wide tables and code may scroll
inside their own box, the page itself may not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from onboarding.campaigns.models import Task
from onboarding.claims.services import claim_create
from onboarding.contributors.models import Contributor
from onboarding.contributors.services import contributor_for_user
from onboarding.speedups.models import BenchmarkRun

from .conftest import ROOT, SNAPSHOT
from .test_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = pytest.mark.browser

WIDTHS = (390, 1366)


@pytest.fixture
def site(live_server, cpython_dir: Path) -> str:
    """The live server's URL, with a scan, the demo contributions, real benchmark runs and a claim of alice's."""
    call_command("loaddata", str(ROOT / "fixtures" / "users.json"), verbosity=0)
    entry = SNAPSHOT["main-2026-06"]
    call_command(
        "scan", str(cpython_dir / "main-2026-06"), "--label", "main-2026-06", "--date", entry["date"], verbosity=0
    )
    call_command("import_pulls", str(cpython_dir.parent / "github" / "cpython-jit-pulls.json"), verbosity=0)
    benchmarks = cpython_dir.parent / "benchmarks"
    recent = sorted((benchmarks / "pyperf").glob("*.json"))[-2:]
    call_command("import_benchmarks", str(benchmarks / "pyperf-jit"), *map(str, recent), verbosity=0)
    alice = User.objects.get(username="alice")
    task = Task.objects.filter(status=Task.Status.TODO).order_by("name").first()
    claim_create(task=task, contributor=contributor_for_user(user=alice))
    return str(live_server.url)


def page_paths() -> list[str]:
    """Every kind of page, with real ids from the database."""
    task = Task.objects.exclude(definition="").order_by("-end_line").first()  # a long definition
    runs = list(BenchmarkRun.objects.order_by("pk").values_list("pk", flat=True))
    benchmark = BenchmarkRun.objects.get(pk=runs[-1]).results.order_by("pk").first()
    handle = Contributor.objects.filter(claims__isnull=False).order_by("pk").first().github_handle
    return [
        "/",
        "/campaigns/refcount/",
        "/campaigns/optimizer/",
        "/tasks/",
        "/tasks/find/",
        f"/tasks/{task.campaign.slug}/{task.name}/",
        "/scans/",
        "/speedups/",
        "/speedups/runs/",
        f"/speedups/runs/{runs[-1]}/",
        "/speedups/compare/",
        f"/speedups/compare/{runs[0]}/{runs[-1]}/",
        f"/speedups/compare/{runs[0]}/{runs[1]}/",  # default against JIT of one commit: the ratio chart
        f"/speedups/benchmarks/{benchmark.name}/" if benchmark is not None else "/speedups/",
        "/leaderboard/",
        f"/leaderboard/contributors/{handle}/",
        "/claims/mine/",
        "/accounts/login/",
        "/no-such-page/",
    ]


def overflow(page, path: str) -> str | None:
    page.goto(path)
    width, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width <= viewport:
        return None
    culprit = page.evaluate(
        """() => {
            const vw = window.innerWidth;
            const wide = [...document.querySelectorAll('main *, header *, footer *')]
                .filter(e => e.getBoundingClientRect().right > vw + 1)
                .filter(e => !e.closest('.table-scroll, pre, .code, table'));
            const e = wide[wide.length - 1];
            return e ? e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : '') : '?';
        }"""
    )
    return f"{path}: {width} px wide in a {viewport} px viewport (e.g. {culprit})"


def test_every_page_fits_a_phone_and_a_desktop(browser, site: str) -> None:  # noqa: F811
    paths = page_paths()
    problems = []
    for width in WIDTHS:
        context = browser.new_context(base_url=site, viewport={"width": width, "height": 900})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto("/accounts/login/")
        page.fill('input[name="login"]', "alice")
        page.fill('input[name="password"]', "demo-password")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_selector("text=Signed in as", state="attached")
        for path in paths:
            if path == "/accounts/login/":
                continue  # signed in: the login page redirects
            problem = overflow(page, path)
            if problem:
                problems.append(f"{width} px, signed in: {problem}")
        anonymous = browser.new_context(base_url=site, viewport={"width": width, "height": 900}).new_page()
        for path in ("/", "/tasks/", "/leaderboard/", "/accounts/login/", "/no-such-page/"):
            problem = overflow(anonymous, path)
            if problem:
                problems.append(f"{width} px, anonymous: {problem}")
        anonymous.context.close()
        context.close()
    assert not problems, "\n".join(problems)


#: Pages that draw charts (with the fixture's data), each of which must show one.
CHART_PAGES = ("/", "/campaigns/refcount/", "/speedups/", "ratio chart")
#: The smallest text a chart may show, in CSS px: the wide 800-unit drawing squeezed into a phone's
#: column showed its 12-unit labels 5 px tall.
MIN_CHART_TEXT_PX = 9

CHARTS_SHOWN = """() => [...document.querySelectorAll('figure.chart')].map(figure => {
    const shown = [...figure.querySelectorAll(':scope > div')].filter(div => div.getClientRects().length > 0);
    const texts = shown.flatMap(div => [...div.querySelectorAll('svg text')]).filter(text => {
        const style = getComputedStyle(text);
        return text.textContent.trim() && text.getBBox().width > 0 && style.opacity !== '0' && style.display !== 'none';
    });
    // The size a reader sees: the font size in SVG units times the scale the viewBox gets on screen.
    const sizes = texts.map(text => {
        const m = text.getScreenCTM();
        return parseFloat(getComputedStyle(text).fontSize) * Math.hypot(m.a, m.b);
    });
    return {
        shown: shown.map(div => div.className),
        figureScrolls: figure.scrollWidth > figure.clientWidth,
        drawingScrolls: shown.some(div => div.scrollWidth > div.clientWidth),
        svgRight: Math.max(...shown.map(div => div.querySelector('svg').getBoundingClientRect().right)),
        figureRight: figure.getBoundingClientRect().right,
        texts: texts.length,
        smallest: Math.min(...sizes),
    };
})"""


def test_charts_show_their_narrow_drawing_on_a_phone_with_readable_text(browser, site: str) -> None:  # noqa: F811
    paths = page_paths()
    ratio_chart = paths[12]  # default against JIT of one commit
    problems = []
    pages_with_charts = set()
    for width, drawing in ((390, "chart-narrow"), (1366, "chart-wide")):
        page = browser.new_context(base_url=site, viewport={"width": width, "height": 900}).new_page()
        page.set_default_timeout(15_000)
        for path in paths:
            page.goto(path)
            for index, chart in enumerate(page.evaluate(CHARTS_SHOWN)):
                pages_with_charts.add("ratio chart" if path == ratio_chart else path)
                where = f"{width} px, {path}, chart {index + 1}"
                if chart["shown"] != [drawing]:
                    problems.append(f"{where}: shows {chart['shown']}, not [{drawing!r}]")
                    continue
                if chart["figureScrolls"] or chart["drawingScrolls"] or chart["svgRight"] > chart["figureRight"] + 1:
                    problems.append(f"{where}: scrolls sideways or sticks out of its figure ({chart})")
                if chart["texts"] == 0 or chart["smallest"] < MIN_CHART_TEXT_PX:
                    problems.append(f"{where}: {chart['texts']} texts, the smallest {chart['smallest']:.1f} px tall")
        page.context.close()
    missing = set(CHART_PAGES) - pages_with_charts
    assert not missing, f"no chart on {sorted(missing)}: the test would check nothing there"
    assert not problems, "\n".join(problems)


def test_charts_stay_on_a_light_card_in_dark_mode_on_a_phone(browser, site: str) -> None:  # noqa: F811
    page = browser.new_context(base_url=site, viewport={"width": 390, "height": 900}, color_scheme="dark").new_page()
    page.goto("/")

    background = page.evaluate("getComputedStyle(document.querySelector('figure.chart')).backgroundColor")
    shown = page.evaluate("getComputedStyle(document.querySelector('figure.chart .chart-narrow')).display")

    assert luminance(background) > 0.9 and shown == "block"


def test_the_phone_menu_folds_and_opens(browser, site: str) -> None:  # noqa: F811
    page = browser.new_context(base_url=site, viewport={"width": 390, "height": 800}).new_page()
    page.goto("/")
    tasks_link = page.locator("#site-nav").get_by_role("link", name="Tasks", exact=True)
    assert not tasks_link.is_visible()

    page.get_by_role("button", name="Menu").click()

    assert tasks_link.is_visible()
    assert page.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "true"
    desktop = browser.new_context(base_url=site, viewport={"width": 1366, "height": 800}).new_page()
    desktop.goto("/")
    assert desktop.locator("#site-nav").get_by_role("link", name="Tasks", exact=True).is_visible()
    assert not desktop.get_by_role("button", name="Menu").is_visible()


def test_dark_mode_follows_the_system_setting(browser, site: str) -> None:  # noqa: F811
    def colours(scheme: str) -> tuple[float, float]:
        page = browser.new_context(base_url=site, color_scheme=scheme).new_page()
        page.goto("/tasks/")
        rgb = page.evaluate(
            """() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"""
        )
        page.context.close()
        return tuple(luminance(c) for c in rgb)  # type: ignore[return-value]

    light_bg, light_fg = colours("light")
    dark_bg, dark_fg = colours("dark")
    assert light_bg > 0.9 and light_fg < 0.2
    assert dark_bg < 0.1 and dark_fg > 0.7


def luminance(css_colour: str) -> float:
    """Relative luminance (WCAG) of an ``rgb(r, g, b)`` colour, 0 (black) to 1 (white)."""
    r, g, b = (int(v) / 255 for v in css_colour[css_colour.index("(") + 1 : css_colour.index(")")].split(",")[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
