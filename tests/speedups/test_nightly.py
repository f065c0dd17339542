"""The real nightly bench_runner tree (../shared/benchmarks/nightly-aarch64): import, the publisher's
geometric means, the PEP 836 summary, regressions and attribution, on the real series."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from onboarding.claims.models import PullRequest
from onboarding.speedups.measures import format_publisher
from onboarding.speedups.models import BenchmarkRun, ChangeEvent, ComparisonRecord
from onboarding.speedups.selectors import SpeedupSeries, speedup_series
from onboarding.speedups.trends import (
    attribution_list,
    conversions_outside_nights,
    nights_by_machine,
    regression_list,
    summary_get,
)

pytestmark = pytest.mark.django_db

NIGHTLY = "benchmarks/nightly-aarch64"


@pytest.fixture(scope="module")
def nightly(django_db_setup: None, django_db_blocker: object, shared_dir: Path) -> Iterator[Path]:
    """The whole tree imported once for this module (with its bench_runner.toml and perf_events.yaml)."""
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        call_command("import_benchmarks", str(shared_dir / NIGHTLY), verbosity=0, stdout=io.StringIO())
        call_command("import_perf_events", str(shared_dir / "doesjitgobrrr/perf_events.yaml"), stdout=io.StringIO())
    yield shared_dir / NIGHTLY
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        BenchmarkRun.objects.all().delete()
        ChangeEvent.objects.all().delete()


@pytest.fixture
def series(nightly: Path) -> SpeedupSeries:
    return speedup_series(baseline_build="default", candidate_build="jit")


def published_figures(readme: Path) -> dict[str, str]:
    """The README's table of bench_runner's published figures: night (YYYYMMDD) -> "1.073x faster"."""
    rows = re.findall(r"^\s*\| bm-(\d{8})-\S+-JIT \| (\d\.\d{3}x (?:faster|slower)) \|", readme.read_text(), re.M)
    return dict(rows)


def test_the_tree_imports_with_machine_build_configuration_and_exclusions(nightly: Path) -> None:
    runs = BenchmarkRun.objects.all()
    excluded = tomllib.loads((nightly / "bench_runner.toml").read_text())["benchmarks"]["excluded_benchmarks"]

    assert runs.count() == 36
    assert set(runs.values_list("machine", flat=True)) == {"sulaco"}
    assert runs.filter(build="jit", configuration="JIT").count() == 18
    assert runs.filter(build="default", configuration="").count() == 18
    assert all(run.excluded_benchmarks == sorted(excluded) for run in runs)
    run = runs.get(build="jit", commit_id="29805f0")
    assert run.commit_merge_base.startswith("50fe49c") and run.benchmark_hash == "ac5fd1"
    assert run.night == dt.date(2026, 6, 2)
    # Every pair's comparison was computed at import and kept.
    assert ComparisonRecord.objects.filter(selection="").count() >= 18


def test_importing_the_tree_again_changes_nothing_and_shows_progress(nightly: Path) -> None:
    out = io.StringIO()

    call_command("import_benchmarks", str(nightly), stdout=out)

    assert BenchmarkRun.objects.count() == 36
    assert "[36/36] Unchanged: " in out.getvalue()
    assert "0 created, 36 unchanged, 0 not imported." in out.getvalue()


def test_the_geometric_means_agree_with_what_bench_runner_published(series: SpeedupSeries, nightly: Path) -> None:
    published = published_figures(nightly / "README.md")
    nights = {night.night.strftime("%Y%m%d"): night for night in nights_by_machine(series)["sulaco"]}

    assert len(published) == 6 and len(nights) == 18
    for date, text in published.items():
        value = float(text.split("x")[0])
        ratio = value if text.endswith("faster") else 2.0 - value  # bench_runner writes 1 + (1 - g)
        assert format_publisher(nights[date].speedup) == text
        assert nights[date].speedup == pytest.approx(ratio, rel=0.005)


def test_the_low_night_is_flagged_as_a_regression_of_the_jit_build_not_a_bad_pairing(series: SpeedupSeries) -> None:
    regressions = regression_list(series)

    assert [item.night.night for item in regressions] == [dt.date(2026, 6, 2)]
    [item] = regressions
    assert item.night.speedup < item.floor and item.night.high < item.floor
    assert item.verdict.startswith("a regression of the jit build, not a bad pairing")
    assert item.candidate_change is not None and item.candidate_change < 0.92  # the JIT runs got slower
    assert item.baseline_change is not None and abs(item.baseline_change - 1) < 0.02  # the default runs did not
    assert (item.first_commit, item.last_commit) == ("a5be25d", "29805f0")
    assert all(mover.change < 0.75 for mover in item.movers) and len(item.movers) == 5
    assert "https://github.com/python/cpython/pull/150551" in [event.link for event in item.changes]


def test_regressions_are_on_the_page_in_the_feed_and_in_the_api(nightly: Path) -> None:
    page = Client().get(reverse("speedups:overview")).content.decode()
    feed = Client().get(reverse("speedups:regressions-feed")).content.decode()
    api = APIClient().get("/api/speedup-regressions/")

    assert 'id="regression-sulaco-20260602"' in page and "1.063x slower" in page
    assert "sulaco: rolling average of 4 nights" in page and "regression flagged" in page
    assert "<entry><title>sulaco 2026-06-02 (29805f0): 1.063x slower" in feed
    assert "compare/a5be25d...29805f0" in feed
    assert api.status_code == 200
    assert [item["night"] for item in api.json()] == ["2026-06-02"]
    assert api.json()[0]["movers"][0]["name"] in page


def test_the_summary_of_a_window_averages_its_nights(series: SpeedupSeries) -> None:
    start, end = dt.date(2026, 6, 16), dt.date(2026, 6, 27)
    chosen = [night.speedup for night in nights_by_machine(series)["sulaco"] if start <= night.night <= end]

    summary = summary_get(series, start=start, end=end)

    [row] = summary.rows
    assert row.nights == len(chosen) == 2
    assert row.average == pytest.approx(sum(chosen) / 2)
    assert (row.low, row.high) == (min(chosen), max(chosen))
    assert row.words == f"{(row.average - 1) * 100:.1f}% faster"
    assert summary.mean_across_machines == row.average


def test_the_summary_downloads_as_csv_and_is_served_by_the_api(nightly: Path) -> None:
    query = "?start=2026-06-16&end=2026-06-27"
    response = Client().get(reverse("speedups:summary-csv") + query)
    api = APIClient().get("/api/speedup-summary/" + query).json()

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0]["machine"] == "sulaco" and rows[0]["nights"] == "2"
    assert rows[-1]["machine"] == "mean across machines"
    assert float(rows[0]["average"]) == pytest.approx(api["rows"][0]["average"], abs=1e-4)
    assert api["rows"][0]["result"] == rows[0]["result"]


def test_a_malformed_window_is_a_400_with_the_reason(nightly: Path) -> None:
    api = APIClient().get("/api/speedup-summary/?start=2026-13-45")
    page = Client().get(reverse("speedups:overview") + "?start=2026-06-27&end=2026-06-16")

    assert api.status_code == 400 and "start" in api.json()["error"]["fields"]
    assert page.status_code == 400 and "The window&#x27;s start is after its end." in page.content.decode()


@pytest.fixture
def merged_at(db: None) -> Callable[..., PullRequest]:
    def make(when: dt.datetime, number: int) -> PullRequest:
        return PullRequest.objects.create(
            url=f"https://github.com/python/cpython/pull/{number}",
            repo="python/cpython",
            number=number,
            title="a merged conversion",
            state=PullRequest.State.MERGED,
            merged_at=when,
        )

    return make


def test_attribution_uses_the_nights_on_each_side_and_lists_everything_in_between(
    series: SpeedupSeries, merged_at: Callable[..., PullRequest]
) -> None:
    merged_at(dt.datetime(2026, 6, 4, 12, tzinfo=dt.UTC), 150916)
    other = merged_at(dt.datetime(2026, 6, 5, 12, tzinfo=dt.UTC), 150999)

    attribution = next(item for item in attribution_list(series) if item.conversion.pull_request.number == 150916)

    assert [night.night for night in attribution.before] == [
        dt.date(2026, 5, 18),
        dt.date(2026, 5, 25),
        dt.date(2026, 6, 2),
    ]
    assert [night.night for night in attribution.after] == [
        dt.date(2026, 6, 8),
        dt.date(2026, 6, 16),
        dt.date(2026, 6, 22),
    ]
    assert attribution.delta == pytest.approx(attribution.after_speedup / attribution.before_speedup)
    assert attribution.low < attribution.delta < attribution.high
    # The 2026-06-02 night sits among the nights before: the spread is wide and the delta within noise.
    assert not attribution.beyond_noise
    assert "https://github.com/python/cpython/pull/150916" in [event.link for event in attribution.events]
    assert [conv.pull_request for conv in attribution.conversions] == [other]


def test_attribution_with_too_few_nights_says_not_enough_data(
    series: SpeedupSeries, merged_at: Callable[..., PullRequest]
) -> None:
    merged_at(dt.datetime(2026, 4, 25, tzinfo=dt.UTC), 149001)

    [attribution] = attribution_list(series)

    assert attribution.delta is None and attribution.low is None
    assert attribution.note == (
        "not enough data: 1 night on sulaco before the merge and 3 nights after; 2 on each side are needed"
    )


def test_conversions_far_from_every_night_are_counted_not_attributed(
    series: SpeedupSeries, merged_at: Callable[..., PullRequest]
) -> None:
    old = merged_at(dt.datetime(2025, 3, 4, tzinfo=dt.UTC), 130001)
    merged_at(dt.datetime(2026, 6, 4, 12, tzinfo=dt.UTC), 150916)

    assert [item.conversion.pull_request.number for item in attribution_list(series)] == [150916]
    assert [item.pull_request for item in conversions_outside_nights(series)] == [old]
    page = Client().get(reverse("speedups:overview")).content.decode()
    assert "1 other merged conversion (2025-03-04 to 2025-03-04) landed too far from any night" in page


def test_compare_runs_and_the_api_give_the_publisher_figure_beside_pyperf(nightly: Path) -> None:
    default = BenchmarkRun.objects.get(commit_id="29805f0", build="default")
    jit = BenchmarkRun.objects.get(commit_id="29805f0", build="jit")
    out = io.StringIO()

    call_command("compare_runs", str(default.pk), str(jit.pk), stdout=out)
    data = APIClient().get(f"/api/benchmark-runs/{default.pk}/compare/{jit.pk}/").json()

    assert "bench_runner's overall geometric mean: 0.937 (1.063x slower) over 111 benchmarks" in out.getvalue()
    assert "unpack_sequence (excluded by the runner's bench_runner.toml)" in out.getvalue()
    assert data["publisher"]["result"] == "1.063x slower"
    assert {"name": "unpack_sequence", "why": "excluded by the runner's bench_runner.toml"} in data["publisher"][
        "left_out"
    ]
