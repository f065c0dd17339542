"""Time a full analysis of the newest snapshot against a bare regex pass over its headers.

Usage: ``python benchmarks/bench_analyzer.py [SNAPSHOT_DIR] [--runs N]``.

The baseline is one ``re.finditer`` over bytecodes.c matching definition headers (the
cheapest thing that finds every definition), measured in the same process. The full
analysis reads bytecodes.c and optimizer_bytecodes.c, parses both, checks the model and
runs every campaign. Reports medians in milliseconds and their ratio; the target is a
ratio of at most 20 (issue: analyzer, item 6).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analyzer.analysis import analyze  # noqa: E402
from analyzer.campaigns import run_all  # noqa: E402

SHARED = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared"))
HEADER_RE = re.compile(
    r"^[ \t]*(?:\w+(?:\([\d:]+\))?[ \t]+)*(inst|op|macro|family|pseudo|label)[ \t]*\((\w+)", re.MULTILINE
)
TARGET_RATIO = 20.0


def interleaved_medians(first, second, runs: int) -> tuple[float, float]:
    """Median seconds of each function, run alternately so both see the same machine load."""
    a, b = [], []
    for _ in range(runs):
        for fn, times in ((first, a), (second, b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    return statistics.median(a), statistics.median(b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot", nargs="?", default=str(SHARED / "cpython" / "main-2026-06"))
    parser.add_argument("--runs", type=int, default=25)
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
    ratio = full / baseline
    print(f"snapshot: {snapshot}")
    print(f"regex header pass: {baseline * 1000:8.2f} ms median of {args.runs} ({headers} headers)")
    print(
        f"full analysis:     {full * 1000:8.2f} ms median of {args.runs} "
        f"({findings} findings, both files, all campaigns)"
    )
    print(f"ratio: {ratio:.1f}x (target <= {TARGET_RATIO:.0f}x): {'ok' if ratio <= TARGET_RATIO else 'OVER TARGET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
