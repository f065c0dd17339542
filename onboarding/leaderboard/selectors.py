"""Reads for the leaderboard: scored conversions, rankings, contributor profiles, celebrations, credits.

Every list here comes from a fixed number of queries (filters, ``EXISTS`` subqueries and
``GROUP BY`` sums per contributor), never one per contributor, so a page costs the same few
queries however many contributors there are (issue 7, item 5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from onboarding.campaigns.models import Campaign, Task, TaskStatusChange
from onboarding.claims.models import PullRequest
from onboarding.contributors.models import Contributor
from onboarding.leaderboard.models import Recognition

__all__ = [
    "CONVERSION_MILESTONES",
    "WINDOWS",
    "Badge",
    "CampaignCredits",
    "CampaignWork",
    "Celebration",
    "Conversion",
    "CreditLine",
    "Profile",
    "Ranking",
    "Standing",
    "campaign_choice_list",
    "campaign_credits",
    "celebration_list",
    "contributor_get",
    "contributor_profile",
    "conversion_list",
    "conversion_queryset",
    "leaderboard_list",
    "pull_request_get_by_url",
    "recognition_scoring_queryset",
    "task_get_by_name",
    "window_since",
]

#: The time windows of the leaderboard: slug → (label, length or ``None`` for all time).
WINDOWS: dict[str, tuple[str, dt.timedelta | None]] = {
    "all": ("all time", None),
    "30d": ("last 30 days", dt.timedelta(days=30)),
}

#: Milestone badges: how many scored conversions earn which badge (slug, title).
CONVERSION_MILESTONES = {
    1: ("first-conversion", "First conversion"),
    5: ("five-conversions", "5 conversions"),
    20: ("twenty-conversions", "20 conversions"),
}

#: The (pull request, task) rows of ``PullRequest.tasks``: one row per task a PR is linked to.
PullRequestTask = PullRequest.tasks.through


def window_since(window: str, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The start of ``window`` (a key of `WINDOWS`), or ``None`` for all time; raises KeyError."""
    length = WINDOWS[window][1]
    return None if length is None else (now or timezone.now()) - length


# --- The scoring rule -------------------------------------------------------------------------


def _confirmed_by_rescan(*, task: OuterRef, not_before: OuterRef) -> Exists:
    # A scan's change has a scan or snapshot; a person's change (task_status_set) has neither.
    # An empty from_status is a task first seen already done: nobody here converted it.
    return Exists(
        TaskStatusChange.objects.filter(task_id=task, to_status=Task.Status.DONE, at__gte=not_before)
        .exclude(from_status="")
        .filter(Q(scan__isnull=False) | Q(snapshot__isnull=False))
    )


def _confirmed_after_merge(*, task: OuterRef, merged_day: OuterRef) -> Exists:
    # An imported PR has no claim: a scan of a snapshot dated on or after its merge day must
    # have flipped the task to done (scans run later than the sources they read are dated).
    return Exists(
        TaskStatusChange.objects.filter(
            task_id=task, to_status=Task.Status.DONE, snapshot__isnull=False, snapshot__date__gte=merged_day
        ).exclude(from_status="")
    )


def _credited() -> Coalesce:
    """Who a link credits: the PR's claimant, else (a PR without a claim) its author."""
    return Coalesce(F("pullrequest__claim__contributor_id"), F("pullrequest__author_id"))


