"""Tasks in the API: filtered lists, details, and claiming, releasing and assigning through the claim services."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, F, QuerySet, Value, When
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import filters, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from onboarding.api.claims import ClaimSerializer
from onboarding.api.errors import ERROR_RESPONSES, Conflict
from onboarding.api.permissions import IsMaintainer
from onboarding.campaigns.filters import ANY_STATUS, TaskFilter
from onboarding.campaigns.models import Task
from onboarding.campaigns.selectors import task_history, task_list
from onboarding.claims.selectors import claim_active_for_task
from onboarding.claims.services import claim_assign, claim_create, claim_release
from onboarding.contributors.selectors import contributor_get_by_handle
from onboarding.contributors.services import contributor_for_user
from onboarding.history.models import TaskFlip
from onboarding.history.selectors import task_done_flip


class TaskSerializer(serializers.ModelSerializer):
    campaign = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    claimant = serializers.CharField(read_only=True, allow_null=True, help_text="GitHub handle of the active claim.")

    class Meta:
        model = Task
        fields = [
            "id",
            "campaign",
            "name",
            "kind",
            "uop",
            "family",
            "status",
            "difficulty",
            "summary",
            "file",
            "line",
            "end_line",
            "impact",
            "claimant",
        ]


class StatusChangeSerializer(serializers.Serializer):
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    at = serializers.DateTimeField()
    snapshot = serializers.CharField(source="snapshot.label", default=None, allow_null=True)
    user = serializers.CharField(source="user.username", default=None, allow_null=True)


class TaskDetailSerializer(TaskSerializer):
    last_snapshot = serializers.CharField(source="last_snapshot.label", default=None, allow_null=True)
    history = serializers.SerializerMethodField()
    guide = serializers.CharField(
        read_only=True,
        help_text="The step-by-step guide as GitHub-flavoured Markdown (as `python -m analyzer PATH --guide NAME`); "
        "empty for tasks that need no work.",
    )

    class Meta(TaskSerializer.Meta):
        fields = [
            *TaskSerializer.Meta.fields,
            "reasons",
            "evidence",
            "macros",
            "definition",
            "last_snapshot",
            "history",
            "guide",
            "done_commit",
            "done_at",
            "done_pr",
        ]

    @extend_schema_field(StatusChangeSerializer(many=True))
    def get_history(self, task: Task) -> list[dict[str, Any]]:
        return StatusChangeSerializer(task_history(task=task), many=True).data  # type: ignore[return-value]

    # Where the task was done upstream, from ``manage.py scan_history`` (null when no backfill
    # saw it flip to done, or when a later commit reverted it).
    done_commit = serializers.SerializerMethodField(help_text="Commit (40 hex) that made the task done, or null.")
    done_at = serializers.SerializerMethodField(help_text="That commit's committer date, or null.")
    done_pr = serializers.SerializerMethodField(help_text="The pull request number its message names, or null.")

    def _done(self, task: Task) -> TaskFlip | None:
        cache: dict[int, TaskFlip | None] = self.__dict__.setdefault("_done_flips", {})
        if task.pk not in cache:
            cache[task.pk] = task_done_flip(task=task)
        return cache[task.pk]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_done_commit(self, task: Task) -> str | None:
        flip = self._done(task)
        return flip.commit if flip else None

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_done_at(self, task: Task) -> str | None:
        flip = self._done(task)
        return serializers.DateTimeField().to_representation(flip.committed_at) if flip else None

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_done_pr(self, task: Task) -> int | None:
        flip = self._done(task)
        return flip.pr_number if flip else None


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignSerializer(serializers.Serializer):
    github_handle = serializers.CharField(max_length=39)


class _SelectorFilterBackend(DjangoFilterBackend):
    """Documents ``TaskFilter``'s query parameters; the filtering itself is `task_list`'s."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        return queryset


#: ``?ordering=`` keys of the task list (``-KEY`` reverses): impact largest first, difficulty
#: easiest first (then impact), name A to Z. Tasks without impact data come last either way.
TASK_ORDERINGS = ("impact", "difficulty", "name")


def task_ordering(value: str) -> list[Any]:
    """``order_by`` terms for an ``ordering`` value (`TASK_ORDERINGS`, ``-`` prefix); raises KeyError."""
    reverse = value.startswith("-")
    key = value.removeprefix("-")
    if key not in TASK_ORDERINGS:
        raise KeyError(value)
    rank = Case(
        *(When(difficulty=d, then=Value(i)) for i, d in enumerate(Task.Difficulty.values)),
        default=Value(len(Task.Difficulty.values)),
    )
    impact_desc = F("impact").desc(nulls_last=True)
    if key == "impact":
        terms = [F("impact").asc(nulls_last=True) if reverse else impact_desc, rank.asc()]
    elif key == "difficulty":
        terms = [rank.desc() if reverse else rank.asc(), impact_desc]
    else:
        terms = [F("name").desc() if reverse else F("name").asc()]
    return [*terms, "name", "campaign__position", "pk"]


