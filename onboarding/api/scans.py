"""Scans in the API: their status and progress, and starting or re-running one as a Celery job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.api.permissions import IsMaintainer
from onboarding.snapshots.models import Scan
from onboarding.snapshots.queued import scan_enqueue, scan_rerun


class ScanSerializer(serializers.ModelSerializer):
    snapshot = serializers.CharField(source="snapshot.label", default=None, read_only=True, allow_null=True)
    duration = serializers.SerializerMethodField(help_text="Seconds, once finished.")

    class Meta:
        model = Scan
        fields = [
            "id",
            "label",
            "commit",
            "repository",
            "date",
            "status",
            "progress",
            "created_at",
            "started_at",
            "finished_at",
            "duration",
            "error",
            "counts",
            "changes",
            "snapshot",
        ]

    def get_duration(self, scan: Scan) -> float | None:
        return scan.duration.total_seconds() if scan.duration is not None else None


class ScanCreateSerializer(serializers.Serializer):
    path = serializers.CharField(max_length=1000, help_text="A CPython checkout on the server, or its bytecodes.c.")
    label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    commit = serializers.RegexField(r"^[0-9a-f]{7,40}$", required=False, allow_blank=True)
    repository = serializers.RegexField(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", max_length=200, required=False)
    date = serializers.DateField(required=False, allow_null=True)

    def validate_path(self, value: str) -> str:
        if "\x00" in value:
            raise serializers.ValidationError("Not a path.")
        path = Path(value)
        try:
            found = (path / "Python" / "bytecodes.c").is_file() or (path.name == "bytecodes.c" and path.is_file())
        except OSError:  # a name too long for the file system, say (found by schemathesis)
            found = False
        if not found:
            raise serializers.ValidationError(
                "No CPython sources here: give a checkout holding Python/bytecodes.c, or that file."
            )
        return value


class ScanFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Scan.Status.choices)
    label = filters.CharFilter()

    class Meta:
        model = Scan
        fields = ["status", "label"]


class ScanViewSet(viewsets.mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Scans: runs of the analyzer over a CPython snapshot, newest first.

    - ``GET /api/scans/``: query parameters ``status`` (pending, running, succeeded,
      failed), ``label``, ``page``, ``page_size``.
    - ``GET /api/scans/{id}/``: one scan: ``status``, ``progress`` (the steps reported so
      far), ``counts``, ``changes``, and ``error`` (the analyzer's message) when it failed.
    - ``POST /api/scans/`` ``{"path", "label"?, "commit"?, "repository"?, "date"?}``:
      maintainers queue a scan of sources on the server; **202** with the ``pending`` scan,
      which a Celery worker runs (in-process without a broker). **400** when no
      ``Python/bytecodes.c`` is at ``path``; **503** when the broker is unreachable (the scan
      is then ``failed`` and says so; re-run it).
    - ``POST /api/scans/{id}/rerun/``: queue a failed scan, or one whose worker died, again
      (**202**); **409** for a scan that succeeded.

    Reads are public; writes need a maintainer's session or token and are throttled (``scans``).
    """

    throttle_scope = "scans"
    filterset_class = ScanFilter

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action in ("create", "rerun"):
            return [permissions.IsAuthenticated(), IsMaintainer()]
        return [permissions.AllowAny()]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        if self.action == "create":
            return ScanCreateSerializer
        if self.action == "rerun":
            return serializers.Serializer
        return ScanSerializer

    def get_queryset(self) -> QuerySet[Scan]:
        return Scan.objects.select_related("snapshot").order_by("-created_at", "-pk")

    @extend_schema(
        request=ScanCreateSerializer,
        responses={202: ScanSerializer, **{c: ERROR_RESPONSES[c] for c in (400, 401, 403, 429, 503)}},
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ScanCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items() if v not in ("", None)}
        scan = scan_enqueue(**data)
        scan.refresh_from_db()
        return Response(ScanSerializer(scan).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=None,
        responses={202: ScanSerializer, **{c: ERROR_RESPONSES[c] for c in (401, 403, 404, 409, 429, 503)}},
    )
    @action(detail=True, methods=["post"])
    def rerun(self, request: Request, pk: str) -> Response:
        scan = scan_rerun(scan=self.get_object())
        scan.refresh_from_db()
        return Response(ScanSerializer(scan).data, status=status.HTTP_202_ACCEPTED)
