"""Claims in the API: every claim with its status, and linking a pull request to one."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from onboarding.api.errors import ERROR_RESPONSES
from onboarding.claims.models import Claim, PullRequest
from onboarding.claims.services import claim_link_pull_request


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    campaign = serializers.CharField(source="campaign.slug")
    name = serializers.CharField()
    status = serializers.CharField()


class ClaimSerializer(serializers.ModelSerializer):
    task = TaskRefSerializer(read_only=True)
    contributor = serializers.CharField(source="contributor.github_handle", read_only=True)
    assigned_by = serializers.CharField(source="assigned_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "task",
            "contributor",
            "status",
            "claimed_at",
            "assigned_by",
            "released_at",
            "reason",
            "pr_url",
            "flag",
            "flagged_at",
        ]


class LinkPullRequestSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=300, help_text="https://github.com/OWNER/REPO/pull/NUMBER")


#: The largest primary key the databases store (a signed 64-bit integer, PostgreSQL's bigint and SQLite's INTEGER).
MAX_ID = 2**63 - 1


class IdFilter(filters.NumberFilter):
    """A row id: a whole number from 1 to `MAX_ID`; anything else is a 400 naming the parameter
    (a larger number reached the database and failed there: SQLite cannot bind it)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


class ClaimFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Claim.Status.choices)
    contributor = filters.CharFilter(field_name="contributor__github_handle", lookup_expr="iexact")
    campaign = filters.CharFilter(field_name="task__campaign__slug")
    task = IdFilter(field_name="task_id")
    flagged = filters.BooleanFilter(
        method="filter_flagged", help_text="true: only claims a scan flagged for a maintainer (their task went away)."
    )

    class Meta:
        model = Claim
        fields = ["status", "contributor", "campaign", "task", "flagged"]

    def filter_flagged(self, queryset: QuerySet[Claim], name: str, value: bool | None) -> QuerySet[Claim]:
        if value is None:
            return queryset
        return queryset.exclude(flag="") if value else queryset.filter(flag="")


class ClaimViewSet(viewsets.ReadOnlyModelViewSet):
    """Claims: who holds (or held) which task, newest first. A claim is a row with a history.

    - ``GET /api/claims/``: query parameters ``status`` (active, released, expired,
      completed), ``contributor`` (GitHub handle, any case), ``campaign`` (slug), ``task``
      (id), ``flagged`` (true: claims whose task a scan retired, kept for a maintainer to
      decide; ``flag`` says why), ``page``, ``page_size``. Bad values: **400** keyed by parameter.
    - ``GET /api/claims/{id}/``: one claim.
    - ``POST /api/claims/{id}/pull-request/`` ``{"url"}``: link a GitHub pull request to an
      active claim (the claimant or a maintainer); an open PR puts the task ``in_review``.
      **400** for a URL that is not a pull request, **403** for someone else's claim,
      **409** when the claim is not active or the PR belongs to another active claim.

    To claim or release, use ``/api/tasks/{id}/claim/`` and ``/api/tasks/{id}/release/``.
    Reads are public; the write needs a session or a token and is throttled (``claims``).
    """

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter
    throttle_scope = "claims"

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "pull_request":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return LinkPullRequestSerializer if self.action == "pull_request" else ClaimSerializer

    def get_queryset(self) -> QuerySet[Claim]:
        return Claim.objects.select_related("task", "task__campaign", "contributor", "assigned_by").order_by(
            "-claimed_at", "-pk"
        )

    @extend_schema(
        request=LinkPullRequestSerializer,
        responses={200: ClaimSerializer, **{c: ERROR_RESPONSES[c] for c in (400, 401, 403, 404, 409, 429)}},
    )
    @action(detail=True, methods=["post"], url_path="pull-request")
    def pull_request(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        body = LinkPullRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim_link_pull_request(claim=claim, url=body.validated_data["url"], actor=request.user)
        claim.refresh_from_db()
        return Response(ClaimSerializer(claim).data)


class PullRequestSerializer(serializers.ModelSerializer):
    tasks = TaskRefSerializer(many=True, read_only=True)
    claim = serializers.PrimaryKeyRelatedField(read_only=True)
    claimant = serializers.CharField(
        source="claim.contributor.github_handle", default=None, read_only=True, allow_null=True
    )
    author = serializers.CharField(
        source="author.github_handle",
        default=None,
        read_only=True,
        allow_null=True,
        help_text="GitHub login of who opened it; null when unknown.",
    )
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    confirmed_snapshot = serializers.SlugRelatedField(
        slug_field="label",
        read_only=True,
        allow_null=True,
        help_text="First snapshot dated on or after the merge showing one of its tasks done (at the last import).",
    )

    class Meta:
        model = PullRequest
        fields = [
            "id",
            "url",
            "repo",
            "number",
            "title",
            "state",
            "merged_at",
            "claim",
            "claimant",
            "author",
            "author_verified",
            "issue",
            "campaign",
            "changed_files",
            "opened_at",
            "link_note",
            "confirmed_snapshot",
            "tasks",
            "created_at",
            "updated_at",
        ]


class PullRequestFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=PullRequest.State.choices)
    repo = filters.CharFilter(lookup_expr="iexact")
    task = IdFilter(field_name="tasks")
    linked = filters.BooleanFilter(
        field_name="tasks", lookup_expr="isnull", exclude=True, distinct=True, label="Linked to at least one task."
    )

    class Meta:
        model = PullRequest
        fields = ["state", "repo", "task", "linked"]


class PullRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Pull requests linked to claims (pasted by contributors) or to tasks (by the GitHub webhook).

    - ``GET /api/pull-requests/``: newest first; query parameters ``state`` (open, closed,
      merged), ``repo`` (owner/name), ``task`` (id), ``linked`` (true/false: linked to a task;
      an imported PR linked to none says why in ``link_note``), ``page``, ``page_size``.
    - ``GET /api/pull-requests/{id}/``: one pull request with its tasks and claim.

    Public, read-only: pull requests arrive through claims, the webhook and ``import_pulls``/
    ``sync_pulls``, never by POST here. Unknown authors, merge dates and files are null/empty.
    """

    serializer_class = PullRequestSerializer
    filterset_class = PullRequestFilter
    permission_classes = [permissions.AllowAny]

    def get_queryset(self) -> QuerySet[PullRequest]:
        return (
            PullRequest.objects.select_related(
                "claim", "claim__contributor", "author", "campaign", "confirmed_snapshot"
            )
            .prefetch_related("tasks", "tasks__campaign")
            .order_by("-created_at", "-pk")
        )
