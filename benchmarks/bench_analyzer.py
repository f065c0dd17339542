"""Time the full analysis of a snapshot against a bare regex pass over its definition headers.

Usage: ``python benchmarks/bench_analyzer.py [SNAPSHOT_DIR] [--runs N] [--process-runs N] [--scaling]``.

Three figures, all medians measured in this run on this machine:

- **bare pass**: read ``Python/bytecodes.c`` and run the issue's regular expression
  ``^\\s*(inst|op|macro|family|pseudo|label)\\s*\\(`` (multiline) over it, counting matches:
  the cheapest thing that finds the definitions.
- **full analysis**: in the same process, `analyze` (read and parse bytecodes.c and
  optimizer_bytecodes.c, check the model) plus every registered campaign (`run_all`),
  each run from empty caches (`clear_analyzer_caches`), as a first analysis would be.
  The two are run alternately, so both see the same machine load; their **ratio** is the
  figure the issue bounds (target: at most 20).
- **whole process**: ``python -m analyzer SNAPSHOT --format json`` as a subprocess (output
  discarded), beside ``python -c pass`` for the interpreter's own start-up.

Each figure is given in wall-clock time and in CPU time (``time.process_time``, and the
children's user+system time for subprocesses): on a machine shared with other work the CPU
times, and ratios of them, are the steadier figures.

``--scaling`` also checks that time and memory grow linearly with the input: the
definitions of both files are repeated k = 1, 2, 4 times with every defined name renamed
per copy (so each copy is a distinct, valid set of definitions), and the peak traced
memory (``tracemalloc``) and the time of the full analysis are printed per k.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.analysis import analyze, analyze_tree  # noqa: E402
from analyzer.campaigns import run_all  # noqa: E402
from analyzer.parser import marker_line  # noqa: E402
from analyzer.source import Source, SourceTree  # noqa: E402

SHARED = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared"))
#: The baseline's pattern, exactly as the issue states it (item 6).
HEADER_RE = re.compile(r"^\s*(inst|op|macro|family|pseudo|label)\s*\(", re.MULTILINE)
TARGET_RATIO = 20.0


Timing = tuple[float, float]  # (wall seconds, CPU seconds)


def clear_analyzer_caches() -> int:
    """Empty every ``functools`` cache of the analyzer's modules; return how many there were.

    Some helpers keep results per definition value (``analyzer.cbody.body_of``), so analysing
    the same files again would find them ready: each timed analysis starts without them.
    """
    cleared = 0
    for name, module in list(sys.modules.items()):
        if name == "analyzer" or name.startswith("analyzer."):
            for value in vars(module).values():
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
                    cleared += 1
    return cleared


def interleaved_medians(first: Callable[[], object], second: Callable[[], object], runs: int) -> tuple[Timing, Timing]:
    """Median (wall, CPU) seconds of each function, run alternately so both see the same load.

    The analyzer's caches are emptied before each call (outside the timed part).
    """
    a: list[Timing] = []
    b: list[Timing] = []
    for _ in range(runs):
        for fn, times in ((first, a), (second, b)):
            clear_analyzer_caches()
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return _medians(a), _medians(b)


def _medians(times: list[Timing]) -> Timing:
    return statistics.median(t[0] for t in times), statistics.median(t[1] for t in times)


def process_median(argv: list[str], runs: int) -> Timing:
    """Median (wall, CPU) seconds of running ``argv`` to completion (output discarded)."""
    times: list[Timing] = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        times.append((time.perf_counter() - wall, cpu))
    return _medians(times)


def repeated(source: Source, names: list[str], copies: int) -> Source:
    """``source`` with its definition region repeated ``copies`` times, names renamed per copy."""
    text = source.text
    begin_line = marker_line(text, "// BEGIN BYTECODES //")
    assert begin_line is not None, f"{source.name} has no BEGIN BYTECODES line"
    begin = begin_line[1]
    end_line = marker_line(text, "// END BYTECODES //", begin)
    assert end_line is not None, f"{source.name} has no END BYTECODES line"
    end = end_line[0]
    word = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True))) + r")\b")
    region = text[begin:end]
    parts = [word.sub(lambda m, i=i: f"{m.group()}_C{i}", region) for i in range(copies)]
    return Source.from_text(text[:begin] + "".join(parts) + text[end:], name=source.name)


def scaling(snapshot: Path, runs: int) -> None:
    """Print time and peak traced memory of the full analysis for 1, 2 and 4 copies of the input."""
    base = analyze(snapshot)
    names = sorted({d.name for d in base.bytecodes.definitions})
    tree = base.tree
    print("scaling (definitions repeated k times, names renamed per copy):")
    first: tuple[float, float] | None = None
    for k in (1, 2, 4):
        big = SourceTree(
            root=None,
            bytecodes=repeated(tree.bytecodes, names, k),
            optimizer=repeated(tree.optimizer, names, k) if tree.optimizer else None,
            test_opt=None,
        )

        def full(big: SourceTree = big) -> int:
            return sum(len(r.findings) for r in run_all(analyze_tree(big)).values())

        findings = full()
        times = []
        for _ in range(runs):
            clear_analyzer_caches()
            start = time.process_time()
            full()
            times.append(time.process_time() - start)
        clear_analyzer_caches()
        tracemalloc.start()
        full()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        seconds = statistics.median(times)
        first = first or (seconds, peak)
        print(
            f"  k={k}: {len(big.bytecodes.text) / 1e6:5.2f} MB of bytecodes.c, {findings} findings, "
            f"{seconds * 1000:8.1f} ms CPU ({seconds / first[0] / k:.2f} x k), "
            f"peak {peak / 1e6:6.1f} MB ({peak / first[1] / k:.2f} x k)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", default=str(SHARED / "cpython" / "main-2026-06"))
    parser.add_argument("--runs", type=int, default=25, help="in-process runs of each (default 25)")
    parser.add_argument("--process-runs", type=int, default=7, help="subprocess runs (default 7)")
    parser.add_argument("--scaling", action="store_true", help="also check time and memory against input size")
    args = parser.parse_args()
    snapshot = Path(args.snapshot)
    bytecodes = snapshot / "Python" / "bytecodes.c"

    def regex_pass() -> int:
        text = bytecodes.read_text()
        return sum(1 for _ in HEADER_RE.finditer(text))

    def full_analysis() -> int:
        results = run_all(analyze(snapshot))
        return sum(len(r.findings) for r in results.values())

    headers, findings = regex_pass(), full_analysis()  # warm up, and check both do work
    baseline, full = interleaved_medians(regex_pass, full_analysis, args.runs)
    whole = process_median([sys.executable, "-m", "analyzer", str(snapshot), "--format", "json"], args.process_runs)
    bare_python = process_median([sys.executable, "-c", "pass"], args.process_runs)
    print(f"snapshot: {snapshot}")
    print(f"medians of {args.runs} runs, wall / CPU:")
    print(f"bare regex pass:   {baseline[0] * 1000:8.2f} / {baseline[1] * 1000:8.2f} ms ({headers} headers)")
    print(
        f"full analysis:     {full[0] * 1000:8.2f} / {full[1] * 1000:8.2f} ms "
        f"({findings} findings, both files, all campaigns)"
    )
    for clock, i in (("wall", 0), ("CPU", 1)):
        ratio = full[i] / baseline[i]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
        print(f"ratio ({clock}): {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x): {verdict}")
    print(
        f"whole process `python -m analyzer PATH --format json`, median of {args.process_runs}: "
        f"{whole[0] * 1000:.0f} ms wall / {whole[1] * 1000:.0f} ms CPU "
        f"(interpreter start-up alone: {bare_python[0] * 1000:.0f} / {bare_python[1] * 1000:.0f} ms)"
    )
    if args.scaling:
        scaling(snapshot, max(3, args.runs // 5))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
