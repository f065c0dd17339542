"""Writes of the speedups app: import a pyperf result file as a benchmark run; import change events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, models, transaction

from onboarding.speedups.models import BenchmarkResult, BenchmarkRun, ChangeEvent
from onboarding.speedups.pyperf_files import ResultFile, read_result_file

__all__ = ["RunImport", "benchmark_run_import", "change_events_import"]


@dataclass(frozen=True)
class RunImport:
    """The outcome of an import: the run, and whether this import created it."""

    run: BenchmarkRun
    created: bool


def benchmark_run_import(
    *,
    content: bytes,
    file_name: str,
    machine: str = "",
    build: str = "",
    configuration: str = "",
    excluded_benchmarks: Sequence[str] = (),
) -> RunImport:
    """Store a pyperf result file (``.json`` or ``.json.gz`` bytes) as a `BenchmarkRun` with its values.

    ``machine`` names the machine (default: the file's hostname); ``build`` overrides the build
    read from the configure arguments (``jit``, ``default``, ``tailcall``, ``free-threading``).
    ``configuration`` is bench_runner's flags (``JIT``; ``""`` = default build) and
    ``excluded_benchmarks`` its runner's exclusions, both kept on the run (`layout`).
    A file whose decompressed content was imported before returns that run unchanged
    (``created=False``), whatever the other arguments say. Raises `BenchmarkFileInvalid` for a
    file that is not pyperf output, is larger than `MAX_CONTENT_BYTES` decompressed, or holds a
    value that is not finite or a timing that is not positive; nothing is written then.
    """
    result = read_result_file(content, file_name=file_name)
    existing = BenchmarkRun.objects.filter(file_sha256=result.sha256).first()
    if existing is not None:
        return RunImport(run=existing, created=False)
    try:
        with transaction.atomic():
            run = _run_create(
                result,
                file_name=file_name,
                machine=machine.strip(),
                build=build.strip(),
                configuration=configuration,
                excluded=sorted(set(excluded_benchmarks)),
            )
    except IntegrityError:  # the same file, imported concurrently
        return RunImport(run=BenchmarkRun.objects.get(file_sha256=result.sha256), created=False)
    return RunImport(run=run, created=True)


def _run_create(
    result: ResultFile, *, file_name: str, machine: str, build: str, configuration: str, excluded: list[str]
) -> BenchmarkRun:
    hostname = result.text("hostname")
    run = BenchmarkRun(
        machine=machine or hostname or "unknown",
        build=build or result.build,
        detected_build=result.build,
        hostname=hostname,
        cpu_model_name=result.text("cpu_model_name"),
        python_version=result.text("python_version"),
        compiler=result.text("python_compiler"),
        config_args=result.text("python_config_args"),
        commit_id=result.text("commit_id"),
        commit_branch=result.text("commit_branch"),
        commit_date=result.commit_date,
        commit_merge_base=result.text("commit_merge_base"),
        benchmark_hash=result.text("benchmark_hash"),
        performance_version=result.text("performance_version"),
        pyperf_version=result.text("perf_version"),
        started_at=result.started_at,
        finished_at=result.finished_at,
        metadata=result.metadata,
        file_name=file_name,
        file_sha256=result.sha256,
        configuration=configuration,
        excluded_benchmarks=excluded,
    )
    _clip_text(run)
    run.save()
    BenchmarkResult.objects.bulk_create(
        BenchmarkResult(
            run=run,
            position=position,
            name=bench.name[: _max_length(BenchmarkResult, "name")],
            unit=bench.unit,
            mean=bench.mean,
            stdev=bench.stdev,
            nvalue=sum(len(process) for process in bench.values),
            nprocess=len(bench.values),
            values=bench.values,
            metadata=bench.metadata,
        )
        for position, bench in enumerate(result.benchmarks)
    )
    return run


def _max_length(model: type[models.Model], field: str) -> int:
    return int(model._meta.get_field(field).max_length or 0)


def _clip_text(run: BenchmarkRun) -> None:
    """Cut text to its column's length: PostgreSQL refuses longer text. The full value stays in ``metadata``."""
    for field in run._meta.get_fields():
        if isinstance(field, models.CharField) and field.max_length:
            value = getattr(run, field.attname)
            if isinstance(value, str) and len(value) > field.max_length:
                setattr(run, field.attname, value[: field.max_length])


def change_events_import(*, events: Iterable[Mapping[str, object]], source: str) -> tuple[int, int]:
    """Store change annotations (``date``, ``title``, ``link``), e.g. doesjitgobrrr's ``perf_events.yaml``.

    Returns (created, unchanged). An event already stored (same date, link and title) is left
    alone. Raises ValueError naming the entry (1-based) when one lacks a date, title or link, or
    its date is not YYYY-MM-DD; nothing is written then.
    """
    rows = []
    for number, event in enumerate(events, start=1):
        date, title, link = event.get("date"), event.get("title"), event.get("link")
        if isinstance(date, str):
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                raise ValueError(f"event {number}: date {date!r} is not YYYY-MM-DD") from None
        if not isinstance(date, dt.date) or not isinstance(title, str) or not title.strip():
            raise ValueError(f"event {number}: needs a date (YYYY-MM-DD) and a title")
        if not isinstance(link, str) or not link.startswith(("https://", "http://")):
            raise ValueError(f"event {number}: link {link!r} is not an http(s) URL")
        rows.append(ChangeEvent(date=date, title=title.strip()[:300], link=link[:500], source=source[:200]))
    created = 0
    with transaction.atomic():
        for row in rows:
            _, made = ChangeEvent.objects.get_or_create(
                date=row.date, link=row.link, title=row.title, defaults={"source": row.source}
            )
            created += made
    return created, len(rows) - created
