"""Pages of the speedups app: each parses the request, calls one service or selector, and renders.

Refusals (`onboarding.speedups.errors`) are shown on the page with a 4xx status, never a 500.
"""

from __future__ import annotations

import csv
import datetime as dt
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onboarding.speedups.charts import RATIO_COLOURS, benchmark_means_svg, comparison_ratios_svg, speedup_chart_svg
from onboarding.speedups.errors import BenchmarkFileInvalid, NothingToCompare, RunsNotComparable
from onboarding.speedups.forms import ComparisonForm, RunUploadForm, SeriesForm, WindowForm
from onboarding.speedups.measures import RATIO_CONVENTION
from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.selectors import (
    SpeedupSeries,
    benchmark_result_history,
    benchmark_run_builds,
    benchmark_run_get,
    benchmark_run_list,
    comparison_get,
    conversion_merged_list,
    speedup_series,
)
from onboarding.speedups.services import benchmark_run_import
from onboarding.speedups.trends import (
    ATTRIBUTION_MIN_NIGHTS,
    ATTRIBUTION_NIGHTS,
    PEP836_TARGETS,
    ROLLING_NIGHTS,
    Summary,
    attribution_list,
    change_events_between,
    conversions_outside_nights,
    nights_by_machine,
    regression_list,
    summary_get,
)
from onboarding.web.charts import ChartPair, chart_pair
from onboarding.web.pagecache import memoize


@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    # Every costly part, the forms too, is a callable run once, when the template first asks for
    # it: the template memoizes its content per data version and query, so a hit computes none
    # of them. Whether the query is valid (the status) is memoized per data version and query too.
    form = cache(lambda: SeriesForm(request.GET, builds=memoize("benchmark-run-builds", benchmark_run_builds)))
    window_form = cache(lambda: WindowForm(request.GET))

    @cache
    def series() -> SpeedupSeries:
        baseline_build, candidate_build = form().builds()
        return speedup_series(baseline_build=baseline_build, candidate_build=candidate_build)

    markers = cache(conversion_merged_list)
    regressions = cache(lambda: regression_list(series()))
    nights = cache(lambda: nights_by_machine(series()))

    def _events() -> list[Any]:
        days = [night.night for items in nights().values() for night in items]
        return change_events_between(min(days) - dt.timedelta(days=1), max(days)) if days else []

    events = cache(_events)

    def _chart() -> ChartPair:
        baseline_build, candidate_build = form().builds()
        title = f"{candidate_build} against {baseline_build}: geometric mean per night and machine"
        return chart_pair(
            speedup_chart_svg, series(), markers=markers(), title=title, events=events(), regressions=regressions()
        )

    def _summary() -> Summary:
        start, end = window_form().window()
        return summary_get(series(), start=start, end=end)  # type: ignore[arg-type]

    query = request.GET.urlencode()
    valid = memoize(f"speedups-overview-valid:{query}", lambda: form().is_valid() and window_form().is_valid())
    return render(
        request,
        "speedups/overview.html",
        {
            "form": form,
            "window_form": window_form,
            "series": series,
            "nights": nights,
            "chart": cache(_chart),
            "targets": PEP836_TARGETS,
            "markers": markers,
            "events": events,
            "regressions": regressions,
            "summary": cache(_summary),
            "attributions": cache(lambda: attribution_list(series())),
            "conversions_outside": cache(lambda: conversions_outside_nights(series())),
            "convention": RATIO_CONVENTION,
            "rolling_nights": ROLLING_NIGHTS,
            "attribution_nights": ATTRIBUTION_NIGHTS,
            "attribution_min_nights": ATTRIBUTION_MIN_NIGHTS,
            "query": query,
        },
        status=200 if valid else 400,
    )


