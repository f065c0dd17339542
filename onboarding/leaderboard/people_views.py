"""Pages about people and pull requests (issue 10): the bus factor per JIT stage, and the PRs linked to nothing.

Each view parses the request, calls one selector and renders; a bad ``as_of`` answers 400 with the reason.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from onboarding.claims.selectors import pull_request_uncredited_groups, pull_request_unlinked_groups
from onboarding.contributors.busfactor import ACTIVE_MINIMUM, STAGES, WINDOWS, bus_factor
from onboarding.contributors.selectors import contributor_is_maintainer


class BusFactorForm(forms.Form):
    """``as_of``: the day the windows end on (YYYY-MM-DD); empty for today."""

    as_of = forms.DateField(required=False, label="As of", input_formats=["%Y-%m-%d"], help_text="YYYY-MM-DD")


@require_GET
def bus_factor_page(request: HttpRequest) -> HttpResponse:
    form = BusFactorForm(request.GET)
    context: dict[str, object] = {
        "form": form,
        "stages": STAGES,
        "windows": WINDOWS,
        "minimum": ACTIVE_MINIMUM,
        "table": None,
    }
    if not form.is_valid():
        return render(request, "leaderboard/bus_factor.html", context, status=400)
    context["table"] = bus_factor(as_of=form.cleaned_data.get("as_of"))
    return render(request, "leaderboard/bus_factor.html", context)


@login_required
@require_GET
def unlinked_pull_requests(request: HttpRequest) -> HttpResponse:
    """Maintainers only: imported PRs linked to no task, and linked merged PRs credited to nobody, by reason."""
    if not contributor_is_maintainer(user=request.user):
        raise PermissionDenied("Only maintainers can see the pull requests to relink.")
    return render(
        request,
        "leaderboard/unlinked_pulls.html",
        {"unlinked": pull_request_unlinked_groups(), "uncredited": pull_request_uncredited_groups()},
    )