class _TaskOrderingBackend(filters.BaseFilterBackend):
    """``?ordering=impact|difficulty|name`` (``-`` reverses) on the task list; a bad value is a 400."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        value = request.query_params.get("ordering", "")
        if getattr(view, "action", None) != "list" or not value:
            return queryset
        try:
            return queryset.order_by(*task_ordering(value))
        except KeyError:
            known = ", ".join(f"{k}, -{k}" for k in TASK_ORDERINGS)
            raise ValidationError({"ordering": [f"Unknown ordering {value!r}; use one of {known}."]}) from None

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        return [
            {
                "name": "ordering",
                "required": False,
                "in": "query",
                "description": "Sort the list: `impact` (share of executed instructions, largest first), "
                "`difficulty` (easiest first, then impact) or `name`; a `-` prefix reverses. Tasks without "
                "impact data come last. Default: campaign, then name.",
                "schema": {"type": "string", "enum": [*TASK_ORDERINGS, *(f"-{k}" for k in TASK_ORDERINGS)]},
            }
        ]


class TaskViewSet(viewsets.ReadOnlyModelViewSet):
    """Tasks: one instruction or uop to convert in a campaign.

    - ``GET /api/tasks/``: tasks by campaign order and name. Query parameters (django-filter):
      ``campaign`` (slug), ``status`` (todo, claimed, in_review, done, not_applicable,
      retired, or ``any``; default: open and done tasks), ``difficulty`` (easy, medium,
      hard), ``family``, ``claimed`` (yes/no), ``q`` (name or uop contains), ``ordering``
      (``impact``: share of executed instructions, largest first; ``difficulty``: easiest
      first, then impact; ``name``; ``-`` reverses), ``page``, ``page_size``. A bad value is
      a **400** whose ``fields`` names the parameter. Each task has ``impact``, the share
      (0..1) of executed instructions whose expansion contains its uop, or null without
      pystats data.
    - ``GET /api/tasks/{id}/``: one task with its reasons, evidence, macros, definition
      source and status history; ``done_commit``, ``done_at`` and ``done_pr`` say where it was
      done upstream (from ``manage.py scan_history``; null when unknown or reverted).
    - ``POST /api/tasks/{id}/claim/``: claim it for yourself (**201**, the claim). **409**
      when it is done, retired or not applicable, already claimed, or you hold as many
      claims as allowed.
    - ``POST /api/tasks/{id}/release/`` ``{"reason"?}``: end its active claim (the claimant
      or a maintainer); the task is ``todo`` again. **409** when nobody holds it.
    - ``POST /api/tasks/{id}/assign/`` ``{"github_handle"}``: a maintainer gives it to
      someone (**201**). **400** for an unknown handle.

    Reads are public; writes need a session or a token (**401** otherwise) and are throttled
    (scope ``claims``, **429**). They use the same services as the site's pages.
    """

    filter_backends = [_SelectorFilterBackend, _TaskOrderingBackend]
    filterset_class = TaskFilter
    throttle_scope = "claims"

    def get_permissions(self) -> list[permissions.BasePermission]:
        if self.action == "assign":
            return [permissions.IsAuthenticated(), IsMaintainer()]
        if self.action in ("claim", "release"):
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_serializer_class(self) -> type[serializers.Serializer]:
        return {
            "retrieve": TaskDetailSerializer,
            "release": ReleaseSerializer,
            "assign": AssignSerializer,
            "claim": serializers.Serializer,
        }.get(self.action, TaskSerializer)

    def get_queryset(self) -> QuerySet[Task]:
        filters: Any = self.request.query_params if self.action == "list" else {"status": ANY_STATUS}
        filterset = task_list(filters=filters)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        return filterset.qs

    @extend_schema(
        request=None, responses={201: ClaimSerializer, **{c: ERROR_RESPONSES[c] for c in (401, 404, 409, 429)}}
    )
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        claim = claim_create(task=task, contributor=contributor_for_user(user=request.user))
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ClaimSerializer, **{c: ERROR_RESPONSES[c] for c in (400, 401, 403, 404, 409, 429)}})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        active = claim_active_for_task(task=task)
        if active is None:
            raise Conflict(f"{task.name} has no active claim to release.", code="no_active_claim")
        claim = claim_release(claim=active, actor=request.user, reason=body.validated_data["reason"])
        return Response(ClaimSerializer(claim).data)

    @extend_schema(responses={201: ClaimSerializer, **{c: ERROR_RESPONSES[c] for c in (400, 401, 403, 404, 409, 429)}})
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        task = self.get_object()
        body = AssignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handle = body.validated_data["github_handle"]
        contributor = contributor_get_by_handle(github_handle=handle)
        if contributor is None:
            raise ValidationError({"github_handle": [f"Nobody with the GitHub handle @{handle} has an account here."]})
        claim = claim_assign(task=task, contributor=contributor, by=request.user)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)
