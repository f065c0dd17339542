"""Campaigns in the API: list, detail with task counts, and the mega-issue Markdown."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.campaigns.models import Campaign
from onboarding.campaigns.selectors import campaign_counts, campaign_list, campaign_megaissue


class CampaignSerializer(serializers.ModelSerializer):
    counts = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["slug", "title", "issue", "issue_url", "summary", "counts"]

    def get_counts(self, campaign: Campaign) -> dict[str, int]:
        counts = campaign_counts(campaign)
        return {
            "todo": counts.todo,
            "claimed": counts.claimed,
            "in_review": counts.in_review,
            "done": counts.done,
            "not_applicable": counts.not_applicable,
            "retired": counts.retired,
            "total": counts.total,
        }


class MarkdownRenderer(BaseRenderer):
    """``Accept: text/markdown``: the mega-issue as the Markdown file itself."""

    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if isinstance(data, dict) and "markdown" in data:
            return str(data["markdown"]).encode("utf-8")
        # An error under text/markdown still says what went wrong.
        return JSONRenderer().render(data)


class CampaignViewSet(viewsets.ReadOnlyModelViewSet):
    """Campaigns: one conversion effort each, modelled on a CPython mega-issue.

    - ``GET /api/campaigns/``: every campaign in registry order, with task counts per
      status (``total`` leaves out not-applicable and retired tasks). Paginated.
    - ``GET /api/campaigns/{slug}/``: one campaign; **404** for an unknown slug.
    - ``GET /api/campaigns/{slug}/megaissue/``: ``{"campaign", "markdown"}``, the mega-issue
      checklist the site's download and ``manage.py megaissue`` give (one renderer);
      with ``Accept: text/markdown`` (or ``?format=md``) the Markdown file itself.

    Public: no authentication needed.
    """

    serializer_class = CampaignSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "slug"
    lookup_value_regex = "[-a-zA-Z0-9_]+"

    def get_queryset(self) -> QuerySet[Campaign]:
        return campaign_list()

    @extend_schema(
        responses={
            200: inline_serializer(
                "Megaissue", {"campaign": serializers.CharField(), "markdown": serializers.CharField()}
            ),
            404: ERROR_RESPONSES[404],
        }
    )
    @action(detail=True, renderer_classes=[JSONRenderer, BrowsableAPIRenderer, MarkdownRenderer])
    def megaissue(self, request: Request, slug: str) -> Response:
        campaign = self.get_object()
        markdown = campaign_megaissue(campaign=campaign, site_url=request.build_absolute_uri("/"))
        return Response({"campaign": campaign.slug, "markdown": markdown})
