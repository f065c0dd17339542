"""Time the speedup series read from kept comparison records against recomputing it from the raw values.

Usage: ``python benchmarks/bench_speedups.py [TREE] [--runs N]`` (TREE defaults to
``../shared/benchmarks/nightly-aarch64``).

Imports TREE into a fresh SQLite database in a temporary folder (timed: the ``make demo``
import), then, alternately so both see the same machine load, builds the JIT-vs-default
series with every pair's `ComparisonRecord` present ("kept") and with them deleted first
("recomputed": pyperf's and bench_runner's statistics over every raw value). Prints the
medians in seconds and their ratio (recomputed ÷ kept).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tree", nargs="?", default=str(ROOT.parent / "shared/benchmarks/nightly-aarch64"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-speedups-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onboarding.settings.base")
    import django

    django.setup()
    from django.core.management import call_command

    from onboarding.speedups.models import ComparisonRecord
    from onboarding.speedups.selectors import speedup_series

    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    call_command("import_benchmarks", args.tree, verbosity=0, stdout=io.StringIO())
    print(f"import of {args.tree} (with every comparison computed): {time.perf_counter() - start:.1f} s")

    kept, recomputed = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        series = speedup_series(baseline_build="default", candidate_build="jit")
        kept.append(time.perf_counter() - start)
        ComparisonRecord.objects.all().delete()
        start = time.perf_counter()
        speedup_series(baseline_build="default", candidate_build="jit")
        recomputed.append(time.perf_counter() - start)
    nights = sum(len(points) for points in series.points.values())
    print(f"series of {nights} nights, kept records: median {statistics.median(kept):.3f} s")
    print(f"series of {nights} nights, recomputed:   median {statistics.median(recomputed):.3f} s")
    print(f"ratio: {statistics.median(recomputed) / statistics.median(kept):.1f}")


if __name__ == "__main__":
    main()
