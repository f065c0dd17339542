"""Reads over a speedup series: nights, rolling average, PEP 836-style summary, regressions, changes between nights.

A *night* is one point of `selectors.SpeedupSeries`: the candidate build against the baseline
build of one commit on one machine, dated by bench_runner's date (`BenchmarkRun.night`). Its
figure is `Comparison.speedup` (bench_runner's geometric mean, above 1 = candidate faster).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from onboarding.speedups.measures import NOISE_Z, format_speedup
from onboarding.speedups.models import BenchmarkResult, BenchmarkRun, ChangeEvent
from onboarding.speedups.selectors import (
    MergedConversion,
    SpeedupPoint,
    SpeedupSeries,
    conversion_merged_list,
    same_setup,
)

__all__ = [
    "ATTRIBUTION_MIN_NIGHTS",
    "ATTRIBUTION_NIGHTS",
    "PEP836_TARGETS",
    "REGRESSION_MIN_HISTORY",
    "REGRESSION_WINDOW",
    "ROLLING_NIGHTS",
    "Attribution",
    "Night",
    "Regression",
    "Summary",
    "SummaryRow",
    "attribution_list",
    "change_events_between",
    "conversions_outside_nights",
    "nights_by_machine",
    "regression_list",
    "speedup_words",
    "summary_get",
]

#: PEP 836's goals, as (ratio, label, where it comes from).
PEP836_TARGETS = (
    (1.05, "PEP 836: 5% (JIT + GIL vs GIL)", "PEP 836: no lower than 5% uplift for JIT + GIL versus the GIL "
     "interpreter, for the year ending with 3.16 beta 1, per machine, averaged across machines"),
    (1.20, "PEP 836: 20% (JIT + free-threading vs FT)", "PEP 836: at least 20% geometric mean "
     "improvement on pyperformance for JIT + free-threading versus the free-threading interpreter by 3.17 beta 1"),
)  # fmt: skip
#: Nights in the rolling average (the night itself and the ones before it).
ROLLING_NIGHTS = 4
#: A night is judged against this many nights before it on the same machine...
REGRESSION_WINDOW = 7
#: ...and only once at least this many exist.
REGRESSION_MIN_HISTORY = 3
#: Benchmarks named per regression.
MOVERS = 5
#: A conversion is judged on up to this many nights on each side of its merge...
ATTRIBUTION_NIGHTS = 3
#: ...and needs at least this many on each side (fewer: "not enough data", never a number).
ATTRIBUTION_MIN_NIGHTS = 2
#: Conversions merged further than this before the first night or after the last are not
#: attributed (there are no nights around them), only counted.
ATTRIBUTION_REACH = dt.timedelta(days=21)


@dataclass(frozen=True)
class Night:
    """One point of a machine's series with its figure, 95 % noise interval and rolling average."""

    machine: str
    night: dt.date
    point: SpeedupPoint
    speedup: float
    low: float
    high: float
    rolling: float

    @property
    def commit_id(self) -> str:
        return self.point.commit_id

    @property
    def words(self) -> str:
        return speedup_words(self.speedup)


@dataclass(frozen=True)
class Mover:
    """A benchmark's ratio on the flagged night against its median over the nights before."""

    name: str
    ratio: float
    before: float

    @property
    def change(self) -> float:
        return self.ratio / self.before


