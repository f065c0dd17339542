"""Benchmark runs in the API: upload pyperf result files, read runs, compare two runs.

Registered on the API's router in ``onboarding.api.urls``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding.api.errors import ERROR_RESPONSES, Conflict
from onboarding.speedups.errors import BenchmarkFileInvalid, RunsNotComparable
from onboarding.speedups.forms import MAX_UPLOAD_BYTES, SeriesForm, WindowForm
from onboarding.speedups.measures import RATIO_CONVENTION, format_publisher
from onboarding.speedups.models import BenchmarkResult, BenchmarkRun
from onboarding.speedups.payloads import comparison_as_json
from onboarding.speedups.selectors import SpeedupSeries, benchmark_run_builds, comparison_get, speedup_series
from onboarding.speedups.services import benchmark_run_import
from onboarding.speedups.trends import Night, nights_by_machine, regression_list, summary_get


class BenchmarkResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkResult
        fields = ["name", "unit", "mean", "stdev", "nvalue", "nprocess"]


class BenchmarkRunSerializer(serializers.ModelSerializer):
    benchmarks = BenchmarkResultSerializer(source="results", many=True, read_only=True)

    class Meta:
        model = BenchmarkRun
        fields = [
            "id", "machine", "build", "detected_build", "hostname", "cpu_model_name", "python_version",
            "compiler", "config_args", "commit_id", "commit_branch", "commit_date", "benchmark_hash",
            "performance_version", "pyperf_version", "started_at", "finished_at", "file_name", "file_sha256",
            "imported_at", "benchmarks",
        ]  # fmt: skip


class BenchmarkRunUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A pyperf result file, .json or .json.gz.")
    machine = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="Default: hostname.")
    build = serializers.CharField(
        max_length=60, required=False, allow_blank=True, help_text="Default: read from the configure arguments."
    )

    def validate_file(self, value: Any) -> Any:
        if value.size is not None and value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return value


class BenchmarkRunViewSet(viewsets.mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Benchmark runs: pyperf result files, one build of one commit on one machine; newest import first.

    - ``GET /api/benchmark-runs/``: the runs, with each benchmark's mean and standard deviation
      (raw values stay on the server); ``page``, ``page_size``.
    - ``GET /api/benchmark-runs/{id}/``: one run.
    - ``POST /api/benchmark-runs/`` (multipart: ``file``, ``machine``?, ``build``?): import a
      file. **201** with the new run; **200** with the existing run when the same file was
      imported before (nothing changes); **400** when it is not pyperf output (``fields.file``).
      Needs a session or token; throttled (``benchmarks``).
    - ``GET /api/benchmark-runs/{baseline}/compare/{candidate}/?force=1``: the candidate
      against this run as baseline, as ``manage.py compare_runs --json``: ``geometric_mean``
      and ``benchmarks`` (``name``, ``ratio`` = baseline mean / candidate mean, above 1 = the
      candidate is faster, ``significant`` by pyperf's t-test), ``forced``, ``mismatches``.
      **409** when machine, compiler or benchmark definitions differ and ``force`` is not set;
      **400** for the same run twice or no benchmark in common.
    """

    serializer_class = BenchmarkRunSerializer
    throttle_scope = "benchmarks"

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "create":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_parsers(self) -> list[parsers.BaseParser]:
        if self.request is not None and self.request.method == "POST":
            return [parsers.MultiPartParser(), parsers.FormParser()]
        return super().get_parsers()

    def get_queryset(self) -> QuerySet[BenchmarkRun]:
        return BenchmarkRun.objects.prefetch_related("results").order_by("-imported_at", "-pk")

    @extend_schema(
        request={"multipart/form-data": BenchmarkRunUploadSerializer},
        responses={
            201: BenchmarkRunSerializer,
            200: OpenApiResponse(BenchmarkRunSerializer, description="Imported before; nothing changed."),
            **{code: ERROR_RESPONSES[code] for code in (400, 401)},
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = BenchmarkRunUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        upload = body.validated_data["file"]
        try:
            outcome = benchmark_run_import(
                content=upload.read(),
                file_name=upload.name or "upload.json",
                machine=body.validated_data.get("machine", ""),
                build=body.validated_data.get("build", ""),
            )
        except BenchmarkFileInvalid as exc:
            raise serializers.ValidationError({"file": [exc.message]}, code="benchmark_file_invalid") from None
        run = self.get_queryset().get(pk=outcome.run.pk)
        return Response(
            BenchmarkRunSerializer(run).data, status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK
        )

    @extend_schema(
        parameters=[OpenApiParameter("force", bool, description="Compare even if the runs are not comparable.")],
        responses={
            200: OpenApiResponse(description="The comparison, as compare_runs --json prints it."),
            **{code: ERROR_RESPONSES[code] for code in (400, 404, 409)},
        },
    )
    @action(detail=True, methods=["get"], url_path=r"compare/(?P<candidate>[0-9]+)")
    def compare(self, request: Request, pk: str, candidate: str) -> Response:
        baseline = self.get_object()
        other = get_object_or_404(BenchmarkRun, pk=int(candidate))
        force = request.query_params.get("force", "").lower() in {"1", "true", "yes"}
        try:
            comparison = comparison_get(baseline=baseline, candidate=other, force=force)
        except RunsNotComparable as exc:
            raise Conflict(exc.message, code="runs_not_comparable") from None
        return Response(comparison_as_json(comparison))


def _series_from(request: Request) -> tuple[SpeedupSeries, WindowForm]:
    form = SeriesForm(request.query_params, builds=benchmark_run_builds())
    window = WindowForm(request.query_params)
    errors = {**form.errors, **window.errors}
    if errors:
        raise serializers.ValidationError({field: list(messages) for field, messages in errors.items()})
    baseline_build, candidate_build = form.builds()
    return speedup_series(baseline_build=baseline_build, candidate_build=candidate_build), window


def _night_json(night: Night) -> dict[str, Any]:
    comparison = night.point.comparison
    publisher = comparison.publisher
    return {
        "machine": night.machine,
        "night": night.night.isoformat(),
        "commit_id": night.commit_id,
        "geometric_mean": night.speedup,
        "result": format_publisher(night.speedup),
        "noise_interval": [night.low, night.high],
        "rolling_average": night.rolling,
        "pyperf_geometric_mean": comparison.geometric_mean,
        "benchmarks_counted": len(publisher.benchmarks) if publisher else len(comparison.benchmarks),
        "benchmarks_left_out": [{"name": name, "why": why} for name, why in publisher.left_out] if publisher else [],
        "baseline_run": comparison.baseline.pk,
        "candidate_run": comparison.candidate.pk,
    }


_SERIES_PARAMETERS = [
    OpenApiParameter("baseline_build", str, description="Default: default."),
    OpenApiParameter("candidate_build", str, description="Default: jit."),
]
_WINDOW_PARAMETERS = [
    OpenApiParameter("start", str, description="First night, YYYY-MM-DD (default: 13 days before end)."),
    OpenApiParameter("end", str, description="Last night, YYYY-MM-DD (default: the newest night)."),
]


class SpeedupSeriesViewSet(viewsets.ViewSet):
    """``GET /api/speedup-series/``: every night per machine, the candidate build against the baseline build.

    ``geometric_mean`` is bench_runner's figure (above 1 = the candidate is faster), ``result``
    its words, ``noise_interval`` the 95 % interval, ``rolling_average`` over 4 nights.
    **400** for an unknown build.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=_SERIES_PARAMETERS, responses={200: OpenApiResponse(description="Nights per machine.")})
    def list(self, request: Request) -> Response:
        series, _window = _series_from(request)
        return Response(
            {
                "convention": RATIO_CONVENTION,
                "baseline_build": series.baseline_build,
                "candidate_build": series.candidate_build,
                "machines": {
                    machine: [_night_json(night) for night in nights]
                    for machine, nights in nights_by_machine(series).items()
                },
            }
        )


class SpeedupSummaryViewSet(viewsets.ViewSet):
    """``GET /api/speedup-summary/?start=&end=``: PEP 836's appendix table for a window of nights.

    Per machine: ``nights``, ``average`` (arithmetic mean of the nightly geometric means),
    ``low``/``high`` (range) and ``result`` in words; plus ``mean_across_machines``. **400** for
    an unknown build or a malformed date.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=_SERIES_PARAMETERS + _WINDOW_PARAMETERS,
        responses={200: OpenApiResponse(description="The summary table.")},
    )
    def list(self, request: Request) -> Response:
        series, window = _series_from(request)
        start, end = window.window()
        summary = summary_get(series, start=start, end=end)  # type: ignore[arg-type]
        return Response(
            {
                "start": summary.start.isoformat(),
                "end": summary.end.isoformat(),
                "rows": [
                    {
                        "machine": row.machine,
                        "configuration": row.configuration,
                        "nights": row.nights,
                        "average": row.average,
                        "low": row.low,
                        "high": row.high,
                        "result": row.words,
                    }
                    for row in summary.rows
                ],
                "mean_across_machines": summary.mean_across_machines,
                "result": summary.words,
            }
        )


class SpeedupRegressionViewSet(viewsets.ViewSet):
    """``GET /api/speedup-regressions/``: flagged nights, newest first (rule in `trends.regression_list`).

    Each with the night, the previous nights' range, which build moved (``verdict``), the
    benchmarks that moved most, the commits in between (``first_commit`` exclusive,
    ``last_commit``, ``compare_url``) and the change events that landed in between.
    """

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=_SERIES_PARAMETERS, responses={200: OpenApiResponse(description="Flagged nights.")})
    def list(self, request: Request) -> Response:
        series, _window = _series_from(request)
        return Response(
            [
                {
                    **_night_json(item.night),
                    "previous_nights": [night.night.isoformat() for night in item.previous],
                    "previous_range": [item.floor, max(night.speedup for night in item.previous)],
                    "verdict": item.verdict,
                    "baseline_change": item.baseline_change,
                    "candidate_change": item.candidate_change,
                    "movers": [
                        {"name": mover.name, "ratio": mover.ratio, "median_before": mover.before}
                        for mover in item.movers
                    ],
                    "first_commit": item.first_commit,
                    "last_commit": item.last_commit,
                    "compare_url": item.compare_url,
                    "changes": [
                        {"date": event.date.isoformat(), "title": event.title, "link": event.link}
                        for event in item.changes
                    ],
                    "conversions": [
                        {"url": conv.pull_request.url, "title": conv.label, "merged_at": conv.merged_at}
                        for conv in item.conversions
                    ],
                }
                for item in regression_list(series)
            ]
        )
