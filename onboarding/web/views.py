"""Views of the HTML site: each parses the request, calls one selector or service, and renders.

Refusals from services (`onboarding.errors.ApplicationError`) become messages on the page
the person came from, never a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST

from onboarding.campaigns.models import Campaign, Task
from onboarding.campaigns.selectors import (
    TASK_SORTS,
    campaign_counts,
    campaign_list,
    campaign_megaissue,
    campaign_progress_list,
    campaign_recent_changes,
    campaign_todo_by_difficulty,
    snapshot_latest,
    task_get,
    task_has_impact,
    task_history,
)
from onboarding.campaigns.selectors import (
    task_list as task_list_select,
)
from onboarding.claims.models import Claim
from onboarding.claims.selectors import (
    ClaimSchedule,
    claim_active_for_task,
    claim_list_active_with_schedule,
    claim_list_for_task,
    claim_schedule,
)
from onboarding.claims.services import claim_assign, claim_create, claim_link_pull_request
from onboarding.claims.services import claim_release as claim_release_service
from onboarding.contributors.models import Contributor
from onboarding.contributors.selectors import (
    contributor_get_by_handle,
    contributor_get_for_user,
    contributor_is_maintainer,
    user_get_by_username,
)
from onboarding.contributors.services import contributor_for_user
from onboarding.errors import ApplicationError
from onboarding.snapshots.queued import scan_enqueue
from onboarding.snapshots.selectors import scan_list as scan_list_select
from onboarding.web.charts import ChartPair, burndown_svg, chart_pair
from onboarding.web.forms import AssignForm, PullRequestForm, ReleaseForm, ScanStartForm
from onboarding.web.highlight import highlight_definition
from onboarding.web.markdown import markdown_to_html
from onboarding.web.pagecache import memoize
from onboarding.web.viewer import viewer_active_claims, viewer_contributor, viewer_is_maintainer

#: Tasks per page of the task list.
TASKS_PER_PAGE = 50


def _attempt(request: HttpRequest, action: Callable[[], object], success: str) -> bool:
    """Run a service call; show ``success`` or the refusal's message. Returns whether it worked."""
    try:
        action()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, success)
    return True


def _task_or_404(slug: str, name: str) -> Task:
    try:
        return task_get(campaign_slug=slug, name=name)
    except Task.DoesNotExist:
        raise Http404(f"No task {name!r} in campaign {slug!r}.") from None


def _task_or_none(slug: str, name: str) -> Task | None:
    try:
        return task_get(campaign_slug=slug, name=name)
    except Task.DoesNotExist:
        return None


def _task_url(task: Task) -> str:
    return reverse("web:task", args=[task.campaign.slug, task.name])


def _burndown(campaign: Campaign) -> ChartPair:
    points = campaign_progress_list(campaign=campaign)
    return chart_pair(burndown_svg, points, title=f"{campaign.title}: todo and done per snapshot")


def _campaign_cards() -> list[dict[str, object]]:
    """The dashboard's campaign cards: each campaign, its counts and its burndown chart (wide and narrow SVG)."""
    return [
        {
            "campaign": campaign,
            "counts": campaign_counts(campaign),
            "chart": memoize(f"burndown-charts:{campaign.slug}", partial(_burndown, campaign)),
        }
        for campaign in campaign_list()
    ]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/dashboard.html",
        {
            # Callables and querysets: run by the template only when its fragments are not memoized.
            "campaigns": _campaign_cards,
            "latest": cache(snapshot_latest),
            "recent_scans": scan_list_select()[:5],
            "my_claims": viewer_active_claims(request.user),
        },
    )


