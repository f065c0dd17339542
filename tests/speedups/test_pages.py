"""The speedups pages: overview chart, runs and upload, comparisons, drill-down."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import math
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from onboarding.speedups.measures import noise_interval
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import comparison_get, comparison_mismatches
from onboarding.web.charts import NARROW_WIDTH
from tests.speedups.conftest import (
    FC_310_REFERENCE,
    FC_20221112,
    FC_20221119,
    JIT_JIT,
    MULT_LIST_36,
    MULT_LIST_38,
)

pytestmark = pytest.mark.django_db

CONVENTION = "Ratio = baseline mean ÷ candidate mean: above 1.00 the candidate is faster"


@pytest.fixture
def signed_in(client: Client, django_user_model: type[User]) -> Client:
    client.force_login(django_user_model.objects.create_user(username="keeper", password="pw"))
    return client


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


class TestOverview:
    def test_shows_the_chart_with_target_lines_and_the_point_table(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(reverse("speedups:overview"))

        page = text(response)
        assert response.status_code == 200
        assert CONVENTION in page
        assert "<svg" in page and "PEP 836: 5% (JIT + GIL vs GIL)" in page and "PEP 836: 20%" in page
        assert "0.993" in page and "1.01x slower" in page
        assert "No conversion has been merged yet, so there are no conversion markers." in page
        assert reverse("speedups:compare", args=[jit_pair[0].pk, jit_pair[1].pk]) in page

    def test_marks_merged_conversions_and_says_when_there_is_not_enough_data(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun], merged_pull_request: Callable[..., object]
    ) -> None:
        merged_pull_request(dt.datetime(2026, 8, 20, tzinfo=dt.UTC), number=140321)

        page = text(client.get(reverse("speedups:overview")))

        assert "merged conversion" in page
        assert "python/cpython#140321" in page
        assert "not enough data: 1 night on vm before the merge and 0 nights after" in page

    def test_without_runs_explains_what_to_import(self, client: Client) -> None:
        response = client.get(reverse("speedups:overview"))

        assert response.status_code == 200
        assert "<svg" not in text(response)
        assert "No machine has comparable jit and default runs of the same commit yet." in text(response)

    def test_an_unknown_build_is_a_400_with_the_field_error(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(reverse("speedups:overview"), {"candidate_build": "pgo"})

        assert response.status_code == 400
        assert "Select a valid choice. pgo is not one of the available choices." in text(response)

    def test_is_linked_from_the_site_navigation(self, client: Client) -> None:
        page = text(client.get(reverse("speedups:runs")))

        assert f'<a href="{reverse("speedups:overview")}">Speedups</a>' in page


class TestRunsAndUpload:
    def test_run_list_shows_each_run_with_its_build_and_commit(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(reverse("speedups:runs"))

        page = text(response)
        assert response.status_code == 200
        assert "20260811-0edaa75-jit-gcc-x86_64.json" in page and "20260811-0edaa75-default-gcc-x86_64.json" in page
        assert "<code>0edaa75</code>" in page
        assert "Sign in</a> to import files" in page

    def test_run_list_is_newest_commit_first_and_runs_without_a_commit_date_last(
        self, client: Client, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        # Imported in an order that is neither the commit order nor its reverse.
        undated = import_file(MULT_LIST_36)
        middle, oldest, newest = import_file(FC_20221112), import_file(FC_310_REFERENCE), import_file(FC_20221119)
        assert undated.commit_date is None

        page = text(client.get(reverse("speedups:runs")))

        body = page[page.index('<h2 id="runs">') :]
        body = body[body.index("<tbody>") : body.index("</tbody>")]
        rows = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
        assert [re.sub(r"<[^>]+>", "", cells[0]) for cells in rows] == [
            str(run.pk) for run in (newest, middle, oldest, undated)
        ]
        assert [cells[4] for cells in rows] == ["2022-11-19", "2022-11-12", "2022-03-23", "–"]  # Commit date

    def test_the_run_picker_offers_runs_newest_commit_first(
        self, client: Client, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        oldest, newest = import_file(FC_310_REFERENCE), import_file(FC_20221119)

        page = text(client.get(reverse("speedups:runs")))

        picker = page[page.index('name="baseline"') :]
        assert picker.index(f'value="{newest.pk}"') < picker.index(f'value="{oldest.pk}"')

    def test_upload_imports_the_file_and_shows_the_run(self, signed_in: Client, benchmarks_dir: Path) -> None:
        upload = SimpleUploadedFile("jit.json", (benchmarks_dir / JIT_JIT).read_bytes())

        response = signed_in.post(
            reverse("speedups:run-upload"), {"file": upload, "machine": "", "build": ""}, follow=True
        )

        run = BenchmarkRun.objects.get()
        assert response.redirect_chain == [(reverse("speedups:run", args=[run.pk]), 302)]
        assert f"Imported jit.json as run {run.pk} (jit on vm)." in text(response)
        assert "richards" in text(response) and "48.0 ms" in text(response)

    def test_upload_of_a_gzipped_file_with_a_build_override(self, signed_in: Client, benchmarks_dir: Path) -> None:
        upload = SimpleUploadedFile("run.json.gz", gzip.compress((benchmarks_dir / MULT_LIST_36).read_bytes()))

        signed_in.post(reverse("speedups:run-upload"), {"file": upload, "machine": "laptop", "build": "jit"})

        run = BenchmarkRun.objects.get()
        assert (run.machine, run.build, run.detected_build, run.file_name) == (
            "laptop",
            "jit",
            "default",
            "run.json.gz",
        )

    def test_uploading_the_same_file_again_changes_nothing_and_says_so(
        self, signed_in: Client, benchmarks_dir: Path
    ) -> None:
        content = (benchmarks_dir / JIT_JIT).read_bytes()
        signed_in.post(reverse("speedups:run-upload"), {"file": SimpleUploadedFile("a.json", content)})

        response = signed_in.post(
            reverse("speedups:run-upload"), {"file": SimpleUploadedFile("b.json", content)}, follow=True
        )

        run = BenchmarkRun.objects.get()
        assert f"a.json was already imported as run {run.pk}; nothing changed." in text(response)

    def test_upload_of_a_non_pyperf_file_shows_the_error_with_a_400(
        self, signed_in: Client, benchmarks_dir: Path
    ) -> None:
        upload = SimpleUploadedFile("README.md", (benchmarks_dir / "README.md").read_bytes())

        response = signed_in.post(reverse("speedups:run-upload"), {"file": upload})

        assert response.status_code == 400
        assert "README.md is not a pyperf result file: it is not JSON" in text(response)
        assert BenchmarkRun.objects.count() == 0

    def test_upload_without_a_file_is_a_400(self, signed_in: Client) -> None:
        response = signed_in.post(reverse("speedups:run-upload"), {})

        assert response.status_code == 400
        assert "This field is required." in text(response)

    def test_upload_needs_an_account(self, client: Client, benchmarks_dir: Path) -> None:
        upload = SimpleUploadedFile("jit.json", (benchmarks_dir / JIT_JIT).read_bytes())

        response = client.post(reverse("speedups:run-upload"), {"file": upload})

        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert BenchmarkRun.objects.count() == 0

    def test_run_detail_lists_benchmarks_with_pyperf_formatted_means(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        default, _ = jit_pair

        page = text(client.get(reverse("speedups:run", args=[default.pk])))

        assert "&#x27;CC=gcc&#x27;" in page
        # pyperf compare_to prints this run's unpack_sequence as "53.6 ns +- 9.3 ns".
        assert re.search(r">unpack_sequence</a></th>\s*<td>53.6 ns \+- 9.3 ns</td>", page)
        assert "0edaa75d86fbd8907f132ae567e4df8d31691849" in page

    def test_an_unknown_run_is_a_404(self, client: Client) -> None:
        assert client.get(reverse("speedups:run", args=[999])).status_code == 404


class TestComparisonPage:
    def test_shows_a_table_per_benchmark_with_the_geometric_mean_and_convention(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        default, jit = jit_pair

        response = client.get(reverse("speedups:compare", args=[default.pk, jit.pk]))

        page = text(response)
        assert response.status_code == 200
        assert CONVENTION in page
        assert "Geometric mean over 15 benchmarks: 0.993, the candidate is 1.01x slower" in page
        # The means as pyperf compare_to prints them: "64.0 ms +- 10.9 ms -> 48.0 ms +- 8.5 ms: 1.33x faster".
        assert re.search(
            r">richards</a></th>\s*<td>64.0 ms \+- 10.9 ms</td>\s*<td>48.0 ms \+- 8.5 ms</td>\s*"
            r"<td>1.334</td>\s*<td>1.33x faster</td>",
            page,
        )
        table = page[page.index('<table class="data comparison">') : page.index("</table>")]
        assert table.count("not significant") == 2
        assert "forced comparison" not in page.lower()

    def test_shows_a_chart_of_the_ratios_with_their_noise_sorted_by_ratio(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        default, jit = jit_pair
        comparison = comparison_get(baseline=default, candidate=jit)

        page = text(client.get(reverse("speedups:compare", args=[default.pk, jit.pk])))

        figure = re.search(r'<figure class="chart comparison-chart">(.*?)</figure>', page, re.S)
        assert figure is not None
        # Drawn twice (web/_chart.html): 800 units wide for screens, NARROW_WIDTH for phones.
        drawings = dict(re.findall(r'<div class="chart-(wide|narrow)">(<svg.*?</svg>)</div>', figure.group(1), re.S))
        assert set(drawings) == {"wide", "narrow"}
        svg = drawings["wide"]
        # Scales to the column (site.css: .chart svg { width: 100% }): a viewBox, no fixed size.
        for drawing, width in ((svg, 800), (drawings["narrow"], NARROW_WIDTH)):
            tag = drawing[: drawing.index(">")]
            assert f'viewBox="0 0 {width} ' in tag and " width=" not in tag and " height=" not in tag
        assert drawings["narrow"].count('class="rect reactive tooltip-trigger"') == len(comparison.benchmarks)
        assert not re.search(r'(href|src)="(https?:)?//', svg)  # nothing loaded from elsewhere
        # One bar per benchmark, labelled on the axis from the lowest ratio up (pygal draws upwards).
        names = [bench.name for bench in sorted(comparison.benchmarks, key=lambda bench: (bench.ratio, bench.name))]
        axis = re.search(r'<g class="axis y[^"]*">(.*?)</g>\s*<g class="axis x', svg, re.S)
        assert axis is not None
        assert re.findall(r"<text[^>]*>([^<]+)</text>", axis.group(1)) == names
        assert svg.count('class="rect reactive tooltip-trigger"') == len(names)
        # A whisker per benchmark whose noise is known: the interval of the table's ratio.
        with_noise = [bench for bench in comparison.benchmarks if math.isfinite(bench.log_stderr)]
        assert with_noise and svg.count('class="ci"') == len(with_noise)
        richards = next(bench for bench in comparison.benchmarks if bench.name == "richards")
        low, high = noise_interval(richards.ratio, richards.log_stderr)
        assert f"1.33x faster; 95% noise {low:.3f}–{high:.3f}" in svg
        # The 1.00 line, where the bars start, is the one major guide.
        assert re.findall(r'class="major guide line" />\s*<text[^>]*>([^<]+)</text>', svg) == ["1.000"]

    def test_the_pick_form_redirects_to_the_comparison(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        default, jit = jit_pair

        response = client.get(reverse("speedups:compare-pick"), {"baseline": default.pk, "candidate": jit.pk})

        assert response.status_code == 302
        assert response["Location"] == reverse("speedups:compare", args=[default.pk, jit.pk])

    def test_the_picker_without_a_choice_yet_shows_no_errors(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(reverse("speedups:compare-pick"))

        assert response.status_code == 200
        assert 'name="baseline"' in text(response) and 'name="candidate"' in text(response)
        assert "This field is required." not in text(response)

    def test_the_picker_with_one_run_missing_says_what_is_missing(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(reverse("speedups:compare-pick"), {"baseline": jit_pair[0].pk})

        assert response.status_code == 400
        assert text(response).count("This field is required.") == 1

    def test_the_pick_form_refuses_the_same_run_twice(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]
    ) -> None:
        response = client.get(
            reverse("speedups:compare-pick"), {"baseline": jit_pair[0].pk, "candidate": jit_pair[0].pk}
        )

        assert response.status_code == 400
        assert "Pick two different runs." in text(response)

    def test_mismatched_runs_are_refused_with_reasons_and_a_forcing_link(
        self, client: Client, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

        response = client.get(reverse("speedups:compare", args=[reference.pk, recent.pk]))

        page = text(response)
        assert response.status_code == 409
        assert "Not compared" in page
        assert "benchmark definitions (bench_runner&#x27;s benchmark_hash) differs" in page
        assert f'href="{reverse("speedups:compare", args=[reference.pk, recent.pk])}?force=1"' in page
        assert '<table class="data comparison">' not in page
        assert "<svg" not in page

    def test_the_refusal_says_each_reason_once(self, client: Client, import_file: Callable[..., BenchmarkRun]) -> None:
        reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)
        reasons = comparison_mismatches(baseline=reference, candidate=recent)
        assert reasons, "the fixture runs differ"

        page = html.unescape(text(client.get(reverse("speedups:compare", args=[reference.pk, recent.pk]))))

        for reason in reasons:
            assert page.count(reason) == 1, reason
        assert page.count("force it only knowingly") == 1
        assert f"Run {recent.pk} cannot be compared fairly with run {reference.pk}:" in page

    def test_a_forced_comparison_is_labelled(self, client: Client, import_file: Callable[..., BenchmarkRun]) -> None:
        reference, recent = import_file(FC_310_REFERENCE), import_file(FC_20221119)

        response = client.get(reverse("speedups:compare", args=[reference.pk, recent.pk]), {"force": "1"})

        page = text(response)
        assert response.status_code == 200
        assert "<title>FORCED: " in page
        assert "Forced comparison: not like for like" in page
        assert "Geometric mean (forced)" in page
        assert "1.70x faster" in page

    def test_runs_without_common_benchmarks_are_a_400(
        self, client: Client, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        mult_list, fc = import_file(MULT_LIST_38), import_file(FC_20221119)

        response = client.get(reverse("speedups:compare", args=[mult_list.pk, fc.pk]), {"force": "1"})

        assert response.status_code == 400
        assert "have no benchmark in common" in text(response)

    def test_an_unknown_run_is_a_404(self, client: Client, import_file: Callable[..., BenchmarkRun]) -> None:
        run = import_file(MULT_LIST_36)

        assert client.get(reverse("speedups:compare", args=[run.pk, 999])).status_code == 404


class TestBenchmarkDrillDown:
    def test_shows_the_benchmark_over_time_and_every_run_of_it(
        self, client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun], import_file: Callable[..., BenchmarkRun]
    ) -> None:
        import_file(FC_20221119)

        response = client.get(reverse("speedups:benchmark", args=["richards"]))

        page = text(response)
        assert response.status_code == 200
        assert CONVENTION in page
        assert "<svg" in page and "PEP 836: 20%" in page
        assert re.search(r"<td>1.334</td>\s*<td>1.33x faster</td>", page)
        assert "41.6 ms" in page  # the Faster CPython run of richards, listed too
        assert "richards: mean per machine and build" in page
        assert "pyperf · default" in page and "vm · jit" in page
        assert page.count(">run ") >= 3

    def test_works_for_benchmark_names_with_punctuation(
        self, client: Client, import_file: Callable[..., BenchmarkRun]
    ) -> None:
        import_file(MULT_LIST_36)
        url = reverse("speedups:benchmark", args=["[1,2]*1000"])

        response = client.get(url)

        assert response.status_code == 200
        assert "3.70 us" in text(response)
        assert "No machine has comparable jit and default runs of one commit with this benchmark." in text(response)

    def test_an_unknown_benchmark_is_a_404(self, client: Client) -> None:
        assert client.get(reverse("speedups:benchmark", args=["nope"])).status_code == 404


def test_breadcrumbs_end_on_the_current_page(client: Client, jit_pair: tuple[BenchmarkRun, BenchmarkRun]) -> None:
    default, jit = jit_pair
    pages = {
        reverse("speedups:runs"): "Runs",
        reverse("speedups:run", args=[jit.pk]): f"Run {jit.pk}",
        reverse("speedups:compare", args=[default.pk, jit.pk]): f"Run {jit.pk} against run {default.pk}",
        reverse("speedups:benchmark", args=["richards"]): "richards",
    }
    for url, current in pages.items():
        page = text(client.get(url))

        crumbs = re.search(r'<p class="breadcrumbs">(.*?)</p>', page)
        assert crumbs is not None, url
        assert crumbs.group(1).startswith(f'<a href="{reverse("speedups:overview")}">JIT speedups</a> › '), url
        assert crumbs.group(1).endswith(f'› <span aria-current="page">{current}</span>'), url