@dataclass(frozen=True)
class Regression:
    """A night below the range of the nights before it on its machine, by more than its own noise."""

    night: Night
    previous: tuple[Night, ...]
    movers: tuple[Mover, ...]
    baseline_change: float | None
    candidate_change: float | None
    changes: tuple[ChangeEvent, ...] = ()
    conversions: tuple[MergedConversion, ...] = ()

    @property
    def floor(self) -> float:
        return min(night.speedup for night in self.previous)

    @property
    def trend(self) -> float:
        return statistics.fmean(night.speedup for night in self.previous)

    @property
    def first_commit(self) -> str:
        """The previous night's commit: the changes in question come after it."""
        return self.previous[-1].commit_id

    @property
    def last_commit(self) -> str:
        return self.night.commit_id

    @property
    def compare_url(self) -> str:
        return f"https://github.com/python/cpython/compare/{self.first_commit}...{self.last_commit}"

    @property
    def verdict(self) -> str:
        """Which build moved, from each build's runs against the previous night's runs of the same build."""
        base, cand = self.baseline_change, self.candidate_change
        point = self.night.point.comparison
        if base is None or cand is None:
            return "unknown which build moved: the previous night's runs share no benchmark with these"
        both = (
            f"the {point.candidate.build} runs are {format_speedup(cand)} than the previous night's and the "
            f"{point.baseline.build} runs {format_speedup(base)}"
        )
        if abs(math.log(cand)) > 2 * abs(math.log(base)):
            return (
                f"a regression of the {point.candidate.build} build, not a bad pairing: {both}; both runs of "
                "this night are the same commit, merge base, benchmark definitions and machine"
            )
        return f"suspect the pairing or the machine rather than the {point.candidate.build} build: {both}"


@dataclass(frozen=True)
class SummaryRow:
    """One machine's nights in a window, as PEP 836's appendix reports them."""

    machine: str
    configuration: str
    nights: int
    average: float
    low: float
    high: float

    @property
    def words(self) -> str:
        return speedup_words(self.average)


@dataclass(frozen=True)
class Summary:
    """The rows of a window and the mean across machines (None without rows)."""

    start: dt.date
    end: dt.date
    rows: list[SummaryRow] = field(default_factory=list)

    @property
    def mean_across_machines(self) -> float | None:
        return statistics.fmean(row.average for row in self.rows) if self.rows else None

    @property
    def words(self) -> str:
        mean = self.mean_across_machines
        return speedup_words(mean) if mean is not None else ""


def speedup_words(ratio: float) -> str:
    """``1.073`` -> ``7.3% faster``; ``0.937`` -> ``6.3% slower`` (bench_runner's 1 − g convention)."""
    if not math.isfinite(ratio):
        return "unknown"
    percent = (ratio - 1.0) * 100
    if round(percent, 1) == 0:
        return "no change"
    return f"{abs(percent):.1f}% {'faster' if percent > 0 else 'slower'}"


def nights_by_machine(series: SpeedupSeries) -> dict[str, list[Night]]:
    """Each machine's nights, oldest first, with the rolling average of `ROLLING_NIGHTS`."""
    machines: dict[str, list[Night]] = {}
    for machine, points in series.points.items():
        nights: list[Night] = []
        for point in sorted(points, key=lambda item: (_night(item), item.date)):
            speedup = point.comparison.speedup
            low, high = point.comparison.speedup_noise
            window = [night.speedup for night in nights[-(ROLLING_NIGHTS - 1) :]] + [speedup]
            nights.append(Night(machine, _night(point), point, speedup, low, high, statistics.fmean(window)))
        machines[machine] = nights
    return machines


def summary_get(series: SpeedupSeries, *, start: dt.date | None = None, end: dt.date | None = None) -> Summary:
    """Per machine, the average figure of the nights from ``start`` to ``end`` (inclusive), their count and range.

    Without dates: the 14 days ending with the newest night. The average is the arithmetic mean
    of the nightly geometric means, as PEP 836's appendix averages a machine's nights.
    """
    machines = nights_by_machine(series)
    newest = max((night.night for nights in machines.values() for night in nights), default=dt.date.today())
    end = end or newest
    if start is None:
        start = end - dt.timedelta(days=13) if end > dt.date.min + dt.timedelta(days=13) else dt.date.min
    summary = Summary(start=start, end=end)
    configuration = f"{series.candidate_build} vs {series.baseline_build}"
    for machine, nights in sorted(machines.items()):
        chosen = [night.speedup for night in nights if start <= night.night <= end]
        if chosen:
            summary.rows.append(
                SummaryRow(machine, configuration, len(chosen), statistics.fmean(chosen), min(chosen), max(chosen))
            )
    return summary


def change_events_between(start: dt.date, end: dt.date) -> list[ChangeEvent]:
    """Change annotations merged after ``start`` and up to ``end``."""
    return list(ChangeEvent.objects.filter(date__gt=start, date__lte=end))


