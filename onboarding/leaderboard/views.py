"""Leaderboard pages: each parses the request, calls one selector or service, and renders.

Bad query parameters answer 400 with the form's errors; refusals from services become
messages on the page, never a server error.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onboarding.campaigns.models import Campaign
from onboarding.contributors.models import Contributor
from onboarding.contributors.selectors import contributor_get_for_user
from onboarding.errors import ApplicationError, NotAllowed
from onboarding.leaderboard.credits import credits_events_yaml, credits_markdown
from onboarding.leaderboard.forms import LeaderboardFilterForm, RecognitionForm
from onboarding.leaderboard.selectors import (
    WINDOWS,
    campaign_choice_list,
    campaign_credits,
    celebration_list,
    contributor_get,
    contributor_profile,
    leaderboard_list,
    pull_request_get_by_url,
    task_get_by_name,
    window_since,
)
from onboarding.leaderboard.services import recognition_record
from onboarding.web.pagecache import memoize
from onboarding.web.viewer import viewer_contributor

#: Contributors per page of the leaderboard.
LEADERBOARD_PER_PAGE = 50
#: Items in the celebration list of the leaderboard page.
CELEBRATIONS_ON_PAGE = 10


@require_GET
def leaderboard(request: HttpRequest) -> HttpResponse:
    campaigns = memoize("campaign-choices", campaign_choice_list)
    form = LeaderboardFilterForm(request.GET, campaigns=campaigns)
    context: dict[str, object] = {
        "form": form,
        "campaigns": campaigns,
        "page_obj": None,
        "conversion_points": settings.LEADERBOARD_CONVERSION_POINTS,
        "recognition_points": settings.LEADERBOARD_RECOGNITION_POINTS,
        "viewer": viewer_contributor(request.user),
    }
    if not form.is_valid():
        return render(request, "leaderboard/leaderboard.html", context, status=400)
    campaign, window = form.selected_campaign(), form.selected_window()
    # Both lists cost a few hundred ms of query building; they change only with the data.
    page_number = request.GET.get("page")

    # Called by the template only when its memoized fragments are not cached for this data
    # version and query, so a cache hit neither reads nor unpickles the ranking.
    @cache
    def page() -> Page[Any]:
        rows = memoize(
            f"leaderboard:{campaign.slug if campaign else ''}:{window}",
            lambda: leaderboard_list(campaign=campaign, since=window_since(window)),
        )
        return Paginator(rows, LEADERBOARD_PER_PAGE).get_page(page_number)

    context.update(
        {
            "page_obj": page,
            "campaign": campaign,
            "window_label": WINDOWS[window][0],
            "celebrations": cache(
                lambda: memoize(
                    f"celebrations:{CELEBRATIONS_ON_PAGE}", lambda: celebration_list(limit=CELEBRATIONS_ON_PAGE)
                )
            ),
        }
    )
    return render(request, "leaderboard/leaderboard.html", context)


def _contributor_or_404(handle: str) -> Contributor:
    contributor = contributor_get(github_handle=handle)
    if contributor is None:
        raise Http404(f"No contributor @{handle}.")
    return contributor


@require_GET
def contributor_detail(request: HttpRequest, handle: str) -> HttpResponse:
    contributor = _contributor_or_404(handle)
    viewer = contributor_get_for_user(user=request.user)
    can_recognise = bool(viewer and viewer.is_maintainer and viewer.pk != contributor.pk)
    return render(
        request,
        "leaderboard/contributor_detail.html",
        {
            "profile": contributor_profile(contributor=contributor),
            "can_recognise": can_recognise,
            "recognition_form": RecognitionForm() if can_recognise else None,
        },
    )


@login_required
@require_POST
def recognition_create(request: HttpRequest, handle: str) -> HttpResponseRedirect:
    contributor = _contributor_or_404(handle)
    back = reverse("leaderboard:contributor", args=[contributor.github_handle])
    form = RecognitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(back)
    pull_request = task = None
    if form.cleaned_data["pull_request_url"]:
        pull_request = pull_request_get_by_url(url=form.cleaned_data["pull_request_url"])
        if pull_request is None:
            messages.error(request, "That pull request is not linked to any claim here; link it to its claim first.")
            return redirect(back)
    if form.cleaned_data["task"]:
        slug, name = form.cleaned_data["task"]
        task = task_get_by_name(campaign_slug=slug, name=name)
        if task is None:
            messages.error(request, f"No task {name} in campaign {slug}.")
            return redirect(back)
    recorder = contributor_get_for_user(user=request.user)
    try:
        if recorder is None:
            raise NotAllowed("Only maintainers can record reviews and mentoring.")
        recognition = recognition_record(
            contributor=contributor,
            kind=form.cleaned_data["kind"],
            recorded_by=recorder,
            task=task,
            pull_request=pull_request,
            note=form.cleaned_data["note"],
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Recorded: {recognition}.")
    return redirect(back)


def _campaign_or_404(slug: str) -> Campaign:
    for campaign in campaign_choice_list():
        if campaign.slug == slug:
            return campaign
    raise Http404(f"No campaign {slug!r}.")


def _download(body: str, *, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def credits_download(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(slug)
    return _download(
        credits_markdown(campaign_credits(campaign=campaign)),
        content_type="text/markdown; charset=utf-8",
        filename=f"{campaign.slug}-credits.md",
    )


@require_GET
def events_download(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = _campaign_or_404(slug)
    return _download(
        credits_events_yaml(campaign_credits(campaign=campaign)),
        content_type="application/yaml; charset=utf-8",
        filename=f"{campaign.slug}-conversions.yaml",
    )