def _qualifying_links() -> QuerySet:
    """Pull request ↔ task links meeting conditions 1-4 of `conversion_queryset` (several per task possible).

    ``own`` is 1 when the PR's claim is on the task itself, 0 when the PR only names it;
    ``credited_id`` is the contributor credited.
    """
    by_claim = Q(
        pullrequest__claim__isnull=False, pullrequest__claim__claimed_at__lte=F("pullrequest__merged_at")
    ) & _confirmed_by_rescan(task=OuterRef("task_id"), not_before=OuterRef("pullrequest__claim__claimed_at"))
    by_author = Q(
        pullrequest__claim__isnull=True, pullrequest__author__isnull=False, pullrequest__author_verified=True
    ) & _confirmed_after_merge(task=OuterRef("task_id"), merged_day=OuterRef("merged_day"))
    return (
        PullRequestTask.objects.filter(
            pullrequest__state=PullRequest.State.MERGED,
            pullrequest__merged_at__isnull=False,
            task__status=Task.Status.DONE,
        )
        .annotate(merged_day=TruncDate("pullrequest__merged_at"))
        .filter(by_claim | by_author)
        .annotate(
            own=Case(
                When(pullrequest__claim__task_id=F("task_id"), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            credited_id=_credited(),
        )
    )


def _conversion_points() -> Case:
    weights = settings.LEADERBOARD_CONVERSION_POINTS
    return Case(
        *(When(task__difficulty=difficulty, then=Value(points)) for difficulty, points in weights.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


def _earlier() -> Q:
    """Rows before the outer row by (merge time, link id): the order conversions are credited in."""
    return Q(pullrequest__merged_at__lt=OuterRef("pullrequest__merged_at")) | Q(
        pullrequest__merged_at=OuterRef("pullrequest__merged_at"), pk__lt=OuterRef("pk")
    )


def conversion_queryset(*, campaign: Campaign | None = None, since: dt.datetime | None = None) -> QuerySet:
    """The scored conversions: rows of ``PullRequest.tasks`` (``task``, ``pullrequest``), one per done task at most.

    **The rule** (issue 7, item 1; DESIGN.md section 6). Contributor C converted task T, and
    scores for it, when a pull request P satisfies all of:

    1. P is merged: ``state == "merged"`` and ``merged_at`` is set;
    2. P is linked to T (``P.tasks``) and to a claim of C (``P.claim.contributor == C``), and
       that claim was made no later than the merge (``claim.claimed_at <= P.merged_at``), so an
       old merged PR cannot be linked to a fresh claim for credit; or P has no claim and C is
       its confirmed GitHub author (``P.author``, ``author_verified``: imported pull requests);
    3. T is ``done`` now (a later scan that reopens or retires it takes the points away);
    4. a re-scan confirmed it: T has a `TaskStatusChange` to ``done`` made by a scan (its
       ``scan`` or ``snapshot`` is set; a person's change has neither) from an earlier status
       (not the task's first sighting, which nobody here converted), at or after the claim;
       for a PR without a claim, by a snapshot dated on or after P's merge day;
    5. P is T's best such pull request, so each task is credited once: a PR whose claim is on
       T itself beats one that only names T (webhooks link every task a PR's title names), then
       the earliest merge wins, then the lowest link id. Follow-up PRs earn nothing more.

    Claims alone, open or closed PRs, and tasks done without a merged PR earn nothing. The
    conversion's date is P's ``merged_at``; it is worth
    ``settings.LEADERBOARD_CONVERSION_POINTS[T.difficulty]``. ``campaign`` keeps T's campaign
    only; ``since`` keeps conversions merged then or later. The contributor's id is the
    ``credited_id`` annotation (the claimant, else the author).
    """
    better = (
        _qualifying_links()
        .filter(task_id=OuterRef("task_id"))
        .filter(Q(own__gt=OuterRef("own")) | (Q(own=OuterRef("own")) & _earlier()))
    )
    rows = _qualifying_links().filter(~Exists(better))
    if campaign is not None:
        rows = rows.filter(task__campaign=campaign)
    if since is not None:
        rows = rows.filter(pullrequest__merged_at__gte=since)
    return rows


def _with_conversion_fields(rows: QuerySet) -> QuerySet:
    return rows.annotate(
        contributor_id=F("credited_id"),
        merged_at=F("pullrequest__merged_at"),
        points=_conversion_points(),
    )


def recognition_scoring_queryset(
    *, campaign: Campaign | None = None, since: dt.datetime | None = None
) -> QuerySet[Recognition]:
    """The recognitions that score: recorded by a maintainer who is not the contributor.

    A recognition belongs to its task's campaign, or, when it names only a pull request, to
    the campaigns of that PR's tasks. ``since`` keeps those recorded then or later. Each is
    worth ``settings.LEADERBOARD_RECOGNITION_POINTS[kind]``.
    """
    rows = Recognition.objects.filter(recorded_by__is_maintainer=True).exclude(recorded_by=F("contributor"))
    if campaign is not None:
        pr_in_campaign = PullRequestTask.objects.filter(task__campaign=campaign).values("pullrequest_id")
        rows = rows.filter(Q(task__campaign=campaign) | Q(task__isnull=True, pull_request__in=pr_in_campaign))
    if since is not None:
        rows = rows.filter(at__gte=since)
    return rows


# --- Leaderboard ------------------------------------------------------------------------------


@dataclass
class Standing:
    """One contributor's line on a leaderboard; ``contributor`` is loaded for the rows shown."""

    contributor_id: int
    github_handle: str
    conversions: int = 0
    conversion_points: int = 0
    reviews: int = 0
    mentoring: int = 0
    last_conversion: dt.datetime | None = None
    last_recognition: dt.datetime | None = None
    rank: int = 0
    contributor: Contributor | None = None

    @property
    def points(self) -> int:
        weights = settings.LEADERBOARD_RECOGNITION_POINTS
        return (
            self.conversion_points
            + self.reviews * weights.get(Recognition.Kind.REVIEW, 0)
            + self.mentoring * weights.get(Recognition.Kind.MENTORING, 0)
        )

    @property
    def finished_at(self) -> dt.datetime | None:
        """When the latest item that scored was merged (conversion) or recorded (recognition)."""
        return max((t for t in (self.last_conversion, self.last_recognition) if t is not None), default=None)


class Ranking(Sequence[Standing]):
    """A leaderboard, best first: a sequence a `Paginator` can page.

    Reading one item, a slice or iterating loads the contributors (with their users) of
    just those standings, in one query.
    """

    def __init__(self, standings: list[Standing]) -> None:
        self._standings = standings

    def __len__(self) -> int:
        return len(self._standings)

    def count(self, value: object = None) -> int:  # type: ignore[override]
        """The number of contributors ranked (what `Paginator` asks for)."""
        return len(self._standings)

    @overload
    def __getitem__(self, index: int) -> Standing: ...

    @overload
    def __getitem__(self, index: slice) -> list[Standing]: ...

    def __getitem__(self, index: int | slice) -> Standing | list[Standing]:
        if isinstance(index, slice):
            return _with_contributors(self._standings[index])
        return _with_contributors([self._standings[index]])[0]

    def __iter__(self) -> Iterator[Standing]:
        return iter(_with_contributors(self._standings))

    def rank_of(self, contributor: Contributor) -> int | None:
        """The contributor's rank (1 is best), ``None`` when they are not on this board."""
        return next((s.rank for s in self._standings if s.contributor_id == contributor.pk), None)


def _with_contributors(standings: list[Standing]) -> list[Standing]:
    missing = [s.contributor_id for s in standings if s.contributor is None]
    if missing:
        people = Contributor.objects.select_related("user").in_bulk(missing)
        for standing in standings:
            standing.contributor = standing.contributor or people[standing.contributor_id]
    return standings


def leaderboard_list(*, campaign: Campaign | None = None, since: dt.datetime | None = None) -> Ranking:
    """Contributors with points, best first, in two aggregate queries (plus one per page shown).

    Conversions (`conversion_queryset`) and recognitions (`recognition_scoring_queryset`) are
    each summed per contributor by the database (``GROUP BY``); the two totals are merged and
    ranked here. Ties go to whoever finished first (earlier ``finished_at``), then by handle.
    ``campaign`` and ``since`` restrict both kinds of work. Contributors without points are left out.
    """
    by = "credited_id"
    standings: dict[int, Standing] = {}
    conversions = (
        conversion_queryset(campaign=campaign, since=since)
        .annotate(
            handle=Coalesce(
                F("pullrequest__claim__contributor__github_handle"), F("pullrequest__author__github_handle")
            )
        )
        .order_by()
        .values(by, "handle")
        .annotate(n=Count("pk"), points=Sum(_conversion_points()), last=Max("pullrequest__merged_at"))
    )
    for row in conversions:
        standings[row[by]] = Standing(
            contributor_id=row[by],
            github_handle=row["handle"],
            conversions=row["n"],
            conversion_points=row["points"] or 0,
            last_conversion=row["last"],
        )
    recognitions = (
        recognition_scoring_queryset(campaign=campaign, since=since)
        .order_by()
        .values("contributor_id", "contributor__github_handle")
        .annotate(
            reviews=Count("pk", filter=Q(kind=Recognition.Kind.REVIEW)),
            mentoring=Count("pk", filter=Q(kind=Recognition.Kind.MENTORING)),
            last=Max("at"),
        )
    )
    for row in recognitions:
        standing = standings.setdefault(
            row["contributor_id"],
            Standing(contributor_id=row["contributor_id"], github_handle=row["contributor__github_handle"]),
        )
        standing.reviews, standing.mentoring, standing.last_recognition = row["reviews"], row["mentoring"], row["last"]
    ranked = sorted(
        (s for s in standings.values() if s.points > 0),
        key=lambda s: (-s.points, s.finished_at, s.github_handle.casefold()),
    )
    for rank, standing in enumerate(ranked, start=1):
        standing.rank = rank
    return Ranking(ranked)


# --- Conversions as objects -------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """One scored conversion: ``contributor`` converted ``task`` with ``pull_request``."""

    task: Task
    pull_request: PullRequest
    contributor: Contributor
    merged_at: dt.datetime
    points: int
    is_first: bool = False


def _conversions(rows: QuerySet) -> list[Conversion]:
    rows = _with_conversion_fields(rows).select_related(
        "task", "task__campaign", "pullrequest", "pullrequest__claim__contributor__user", "pullrequest__author__user"
    )
    return [
        Conversion(
            task=row.task,
            pull_request=row.pullrequest,
            contributor=row.pullrequest.credited_contributor,
            merged_at=row.merged_at,
            points=row.points,
            is_first=getattr(row, "is_first", False),
        )
        for row in rows
    ]


def _first_of_contributor() -> Exists:
    """Whether no scored conversion of the same contributor comes before the outer row."""
    return ~Exists(
        conversion_queryset().filter(
            _earlier(),
            credited_id=OuterRef("credited_id"),
        )
    )


def conversion_list(*, contributor: Contributor | None = None, campaign: Campaign | None = None) -> list[Conversion]:
    """Scored conversions in the order they were credited (merge time), optionally of one contributor/campaign."""
    rows = conversion_queryset(campaign=campaign)
    if contributor is not None:
        rows = rows.filter(credited_id=contributor.pk)
    # Tasks of one PR share its merge time: order them by name so milestones are stable on every database.
    return _conversions(rows.order_by("pullrequest__merged_at", "task__name", "pk"))


# --- Profiles ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Badge:
    """A badge a contributor earned, with when (``None`` when the date is not known)."""

    slug: str
    title: str
    description: str
    earned_at: dt.datetime | None


@dataclass(frozen=True)
class CampaignWork:
    """A campaign a contributor converted tasks in, with how many and whether it is finished."""

    campaign: Campaign
    conversions: int
    points: int
    finished: bool


@dataclass
class Profile:
    """Everything the contributor page shows; ``rank`` is on the all-time leaderboard (``None``: no points)."""

    contributor: Contributor
    points: int
    rank: int | None
    conversions: list[Conversion]
    pull_requests: list[PullRequest]
    recognitions: list[Recognition]
    campaigns: list[CampaignWork]
    badges: list[Badge] = field(default_factory=list)

    @property
    def first_contribution(self) -> dt.datetime | None:
        """When their first scored conversion was merged."""
        return self.conversions[0].merged_at if self.conversions else None


def _recognition_points(recognitions: Iterable[Recognition]) -> int:
    weights = settings.LEADERBOARD_RECOGNITION_POINTS
    return sum(weights.get(r.kind, 0) for r in recognitions)


def _campaign_work(conversions: list[Conversion]) -> list[CampaignWork]:
    totals: dict[int, list[int]] = {}
    for conversion in conversions:
        n_points = totals.setdefault(conversion.task.campaign_id, [0, 0])
        n_points[0] += 1
        n_points[1] += conversion.points
    if not totals:
        return []
    campaigns = Campaign.objects.filter(pk__in=totals).annotate(
        open_tasks=Count("tasks", filter=Q(tasks__status__in=Task.OPEN_STATUSES))
    )
    return [
        CampaignWork(campaign=c, conversions=totals[c.pk][0], points=totals[c.pk][1], finished=c.open_tasks == 0)
        for c in campaigns
    ]


def _first_timers_mentored(*, contributor: Contributor, mentoring: list[Recognition]) -> list[Recognition]:
    """The mentoring recognitions whose task or PR holds someone else's first scored conversion."""
    if not mentoring:
        return []
    tasks = {r.task_id for r in mentoring if r.task_id is not None}
    prs = {r.pull_request_id for r in mentoring if r.pull_request_id is not None}
    firsts = (
        conversion_queryset()
        .filter(Q(task_id__in=tasks) | Q(pullrequest_id__in=prs))
        .exclude(credited_id=contributor.pk)
        .filter(_first_of_contributor())
        .values_list("task_id", "pullrequest_id")
    )
    first_tasks, first_prs = set(), set()
    for task_id, pr_id in firsts:
        first_tasks.add(task_id)
        first_prs.add(pr_id)
    return [
        r
        for r in mentoring
        if r.pull_request_id in first_prs or (r.pull_request_id is None and r.task_id in first_tasks)
    ]


def _badges(profile: Profile, *, mentored_first_timers: list[Recognition]) -> list[Badge]:
    badges = []
    for milestone, (slug, title) in CONVERSION_MILESTONES.items():
        if len(profile.conversions) >= milestone:
            reached = profile.conversions[milestone - 1]
            description = f"{milestone} merged conversion(s), reached with {reached.task.name}"
            badges.append(Badge(slug, title, description, reached.merged_at))
    for work in profile.campaigns:
        if work.finished:
            last = max(c.merged_at for c in profile.conversions if c.task.campaign_id == work.campaign.pk)
            description = f"converted {work.conversions} task(s) in a campaign with nothing left to do"
            badges.append(
                Badge(f"campaign-finished-{work.campaign.slug}", f"Finished {work.campaign.title}", description, last)
            )
    if mentored_first_timers:
        first = min(mentored_first_timers, key=lambda r: r.at)
        subject = first.task.name if first.task is not None else str(first.pull_request)
        badges.append(
            Badge("first-timer-mentor", "Helped a first-timer", f"mentored a first contribution ({subject})", first.at)
        )
    return badges


def contributor_profile(*, contributor: Contributor) -> Profile:
    """The contributor page's data in a fixed number of queries (eight at most).

    Conversions follow `conversion_queryset`; ``pull_requests`` are all PRs linked to their
    claims (any state); ``recognitions`` are the ones that score. Badges: first conversion,
    5 and 20 conversions, a finished campaign (no open task left) they converted tasks in,
    and mentoring recorded on someone's first scored conversion.
    """
    conversions = conversion_list(contributor=contributor)
    pull_requests = list(
        PullRequest.objects.filter(Q(claim__contributor=contributor) | Q(claim__isnull=True, author=contributor))
        .prefetch_related(Prefetch("tasks", queryset=Task.objects.select_related("campaign")))
        .order_by("-created_at", "-pk")
    )
    recognitions = list(
        recognition_scoring_queryset()
        .filter(contributor=contributor)
        .select_related("task", "task__campaign", "pull_request", "recorded_by")
        .order_by("-at", "-pk")
    )
    points = sum(c.points for c in conversions) + _recognition_points(recognitions)
    profile = Profile(
        contributor=contributor,
        points=points,
        rank=leaderboard_list().rank_of(contributor) if points > 0 else None,
        conversions=conversions,
        pull_requests=pull_requests,
        recognitions=recognitions,
        campaigns=_campaign_work(conversions),
    )
    mentoring = [r for r in recognitions if r.kind == Recognition.Kind.MENTORING]
    profile.badges = _badges(
        profile, mentored_first_timers=_first_timers_mentored(contributor=contributor, mentoring=mentoring)
    )
    return profile


# --- Celebrations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Celebration:
    """One line of the celebration feed: a conversion or a recognised review or mentoring.

    ``text`` uses Markdown-style backticks around op names (`inline_code` renders them).
    """

    key: str
    at: dt.datetime
    contributor: Contributor
    text: str
    task: Task | None
    pull_request: PullRequest | None
    is_first: bool = False


def _conversion_celebration(c: Conversion) -> Celebration:
    first = " — first contribution!" if c.is_first else ""
    return Celebration(
        key=f"conversion-{c.pull_request.pk}-{c.task.pk}",
        at=c.merged_at,
        contributor=c.contributor,
        text=f"@{c.contributor.github_handle} converted `{c.task.name}`{first}",
        task=c.task,
        pull_request=c.pull_request,
        is_first=c.is_first,
    )


def _recognition_celebration(r: Recognition) -> Celebration:
    what = f"`{r.task.name}`" if r.task is not None else str(r.pull_request)
    pr = r.pull_request
    author = pr.credited_contributor if pr is not None else None
    if r.kind == Recognition.Kind.REVIEW:
        verb = f"reviewed @{author.github_handle}'s work on" if author else "reviewed"
    else:
        verb = f"mentored @{author.github_handle} on" if author else "mentored the work on"
    return Celebration(
        key=f"recognition-{r.pk}",
        at=r.at,
        contributor=r.contributor,
        text=f"@{r.contributor.github_handle} {verb} {what}",
        task=r.task,
        pull_request=r.pull_request,
    )


def celebration_list(*, limit: int = 20) -> list[Celebration]:
    """The latest conversions (first contributions marked) and recognitions, newest first; two queries."""
    conversions = _conversions(
        conversion_queryset()
        .annotate(is_first=_first_of_contributor())
        .order_by("-pullrequest__merged_at", "-pk")[:limit]
    )
    recognitions = (
        recognition_scoring_queryset()
        .select_related(
            "contributor", "task", "task__campaign", "pull_request__claim__contributor", "pull_request__author"
        )
        .order_by("-at", "-pk")[:limit]
    )
    items = [_conversion_celebration(c) for c in conversions] + [_recognition_celebration(r) for r in recognitions]
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


# --- Credits ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditLine:
    """One person in a campaign's credits and what they did (counts of each kind of work)."""

    contributor: Contributor
    name: str
    conversions: int
    reviews: int
    mentoring: int


@dataclass(frozen=True)
class CampaignCredits:
    """A campaign's merged work: conversions oldest first, and people sorted by name."""

    campaign: Campaign
    conversions: list[Conversion]
    people: list[CreditLine]

    @property
    def authors(self) -> list[CreditLine]:
        """The people with at least one merged conversion."""
        return [p for p in self.people if p.conversions]


@dataclass
class _Tally:
    contributor: Contributor
    conversions: int = 0
    reviews: int = 0
    mentoring: int = 0


def _display_name(contributor: Contributor) -> str:
    return contributor.display_name or f"@{contributor.github_handle}"


def campaign_credits(*, campaign: Campaign) -> CampaignCredits:
    """Who did the campaign's merged work: scored conversions, plus reviews and mentoring of merged work.

    Recognitions count when they score (`recognition_scoring_queryset`) and name a merged
    pull request or a done task. Two queries.
    """
    conversions = conversion_list(campaign=campaign)
    recognitions = (
        recognition_scoring_queryset(campaign=campaign)
        .filter(
            Q(pull_request__state=PullRequest.State.MERGED)
            | Q(pull_request__isnull=True, task__status=Task.Status.DONE)
        )
        .select_related("contributor__user")
    )
    tallies: dict[int, _Tally] = {}
    for conversion in conversions:
        tallies.setdefault(conversion.contributor.pk, _Tally(conversion.contributor)).conversions += 1
    for recognition in recognitions:
        tally = tallies.setdefault(recognition.contributor.pk, _Tally(recognition.contributor))
        if recognition.kind == Recognition.Kind.REVIEW:
            tally.reviews += 1
        else:
            tally.mentoring += 1
    people = [
        CreditLine(
            contributor=t.contributor,
            name=_display_name(t.contributor),
            conversions=t.conversions,
            reviews=t.reviews,
            mentoring=t.mentoring,
        )
        for t in tallies.values()
    ]
    people.sort(key=lambda p: (p.name.casefold(), p.contributor.github_handle.casefold()))
    return CampaignCredits(campaign=campaign, conversions=conversions, people=people)


# --- Small lookups for the pages --------------------------------------------------------------


def campaign_choice_list() -> list[Campaign]:
    """Campaigns in registry order, for filters and download links (one query)."""
    return list(Campaign.objects.order_by("position", "slug"))


def contributor_get(*, github_handle: str) -> Contributor | None:
    """The contributor with this handle (any case), with their user, or ``None``."""
    return Contributor.objects.select_related("user").filter(github_handle__iexact=github_handle).first()


def pull_request_get_by_url(*, url: str) -> PullRequest | None:
    """The known pull request with this URL (trailing slash ignored), or ``None``."""
    return PullRequest.objects.filter(url=url.strip().rstrip("/")).first()


def task_get_by_name(*, campaign_slug: str, name: str) -> Task | None:
    """The task ``name`` of the campaign, or ``None``."""
    return Task.objects.select_related("campaign").filter(campaign__slug=campaign_slug, name=name).first()
