"""Benchmark runs imported from pyperf result files, and the raw values of each benchmark in them."""

from __future__ import annotations

import datetime as dt
from datetime import datetime

from django.db import models
from django.utils import timezone


class BenchmarkRun(models.Model):
    """One pyperf result file: one build of one CPython commit benchmarked on one machine.

    The facts that decide whether two runs may be compared (machine, CPU, compiler, benchmark
    definitions) are columns; the file's whole top-level metadata is kept in ``metadata``.
    """

    class Build(models.TextChoices):
        DEFAULT = "default", "default (no JIT)"
        JIT = "jit", "JIT"
        TAILCALL = "tailcall", "tail-calling interpreter"
        FREE_THREADING = "free-threading", "free-threading"

    machine = models.CharField(
        max_length=100, db_index=True, help_text="A name for the machine; the hostname unless given."
    )
    build = models.CharField(
        max_length=60,
        db_index=True,
        help_text="default, jit, tailcall, free-threading (or a combination such as free-threading+jit).",
    )
    detected_build = models.CharField(
        max_length=60, help_text="The build the configure arguments say, before any override."
    )
    hostname = models.CharField(max_length=200, blank=True)
    cpu_model_name = models.CharField("CPU model", max_length=200, blank=True)
    python_version = models.CharField(max_length=200, blank=True)
    compiler = models.CharField(max_length=200, blank=True, help_text="pyperf's python_compiler.")
    config_args = models.TextField("configure arguments", blank=True)
    commit_id = models.CharField(max_length=40, blank=True, db_index=True)
    commit_branch = models.CharField(max_length=200, blank=True)
    commit_date = models.DateTimeField(null=True, blank=True)
    commit_merge_base = models.CharField(
        max_length=40, blank=True, help_text="bench_runner's commit_merge_base: where the commit left main."
    )
    configuration = models.CharField(
        max_length=100,
        blank=True,
        help_text="bench_runner's flags from the results folder name (JIT, NOGIL, PYTHON_UOPS, TAILCALL; "
        "comma-separated); empty for the default build or a file outside bench_runner's layout.",
    )
    excluded_benchmarks = models.JSONField(
        default=list,
        blank=True,
        help_text="The runner's excluded_benchmarks (its bench_runner.toml, when given at import): "
        "left out of the publisher-method geometric mean.",
    )
    benchmark_hash = models.CharField(
        max_length=64, blank=True, help_text="bench_runner's hash of the benchmark definitions."
    )
    performance_version = models.CharField("pyperformance version", max_length=40, blank=True)
    pyperf_version = models.CharField(max_length=40, blank=True)
    started_at = models.DateTimeField(
        null=True, blank=True, help_text="First benchmark value's date, by the machine's clock."
    )
    finished_at = models.DateTimeField(null=True, blank=True)
    metadata = models.JSONField(default=dict, help_text="The file's metadata common to all benchmarks.")
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(
        "SHA-256 of the (decompressed) file",
        max_length=64,
        unique=True,
        help_text="Importing the same file again finds this run and changes nothing.",
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return f"run {self.pk}: {self.build} on {self.machine} ({self.short_commit or self.file_name})"

    @property
    def short_commit(self) -> str:
        return self.commit_id[:7]

    @property
    def date(self) -> datetime | None:
        """When the code is from: the commit date if known, else when it was benchmarked."""
        return self.commit_date or self.started_at

    @property
    def night(self) -> dt.date | None:
        """bench_runner's date of the run: the commit date in the commit's own time zone (its folder name)."""
        text = self.metadata.get("commit_date") if isinstance(self.metadata, dict) else None
        if isinstance(text, str):
            try:
                return dt.date.fromisoformat(text[:10])
            except ValueError:
                pass
        when = self.commit_date or self.started_at
        return when.date() if when is not None else None

    @property
    def commit_url(self) -> str:
        return f"https://github.com/python/cpython/commit/{self.commit_id}" if self.commit_id else ""


class BenchmarkResult(models.Model):
    """The raw values of one benchmark in one run, with pyperf's mean and standard deviation of them.

    ``values`` holds one list per worker process (calibration runs without values left out), in
    seconds per iteration for timings (pyperf normalises by loops and inner loops). The mean and
    standard deviation are pyperf's ``Benchmark.mean()``/``stdev()``, stored for listing;
    comparisons recompute everything from ``values``.
    """

    run = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="results")
    position = models.PositiveIntegerField(help_text="Order in the file.")
    name = models.CharField(max_length=300)
    unit = models.CharField(max_length=20, default="second")
    mean = models.FloatField()
    stdev = models.FloatField(null=True, blank=True, help_text="Empty with fewer than two values.")
    nvalue = models.PositiveIntegerField("values")
    nprocess = models.PositiveIntegerField("processes", help_text="Worker processes with values.")
    values = models.JSONField(help_text="One list of values per worker process.")
    metadata = models.JSONField(default=dict, help_text="This benchmark's own metadata (loops, tags, …).")

    class Meta:
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="benchmark_result_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} in {self.run}"


class ChangeEvent(models.Model):
    """A notable JIT-relevant change with its merge date, drawn as an annotation on the speedup trend.

    Imported from doesjitgobrrr.com's ``perf_events.yaml`` (``import_perf_events``); ``source``
    names the file it came from.
    """

    date = models.DateField(db_index=True, help_text="When the change merged to CPython main.")
    title = models.CharField(max_length=300)
    link = models.URLField(max_length=500)
    source = models.CharField(max_length=200, help_text="Where the event was read from.")

    class Meta:
        ordering = ["date", "pk"]
        constraints = [models.UniqueConstraint(fields=["date", "link", "title"], name="change_event_unique")]

    def __str__(self) -> str:
        return f"{self.date}: {self.title}"


class ComparisonRecord(models.Model):
    """A comparison of two runs, computed once from their raw values and kept (runs never change).

    ``selection`` is ``""`` for all common benchmarks, else the one benchmark compared;
    ``method`` is the version of the computation, so a changed method recomputes instead of
    reading a stale record. ``data`` is `selectors.Comparison` as JSON (non-finite numbers as text).
    """

    baseline = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(BenchmarkRun, on_delete=models.CASCADE, related_name="+")
    selection = models.CharField(max_length=300, blank=True)
    method = models.PositiveIntegerField()
    data = models.JSONField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["baseline", "candidate", "selection", "method"], name="comparison_record_unique"
            )
        ]

    def __str__(self) -> str:
        return f"run {self.candidate_id} vs run {self.baseline_id} {self.selection}".strip()