@require_GET
def campaign_detail(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(campaign_list(), slug=slug)
    points = campaign_progress_list(campaign=campaign)
    return render(
        request,
        "web/campaign_detail.html",
        {
            "campaign": campaign,
            "counts": campaign_counts(campaign),
            "points": points,
            # The dashboard's memoized drawing: the same points, drawn once per data version.
            "chart": memoize(f"burndown-charts:{campaign.slug}", partial(_burndown, campaign)),
            "todo_by_difficulty": campaign_todo_by_difficulty(campaign=campaign),
            "recent_changes": campaign_recent_changes(campaign=campaign),
        },
    )


@require_GET
def campaign_megaissue_download(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(Campaign, slug=slug)
    markdown = campaign_megaissue(campaign=campaign, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(markdown, content_type="text/markdown; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{campaign.slug}-megaissue.md"'
    return response


#: Where "Find a task" lands: open, unclaimed tasks, easiest first (then by impact when loaded).
FIND_A_TASK_QUERY = "status=todo&claimed=no&sort=difficulty"


@require_GET
def find_task(request: HttpRequest) -> HttpResponseRedirect:
    return redirect(f"{reverse('web:tasks')}?{FIND_A_TASK_QUERY}")


def _sort_links(request: HttpRequest, current: str) -> list[dict[str, object]]:
    """One link per sortable column: clicking the sorted column reverses it."""
    links = []
    for key, label in TASK_SORTS.items():
        if key == "impact" and not task_has_impact():
            continue
        query = request.GET.copy()
        query.pop("page", None)
        query["sort"] = f"-{key}" if current == key else key
        state = "ascending" if current == key else "descending" if current == f"-{key}" else ""
        links.append({"key": key, "label": label, "query": query.urlencode(), "state": state})
    return links


@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    contributor = viewer_contributor(request.user) if mine else None
    # The filters, table and page links depend on the query and the data only (plus, for
    # "claimed by me", on whose claims): rendered once per data version, for everyone.
    key = f"task-list:{request.get_full_path()}:{request.user.is_authenticated}:{contributor.pk if contributor else ''}"
    status, content = memoize(key, partial(_task_list_content, request, mine, contributor))
    return render(request, "web/task_list.html", {"content": mark_safe(content)}, status=status)


def _task_list_content(request: HttpRequest, mine: bool, contributor: Contributor | None) -> tuple[int, str]:
    """(HTTP status, HTML) of the task list's filters, table and page links."""
    sort = request.GET.get("sort", "")
    context: dict[str, object] = {
        "sort": sort,
        "mine": mine,
        "page_obj": None,
        "signed_in": request.user.is_authenticated,
    }
    errors = []
    if sort and sort.removeprefix("-") not in TASK_SORTS:
        errors.append(f"Unknown sort {sort!r}; sort by one of: {', '.join(TASK_SORTS)}.")
        sort = ""
    if mine and contributor is None:
        errors.append("Sign in to see the tasks you claimed.")
    filterset = task_list_select(filters=request.GET, sort=sort, claimed_by=contributor)
    context.update(filter=filterset, errors=errors, sort_links={s["key"]: s for s in _sort_links(request, sort)})
    status = 200
    if errors or not filterset.is_valid():
        status = 400
    else:
        context["page_obj"] = Paginator(filterset.qs, TASKS_PER_PAGE).get_page(request.GET.get("page"))
    return status, render_to_string("web/_task_list_content.html", context, request=request)


@login_required
@require_GET
def my_claims(request: HttpRequest) -> HttpResponse:
    contributor = contributor_get_for_user(user=request.user)
    rows = claim_list_active_with_schedule(contributor=contributor) if contributor else []
    return render(request, "web/my_claims.html", {"rows": rows, "contributor": contributor})


@require_GET
def task_detail(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    # The task row (large: evidence, reasons, guide) changes only with the data; the claim box
    # below is read live for whoever is looking.
    task = memoize(f"task:{slug}/{name}", partial(_task_or_none, slug, name))
    if task is None:
        raise Http404(f"No task {name!r} in campaign {slug!r}.")
    # Read only when the template's memoized fragment that shows them is not cached.
    task_html = cache(
        lambda: memoize(
            f"task-html:{task.pk}",
            lambda: (highlight_definition(task), markdown_to_html(task.guide) if task.guide else ""),
        )
    )
    # Who holds the task and when the claim expires depend on the data only; whether the person
    # looking may manage it is decided here, per request.
    active, schedule = memoize(f"task-claim:{task.pk}", partial(_active_claim_and_schedule, task))
    user = request.user
    is_maintainer = viewer_is_maintainer(user)
    is_claimant = bool(active and user.is_authenticated and active.contributor.user_id == user.pk)
    return render(
        request,
        "web/task_detail.html",
        {
            "task": task,
            "definition_html": lambda: task_html()[0],
            "guide_html": lambda: task_html()[1],
            "active_claim": active,
            "claim_schedule": schedule,
            # Callables: the template runs each only where it shows it (the claims and history
            # only when their memoized fragment is not cached, each form only when offered).
            "claims": cache(partial(claim_list_for_task, task=task)),
            "history": cache(partial(task_history, task=task)),
            "is_maintainer": is_maintainer,
            "can_manage_claim": is_claimant or is_maintainer,
            "pr_form": cache(partial(PullRequestForm, initial={"url": active.pr_url} if active else None)),
            "assign_form": cache(AssignForm),
            "release_form": cache(ReleaseForm),
        },
    )


def _active_claim_and_schedule(task: Task) -> tuple[Claim | None, ClaimSchedule | None]:
    active = claim_active_for_task(task=task)
    if active is None:
        return None, None
    active.assigned_by  # noqa: B018 (loaded now, so the memo carries the claim box's every field)
    return active, claim_schedule(active)


@login_required
@require_POST
def task_claim(request: HttpRequest, slug: str, name: str) -> HttpResponseRedirect:
    task = _task_or_404(slug, name)
    _attempt(
        request,
        lambda: claim_create(task=task, contributor=contributor_for_user(user=request.user)),
        f"You claimed {task.name}. Link your pull request here when you open it.",
    )
    return redirect(_task_url(task))


@login_required
@require_POST
def task_assign(request: HttpRequest, slug: str, name: str) -> HttpResponseRedirect:
    task = _task_or_404(slug, name)
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the username or GitHub handle of the person to assign.")
        return redirect(_task_url(task))
    handle = form.cleaned_data["github_handle"]
    contributor = contributor_get_by_handle(github_handle=handle)
    if contributor is None:
        account = user_get_by_username(username=handle)
        if account is None:
            messages.error(request, f"Nobody with the username or GitHub handle @{handle} has an account here yet.")
            return redirect(_task_url(task))
        try:
            contributor = contributor_for_user(user=account)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(_task_url(task))
    _attempt(
        request,
        lambda: claim_assign(task=task, contributor=contributor, by=request.user),
        f"{task.name} is assigned to {contributor}.",
    )
    return redirect(_task_url(task))


@login_required
@require_POST
def claim_release(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    claim = get_object_or_404(Claim.objects.select_related("task", "task__campaign"), pk=pk)
    form = ReleaseForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _attempt(
        request,
        lambda: claim_release_service(claim=claim, actor=request.user, reason=reason),
        f"The claim on {claim.task.name} is released; the task is open again.",
    )
    return redirect(_task_url(claim.task))


@login_required
@require_POST
def claim_pull_request(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    claim = get_object_or_404(Claim.objects.select_related("task", "task__campaign"), pk=pk)
    form = PullRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Paste the pull request's URL, like https://github.com/python/cpython/pull/12345.")
    else:
        _attempt(
            request,
            lambda: claim_link_pull_request(claim=claim, url=form.cleaned_data["url"], actor=request.user),
            f"Pull request linked to your claim on {claim.task.name}.",
        )
    return redirect(_task_url(claim.task))


@require_GET
def scan_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(scan_list_select(), 25).get_page(request.GET.get("page"))
    is_maintainer = contributor_is_maintainer(user=request.user)
    return render(
        request,
        "web/scan_list.html",
        {"page_obj": page, "is_maintainer": is_maintainer, "scan_form": ScanStartForm() if is_maintainer else None},
    )


@login_required
@require_POST
def scan_start(request: HttpRequest) -> HttpResponse:
    """A maintainer queues a scan; an htmx request gets the live progress fragment, others a redirect."""
    if not contributor_is_maintainer(user=request.user):
        raise PermissionDenied("Only maintainers start scans.")
    form = ScanStartForm(request.POST)
    if not form.is_valid():
        errors = " ".join(e for field in form.errors.values() for e in field)
        if request.htmx:
            return HttpResponse(f'<p class="message error" role="alert">{escape(errors)}</p>', status=400)
        messages.error(request, errors)
        return redirect("web:scans")
    try:
        scan = scan_enqueue(path=form.cleaned_data["path"], label=form.cleaned_data["label"] or None)
    except ApplicationError as exc:
        if request.htmx:
            return HttpResponse(f'<p class="message error" role="alert">{escape(exc.message)}</p>', status=409)
        messages.error(request, exc.message)
        return redirect("web:scans")
    scan.refresh_from_db()
    if request.htmx:
        return render(request, "web/_scan_started.html", {"scan": scan})
    messages.success(request, f"Scan #{scan.pk} of {scan.path} started.")
    return redirect("web:scans")


@require_GET
def scan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment of one scan (htmx polls it while the scan is queued or running)."""
    scan = get_object_or_404(scan_list_select(), pk=pk)
    return render(request, "web/_scan_progress.html", {"scan": scan})


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """``/favicon.ico`` for clients that ask for it by name: the site's SVG icon."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))
