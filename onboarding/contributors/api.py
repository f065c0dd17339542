"""The bus factor per JIT stage in the API (``GET /api/bus-factor/``), registered on ``onboarding.api.urls.router``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.claims.models import PullRequest
from onboarding.contributors.busfactor import ACTIVE_MINIMUM, BusFactor, bus_factor


class BusFactorQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(
        required=False, input_formats=["%Y-%m-%d"], help_text="The day the windows end on (YYYY-MM-DD); default today."
    )


class _PullRefSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    url = serializers.URLField()


class _CellSerializer(serializers.Serializer):
    window = serializers.CharField(help_text="90d, 1y or all.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Distinct people with merged work in the stage and window.")
    people = serializers.ListField(child=serializers.CharField(), help_text="Their GitHub handles, sorted.")
    pull_requests = serializers.IntegerField(help_text="Merged PRs counted in the cell (including unknown authors).")
    flagged = serializers.BooleanField(help_text="count < minimum: the stage rests on one person or nobody.")


class _StageSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    paths = serializers.ListField(child=serializers.CharField(), help_text="Files; a path ending in / is a folder.")
    campaigns = serializers.ListField(child=serializers.CharField(), help_text="Used when a PR's files tell nothing.")
    windows = _CellSerializer(many=True)


class BusFactorSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    newest_merge = serializers.DateField(allow_null=True)
    minimum = serializers.IntegerField(help_text="Fewer distinct people than this flags a cell.")
    merged = serializers.IntegerField(help_text="Merged pull requests known up to as_of.")
    files_unknown = serializers.IntegerField(help_text="Of those, how many have no known changed file.")
    by_campaign = serializers.IntegerField(help_text="Placed in a stage by their campaign, not their files.")
    stages = _StageSerializer(many=True)
    unattributed = _PullRefSerializer(many=True, help_text="Merged PRs in no stage: files and campaign say nothing.")
    unknown_people = _PullRefSerializer(many=True, help_text="Merged PRs whose author is unknown or unconfirmed.")
    undated = _PullRefSerializer(many=True, help_text="Merged PRs with an unknown merge date (all time only).")


def _refs(prs: list[PullRequest]) -> list[dict[str, Any]]:
    return [{"number": pr.number, "url": pr.url} for pr in prs]


def bus_factor_data(table: BusFactor) -> dict[str, Any]:
    """The JSON shape of `BusFactorSerializer`."""
    return {
        "as_of": table.as_of,
        "newest_merge": table.newest_merge,
        "minimum": ACTIVE_MINIMUM,
        "merged": table.merged,
        "files_unknown": table.files_unknown,
        "by_campaign": table.by_campaign,
        "stages": [
            {
                "slug": row.stage.slug,
                "title": row.stage.title,
                "paths": list(row.stage.paths),
                "campaigns": list(row.stage.campaigns),
                "windows": [
                    {
                        "window": cell.window,
                        "label": cell.label,
                        "count": cell.count,
                        "people": [p.github_handle for p in cell.people],
                        "pull_requests": cell.pull_requests,
                        "flagged": cell.flagged,
                    }
                    for cell in row.windows
                ],
            }
            for row in table.rows
        ],
        "unattributed": _refs(table.unattributed),
        "unknown_people": _refs(table.unknown_people),
        "undated": _refs(table.undated),
    }


class _OneObjectSchema(AutoSchema):
    """The ``list`` route of this viewset answers one object (the table), not a list."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class BusFactorViewSet(viewsets.ViewSet):
    """Distinct people with merged work per JIT stage and window (``onboarding.contributors.busfactor``).

    - ``GET /api/bus-factor/?as_of=YYYY-MM-DD``: windows ``90d``, ``1y`` and ``all`` ending on
      ``as_of`` (default today); each stage lists its cells with the people's handles and a
      ``flagged`` mark below ``minimum``; ``unattributed``, ``unknown_people`` and ``undated``
      list what the data cannot place. **400** for a malformed ``as_of``.
    """

    permission_classes = [permissions.AllowAny]
    schema = _OneObjectSchema()

    @extend_schema(
        parameters=[BusFactorQuerySerializer], responses={200: BusFactorSerializer, 400: ERROR_RESPONSES[400]}
    )
    def list(self, request: Request) -> Response:
        query = BusFactorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        table = bus_factor(as_of=query.validated_data.get("as_of"))
        return Response(BusFactorSerializer(bus_factor_data(table)).data)