def regression_list(series: SpeedupSeries) -> list[Regression]:
    """Nights that fall below the machine's recent trend by more than their own noise, newest first.

    Noise, defined: a night is flagged when at least `REGRESSION_MIN_HISTORY` of the
    `REGRESSION_WINDOW` nights before it exist on its machine, its figure is below the lowest of
    them by more than their standard deviation (outside their range by more than the machine's
    night-to-night noise), and even the top of its own 95 % noise interval (the spread of its
    worker processes) is below that lowest night. Each names the benchmarks that moved most
    against their median over those nights, which build moved, and the changes between the
    previous night and this one.
    """
    conversions = conversion_merged_list()
    regressions = []
    for nights in nights_by_machine(series).values():
        for index, night in enumerate(nights):
            previous = tuple(nights[max(0, index - REGRESSION_WINDOW) : index])
            if len(previous) < REGRESSION_MIN_HISTORY:
                continue
            floor = min(item.speedup for item in previous)
            spread = statistics.stdev(item.speedup for item in previous)
            if not (night.speedup < floor - spread and night.high < floor):
                continue
            last = previous[-1]
            regressions.append(
                Regression(
                    night=night,
                    previous=previous,
                    movers=_movers(night, previous),
                    baseline_change=_run_change(last.point.comparison.baseline, night.point.comparison.baseline),
                    candidate_change=_run_change(last.point.comparison.candidate, night.point.comparison.candidate),
                    changes=tuple(change_events_between(last.night, night.night)),
                    conversions=tuple(
                        item for item in conversions if last.point.date < item.merged_at <= night.point.date
                    ),
                )
            )
    regressions.sort(key=lambda item: item.night.night, reverse=True)
    return regressions


def _night(point: SpeedupPoint) -> dt.date:
    return point.comparison.candidate.night or point.comparison.baseline.night or point.date.date()


def _movers(night: Night, previous: Sequence[Night]) -> tuple[Mover, ...]:
    history: dict[str, list[float]] = {}
    for item in previous:
        for bench in item.point.comparison.benchmarks:
            history.setdefault(bench.name, []).append(bench.ratio)
    movers = [
        Mover(bench.name, bench.ratio, statistics.median(history[bench.name]))
        for bench in night.point.comparison.benchmarks
        if bench.name in history
    ]
    movers.sort(key=lambda mover: mover.change)
    return tuple(movers[:MOVERS])


def _run_change(before: BenchmarkRun, after: BenchmarkRun) -> float | None:
    """Geometric mean of mean(before) / mean(after) over the benchmarks both runs have (above 1: after is faster)."""
    means = dict(BenchmarkResult.objects.filter(run=before).values_list("name", "mean"))
    ratios = [
        means[name] / mean
        for name, mean in BenchmarkResult.objects.filter(run=after).values_list("name", "mean")
        if name in means and means[name] > 0 and mean > 0
    ]
    return statistics.geometric_mean(ratios) if ratios else None


@dataclass(frozen=True)
class Attribution:
    """What one merged conversion did on one machine, or why that is unknown.

    ``before``/``after`` are up to `ATTRIBUTION_NIGHTS` nights on each side of the merge (same
    machine, comparable runs); ``delta`` = geometric mean of the figures after ÷ that of the
    figures before (above 1: the candidate build gained on the baseline build), with a 95 %
    interval ``low``–``high`` from the night-to-night spread (of the logs) on each side.
    ``events`` and ``conversions`` are *all* the other changes that landed between the last
    night before and the first night after: the delta belongs to all of them together. With
    ``delta`` None, ``note`` says what is missing.
    """

    conversion: MergedConversion
    machine: str
    before: tuple[Night, ...] = ()
    after: tuple[Night, ...] = ()
    delta: float | None = None
    low: float | None = None
    high: float | None = None
    note: str = ""
    events: tuple[ChangeEvent, ...] = ()
    conversions: tuple[MergedConversion, ...] = ()

    @property
    def before_speedup(self) -> float | None:
        return statistics.geometric_mean(night.speedup for night in self.before) if self.before else None

    @property
    def after_speedup(self) -> float | None:
        return statistics.geometric_mean(night.speedup for night in self.after) if self.after else None

    @property
    def beyond_noise(self) -> bool:
        return self.low is not None and self.high is not None and not (self.low <= 1.0 <= self.high)


