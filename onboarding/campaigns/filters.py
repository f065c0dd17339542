"""The task list's filters (django-filter): campaign, status, difficulty, family, claimed or not."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet

from onboarding.campaigns.models import Campaign, Task
from onboarding.claims.models import Claim

#: The status filter's default: work that is still open or finished, without the noise.
HIDDEN_BY_DEFAULT = (Task.Status.NOT_APPLICABLE, Task.Status.RETIRED)
ANY_STATUS = "any"


def _family_choices() -> list[tuple[str, str]]:
    families = Task.objects.exclude(family="").order_by("family").values_list("family", flat=True).distinct()
    return [(f, f) for f in families]


class TaskFilter(django_filters.FilterSet):
    """Filters for ``task_list``; an empty status hides not-applicable and retired tasks."""

    campaign = django_filters.ModelChoiceFilter(
        field_name="campaign",
        to_field_name="slug",
        queryset=Campaign.objects.all(),
        empty_label="any campaign",
    )
    status = django_filters.ChoiceFilter(
        choices=[*Task.Status.choices, (ANY_STATUS, "any, incl. not applicable and retired")],
        method="filter_status",
        empty_label="open or done",
    )
    difficulty = django_filters.ChoiceFilter(choices=Task.Difficulty.choices, empty_label="any difficulty")
    family = django_filters.ChoiceFilter(choices=_family_choices, empty_label="any family")
    claimed = django_filters.ChoiceFilter(
        choices=[("yes", "claimed"), ("no", "unclaimed")],
        method="filter_claimed",
        label="Claimed",
        empty_label="claimed or not",
    )
    q = django_filters.CharFilter(method="filter_name", label="Name contains")

    class Meta:
        model = Task
        fields = ["campaign", "status", "difficulty", "family", "claimed", "q"]

    def filter_queryset(self, queryset: QuerySet[Task]) -> QuerySet[Task]:
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status__in=HIDDEN_BY_DEFAULT)
        return super().filter_queryset(queryset)

    def filter_status(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset if value == ANY_STATUS else queryset.filter(status=value)

    def filter_claimed(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        active = Exists(Claim.objects.filter(task=OuterRef("pk"), status=Claim.Status.ACTIVE))
        return queryset.filter(active) if value == "yes" else queryset.filter(~active)

    def filter_name(self, queryset: QuerySet[Task], name: str, value: str) -> QuerySet[Task]:
        return queryset.filter(Q(name__icontains=value) | Q(uop__icontains=value))
