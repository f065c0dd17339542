"""Contributors in the API: GitHub handles, maintainers, and how many tasks each holds."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from rest_framework import permissions, serializers, viewsets

from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor


class ContributorSerializer(serializers.ModelSerializer):
    active_claims = serializers.IntegerField(read_only=True)
    completed_claims = serializers.IntegerField(read_only=True)

    class Meta:
        model = Contributor
        fields = ["github_handle", "is_maintainer", "active_claims", "completed_claims", "created_at"]


class ContributorViewSet(viewsets.ReadOnlyModelViewSet):
    """Contributors: the people behind claims, by GitHub handle.

    - ``GET /api/contributors/``: by handle, with their counts of active and completed
      claims. Paginated.
    - ``GET /api/contributors/{github_handle}/``: one contributor; **404** when unknown.

    Public, read-only. Scores and profiles live under the leaderboard's endpoints.
    """

    serializer_class = ContributorSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "github_handle__iexact"
    lookup_url_kwarg = "github_handle"
    lookup_value_regex = "[A-Za-z0-9-]+"

    def get_queryset(self) -> QuerySet[Contributor]:
        return Contributor.objects.annotate(
            active_claims=Count("claims", filter=Q(claims__status=Claim.Status.ACTIVE)),
            completed_claims=Count("claims", filter=Q(claims__status=Claim.Status.COMPLETED)),
        ).order_by("github_handle")
