"""The leaderboard and contributor profiles in the API, registered on ``onboarding.api.urls.router``.

Routes: ``/api/leaderboard/`` and ``/api/contributors/{handle}/profile/``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.selectors import (
    WINDOWS,
    Profile,
    campaign_choice_list,
    contributor_get,
    contributor_profile,
    leaderboard_list,
    window_since,
)


class LeaderboardQuerySerializer(serializers.Serializer):
    """The query parameters of ``GET /api/leaderboard/``."""

    campaign = serializers.CharField(required=False, help_text="A campaign's slug; all campaigns when absent.")
    window = serializers.ChoiceField(choices=list(WINDOWS), default="all", help_text="all or 30d.")

    def validate_campaign(self, value: str) -> object:
        campaigns = {c.slug: c for c in campaign_choice_list()}
        if value not in campaigns:
            raise serializers.ValidationError(
                f"No campaign {value!r}; use one of: {', '.join(campaigns) or 'none yet'}."
            )
        return campaigns[value]


class LeaderboardRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    github_handle = serializers.CharField()
    name = serializers.CharField(source="contributor.display_name")
    points = serializers.IntegerField()
    conversions = serializers.IntegerField()
    reviews = serializers.IntegerField()
    mentoring = serializers.IntegerField()
    finished_at = serializers.DateTimeField(help_text="When the latest scoring work was merged or recorded.")
    profile = serializers.SerializerMethodField()

    def get_profile(self, row: Any) -> str:
        return reverse("api:contributor-profile-detail", args=[row.github_handle], request=self.context.get("request"))


class LeaderboardViewSet(viewsets.GenericViewSet):
    """The leaderboard: contributors ranked by points from merged, re-scan-confirmed work.

    - ``GET /api/leaderboard/``: rows ``{rank, github_handle, name, points, conversions,
      reviews, mentoring, finished_at, profile}``, best first; ties go to the earlier
      ``finished_at``; ``rank`` counts from the top of the whole board, across pages. Query
      parameters: ``campaign`` (slug), ``window`` (``all``, default, or ``30d``), ``page``,
      ``page_size``. **400** with ``fields`` naming a bad parameter.

    Scoring rule: `onboarding.leaderboard.selectors.conversion_queryset`. Public, read-only;
    three SQL queries a page (two aggregates and the page's people), however many contributors.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = LeaderboardRowSerializer
    # Only for the schema generator (the model of the rows); `list` reads `leaderboard_list`.
    queryset = Contributor.objects.none()

    @extend_schema(
        parameters=[LeaderboardQuerySerializer],
        responses={200: LeaderboardRowSerializer(many=True), 400: ERROR_RESPONSES[400]},
    )
    def list(self, request: Request) -> Response:
        query = LeaderboardQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = leaderboard_list(
            campaign=query.validated_data.get("campaign"), since=window_since(query.validated_data["window"])
        )
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class BadgeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    earned_at = serializers.DateTimeField(allow_null=True)


class ConversionSerializer(serializers.Serializer):
    task = serializers.CharField(source="task.name")
    campaign = serializers.CharField(source="task.campaign.slug")
    difficulty = serializers.CharField(source="task.difficulty")
    pull_request = serializers.URLField(source="pull_request.url")
    merged_at = serializers.DateTimeField()
    points = serializers.IntegerField()


class ProfilePullRequestSerializer(serializers.Serializer):
    url = serializers.URLField()
    title = serializers.CharField()
    state = serializers.CharField()
    merged_at = serializers.DateTimeField(allow_null=True)
    tasks = serializers.SerializerMethodField(help_text="Names of the tasks linked to the pull request.")

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tasks(self, pr: PullRequest) -> list[str]:
        return [task.name for task in pr.tasks.all()]


class CampaignWorkSerializer(serializers.Serializer):
    campaign = serializers.CharField(source="campaign.slug")
    title = serializers.CharField(source="campaign.title")
    conversions = serializers.IntegerField()
    points = serializers.IntegerField()
    finished = serializers.BooleanField(help_text="The campaign has no open task left.")


class RecognitionSerializer(serializers.Serializer):
    kind = serializers.CharField()
    task = serializers.CharField(source="task.name", default=None, allow_null=True)
    pull_request = serializers.URLField(source="pull_request.url", default=None, allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.github_handle")
    at = serializers.DateTimeField()
    note = serializers.CharField()


class ProfileSerializer(serializers.Serializer):
    github_handle = serializers.CharField(source="contributor.github_handle")
    name = serializers.CharField(source="contributor.display_name")
    points = serializers.IntegerField()
    rank = serializers.IntegerField(allow_null=True, help_text="All-time rank; null without points.")
    first_contribution = serializers.DateTimeField(allow_null=True)
    badges = BadgeSerializer(many=True)
    campaigns = CampaignWorkSerializer(many=True)
    conversions = ConversionSerializer(many=True)
    pull_requests = ProfilePullRequestSerializer(many=True)
    recognitions = RecognitionSerializer(many=True)


class ContributorProfileViewSet(viewsets.GenericViewSet):
    """A contributor's profile: points, rank, badges, tasks done, pull requests, campaigns.

    - ``GET /api/contributors/{github_handle}/profile/``: ``{github_handle, name, points,
      rank, first_contribution, badges, campaigns, conversions, pull_requests,
      recognitions}``; conversions oldest first. **404** for an unknown handle.

    Public, read-only; a fixed number of SQL queries whatever the number of contributors.
    """

    permission_classes = [permissions.AllowAny]
    serializer_class = ProfileSerializer
    lookup_url_kwarg = "github_handle"
    lookup_value_regex = "[A-Za-z0-9-]+"

    @extend_schema(
        parameters=[OpenApiParameter("github_handle", OpenApiTypes.STR, OpenApiParameter.PATH)],
        responses={200: ProfileSerializer, 404: ERROR_RESPONSES[404]},
    )
    @action(detail=True, methods=["get"], url_path="profile", url_name="detail")
    def profile(self, request: Request, github_handle: str) -> Response:
        contributor = contributor_get(github_handle=github_handle)
        if contributor is None:
            raise Http404(f"No contributor @{github_handle}.")
        profile: Profile = contributor_profile(contributor=contributor)
        return Response(self.get_serializer(profile).data)