@require_GET
def summary_csv(request: HttpRequest) -> HttpResponse:
    """The PEP 836-style summary table as CSV (same query parameters as the page)."""
    form = SeriesForm(request.GET, builds=benchmark_run_builds())
    window_form = WindowForm(request.GET)
    if not (form.is_valid() and window_form.is_valid()):
        errors = {**form.errors, **window_form.errors}
        return HttpResponse(
            "; ".join(f"{field}: {' '.join(messages)}" for field, messages in errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    baseline_build, candidate_build = form.builds()
    start, end = window_form.window()
    summary = summary_get(
        speedup_series(baseline_build=baseline_build, candidate_build=candidate_build),
        start=start,  # type: ignore[arg-type]
        end=end,  # type: ignore[arg-type]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="speedups-{candidate_build}-vs-{baseline_build}-{summary.start}-{summary.end}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["machine", "configuration", "start", "end", "nights", "average", "low", "high", "result"])
    for row in summary.rows:
        writer.writerow(
            [row.machine, row.configuration, summary.start, summary.end, row.nights,
             f"{row.average:.4f}", f"{row.low:.4f}", f"{row.high:.4f}", row.words]
        )  # fmt: skip
    if summary.mean_across_machines is not None:
        writer.writerow(
            ["mean across machines", f"{candidate_build} vs {baseline_build}", summary.start, summary.end,
             sum(row.nights for row in summary.rows), f"{summary.mean_across_machines:.4f}", "", "", summary.words]
        )  # fmt: skip
    return response


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    return _run_list_page(request, RunUploadForm())


@login_required
@require_POST
def run_upload(request: HttpRequest) -> HttpResponse:
    form = RunUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _run_list_page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        outcome = benchmark_run_import(
            content=upload.read(),
            file_name=upload.name or "upload.json",
            machine=form.cleaned_data["machine"],
            build=form.cleaned_data["build"],
        )
    except BenchmarkFileInvalid as exc:
        form.add_error("file", exc.message)
        return _run_list_page(request, form, status=400)
    run = outcome.run
    if outcome.created:
        messages.success(request, f"Imported {run.file_name} as run {run.pk} ({run.build} on {run.machine}).")
    else:
        messages.info(request, f"{run.file_name} was already imported as run {run.pk}; nothing changed.")
    return redirect("speedups:run", pk=run.pk)


@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        run = benchmark_run_get(run_id=pk)
    except BenchmarkRun.DoesNotExist:
        raise Http404(f"No benchmark run {pk}.") from None
    return render(request, "speedups/run_detail.html", {"run": run, "results": run.results.all()})


@require_GET
def comparison_pick(request: HttpRequest) -> HttpResponse:
    if not request.GET:  # nothing picked yet: the picker, without errors for fields nobody has filled in
        return _run_list_page(request, RunUploadForm())
    form = ComparisonForm(request.GET)
    if not form.is_valid():
        return _run_list_page(request, RunUploadForm(), comparison_form=form, status=400)
    return redirect(
        _comparison_url(form.cleaned_data["baseline"].pk, form.cleaned_data["candidate"].pk, form.cleaned_data["force"])
    )


@require_GET
def comparison_detail(request: HttpRequest, baseline: int, candidate: int) -> HttpResponse:
    runs = BenchmarkRun.objects.in_bulk([baseline, candidate])
    if baseline not in runs or candidate not in runs:
        raise Http404("No such benchmark run.")
    force = request.GET.get("force") == "1"
    context: dict[str, object] = {
        "baseline": runs[baseline],
        "candidate": runs[candidate],
        "convention": RATIO_CONVENTION,
    }
    try:
        context["comparison"] = comparison_get(baseline=runs[baseline], candidate=runs[candidate], force=force)
    except RunsNotComparable as exc:
        context.update(
            refusal=exc.extra["lead"],
            reasons=exc.extra["reasons"],
            advice=exc.extra["advice"],
            force_url=_comparison_url(baseline, candidate, True),
        )
        return render(request, "speedups/comparison.html", context, status=409)
    except NothingToCompare as exc:
        context["refusal"] = exc.message
        return render(request, "speedups/comparison.html", context, status=400)
    title = f"Run {candidate} against run {baseline}: ratio per benchmark"
    context["chart"] = memoize(
        f"comparison-chart:{baseline}/{candidate}/{force}",
        lambda: chart_pair(comparison_ratios_svg, context["comparison"], title=title),
    )
    context["chart_colours"] = RATIO_COLOURS
    return render(request, "speedups/comparison.html", context)


@require_GET
def benchmark_detail(request: HttpRequest, name: str) -> HttpResponse:
    history = list(benchmark_result_history(name=name))
    if not history:
        raise Http404(f"No benchmark called {name!r} in any run.")
    form = SeriesForm(request.GET, builds=benchmark_run_builds())
    baseline_build, candidate_build = form.builds()
    series = speedup_series(baseline_build=baseline_build, candidate_build=candidate_build, benchmark=name)
    title = f"{name}: {candidate_build} against {baseline_build} per machine"
    return render(
        request,
        "speedups/benchmark_detail.html",
        {
            "name": name,
            "history": history,
            "form": form,
            "series": series,
            "chart": memoize(
                f"benchmark-chart:{name}/{baseline_build}/{candidate_build}",
                lambda: chart_pair(speedup_chart_svg, series, markers=conversion_merged_list(), title=title),
            ),
            "means_chart": memoize(
                f"benchmark-means-chart:{name}",
                lambda: chart_pair(benchmark_means_svg, history, title=f"{name}: mean per machine and build"),
            ),
            "convention": RATIO_CONVENTION,
        },
        status=200 if form.is_valid() else 400,
    )


def _run_list_page(
    request: HttpRequest,
    upload_form: RunUploadForm,
    *,
    comparison_form: ComparisonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "speedups/run_list.html",
        {
            "runs": benchmark_run_list(),
            "upload_form": upload_form,
            "comparison_form": comparison_form or ComparisonForm(),
        },
        status=status,
    )


def _comparison_url(baseline: int, candidate: int, force: bool) -> str:
    url = reverse("speedups:compare", args=[baseline, candidate])
    return f"{url}?{urlencode({'force': 1})}" if force else url
