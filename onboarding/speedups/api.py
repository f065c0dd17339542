"""Benchmark runs in the API: upload pyperf result files, read runs, compare two runs.

Registered on the API's router (``onboarding.api.urls`` imports every app's ``api`` module).
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
from onboarding.api.urls import router
from onboarding.speedups.errors import BenchmarkFileInvalid, RunsNotComparable
from onboarding.speedups.forms import MAX_UPLOAD_BYTES
from onboarding.speedups.models import BenchmarkResult, BenchmarkRun
from onboarding.speedups.payloads import comparison_as_json
from onboarding.speedups.selectors import comparison_get
from onboarding.speedups.services import benchmark_run_import


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


router.register("benchmark-runs", BenchmarkRunViewSet, basename="benchmarkrun")