def attribution_list(series: SpeedupSeries) -> list[Attribution]:
    """For each merged conversion and machine, the change of the figure across the merge, or why unknown.

    Only conversions merged within `ATTRIBUTION_REACH` of the nights are listed (see
    `conversions_outside_nights` for the others); without any night, every conversion is, with
    "not enough data".
    """
    conversions = conversion_merged_list()
    machines = nights_by_machine(series)
    outside = {id(item) for item in _outside(conversions, machines)}
    attributions = []
    for conversion in conversions:
        if id(conversion) in outside:
            continue
        if not machines:
            attributions.append(
                Attribution(
                    conversion,
                    machine="",
                    note=f"not enough data: no comparable {series.candidate_build} and "
                    f"{series.baseline_build} runs of the same commit yet",
                )
            )
            continue
        for machine, nights in machines.items():
            attributions.append(_attribute(conversion, machine, nights, conversions))
    return attributions


def conversions_outside_nights(series: SpeedupSeries) -> list[MergedConversion]:
    """Merged conversions too far from every night to attribute (`ATTRIBUTION_REACH`); [] without nights."""
    return _outside(conversion_merged_list(), nights_by_machine(series))


def _outside(conversions: Sequence[MergedConversion], machines: dict[str, list[Night]]) -> list[MergedConversion]:
    dates = [night.point.date for nights in machines.values() for night in nights]
    if not dates:
        return []
    first, last = min(dates) - ATTRIBUTION_REACH, max(dates) + ATTRIBUTION_REACH
    return [item for item in conversions if not first <= item.merged_at <= last]


def _attribute(
    conversion: MergedConversion, machine: str, nights: list[Night], conversions: Sequence[MergedConversion]
) -> Attribution:
    merged = conversion.merged_at
    before = [night for night in nights if night.point.date < merged]
    after = [night for night in nights if night.point.date >= merged]
    if before and after:
        anchor = before[-1].point.comparison
        before = [night for night in before if same_setup(anchor, night.point.comparison)]
        after = [night for night in after if same_setup(anchor, night.point.comparison)]
        if not after:
            return Attribution(
                conversion,
                machine,
                note=f"not enough data: the runs on {machine} before and after the merge are not comparable "
                "(machine, compiler or benchmark definitions changed)",
            )
    before, after = before[-ATTRIBUTION_NIGHTS:], after[:ATTRIBUTION_NIGHTS]
    if len(before) < ATTRIBUTION_MIN_NIGHTS or len(after) < ATTRIBUTION_MIN_NIGHTS:
        return Attribution(
            conversion,
            machine,
            before=tuple(before),
            after=tuple(after),
            note=f"not enough data: {_count(len(before))} on {machine} before the merge and {_count(len(after))} "
            f"after; {ATTRIBUTION_MIN_NIGHTS} on each side are needed",
        )
    logs_before = [math.log(night.speedup) for night in before]
    logs_after = [math.log(night.speedup) for night in after]
    delta = math.exp(statistics.fmean(logs_after) - statistics.fmean(logs_before))
    stderr = math.sqrt(
        statistics.variance(logs_before) / len(logs_before) + statistics.variance(logs_after) / len(logs_after)
    )
    spread = math.exp(NOISE_Z * stderr)
    last, first = before[-1], after[0]
    return Attribution(
        conversion,
        machine,
        before=tuple(before),
        after=tuple(after),
        delta=delta,
        low=delta / spread,
        high=delta * spread,
        events=tuple(change_events_between(last.night, first.night)),
        conversions=tuple(
            other
            for other in conversions
            if other is not conversion and last.point.date <= other.merged_at < first.point.date
        ),
    )


def _count(n: int) -> str:
    return "1 night" if n == 1 else f"{n} nights"
