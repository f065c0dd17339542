"""Time ``manage.py scan_history`` end to end on a 1,000-commit git history, in-process and on 1 and 2 Celery workers.

Usage: ``python benchmarks/bench_history.py [--commits N] [--dsl-share F] [--workers 0,1,2] [--keep DIR]``.

The history is built like the tests' (``tests/history/repo.py``, ``git fast-import``): the
five main-line snapshots of ``fixtures/snapshots.json`` in date order over two years, a
conversion reverted and re-applied, and between them ``N`` commits in all, of which a share
``F`` (default 0.08; CPython's main had roughly 3-8 % of its commits touch bytecodes.c or
optimizer_bytecodes.c in 2025-2026) edit a DSL file trivially (a comment line, so each is a
new blob to analyze) and the rest touch other files (Lib/, Doc/, Misc/NEWS.d/). Each mode
scans into a fresh, migrated SQLite database (empty analysis cache); the migration is not
timed. Workers run ``celery -A onboarding worker --pool solo`` on a private queue of the
Redis at 127.0.0.1:6379. Reports wall seconds per mode, the ratio to the in-process run
measured in the same invocation, and a re-run (all versions cached unless the analyzer's
sources changed in between; ``--commit HEAD`` runs a frozen copy). Target: under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.history.repo import MANIFEST, Step, build_repository, snapshot_files  # noqa: E402

SHARED = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared"))
REDIS = "redis://127.0.0.1:6379"
TARGET_SECONDS = 60.0
AUTHORS = [
    ("Ada Contributor", "ada@example.org"),
    ("Brandt Example", "brandt@example.org"),
    ("Ken Example", "ken@example.org"),
    ("Nadia Example", "nadia@example.org"),
]
OTHER_FILES = [
    "Lib/test/test_capi/test_opt.py",
    "Doc/whatsnew/3.15.rst",
    "Misc/NEWS.d/next/Core/entry.rst",
    "Lib/json/__init__.py",
    "Objects/listobject.c",
]


def history_steps(commits: int, dsl_share: float, seed: int = 1) -> list[Step]:
    """``commits`` steps: the snapshots in date order, a revert and re-apply, trivial DSL edits and other files."""
    rng = random.Random(seed)
    labels = [e["label"] for e in MANIFEST]
    files = {label: snapshot_files(SHARED / "cpython", label) for label in labels}
    start = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    span = dt.timedelta(days=740)
    # Where each snapshot lands in the sequence, by its date; the revert and re-apply follow the fourth.
    at_index = {
        round((dt.datetime.fromisoformat(e["date"]).replace(tzinfo=dt.UTC) - start) / span * (commits - 3)): e["label"]
        for e in MANIFEST
    }
    current = dict(files[labels[0]])
    previous_label = labels[0]
    steps: list[Step] = []
    number = 140000
    for i in range(commits - 2):
        when = start + span * i / commits
        number += 1
        author = rng.choice(AUTHORS)
        if i in at_index:
            label = at_index[i]
            steps.append(Step(when, f"gh-134584: Convert more uops ({label}) (#{number})", files[label], author))
            if label == labels[3]:
                steps.append(
                    Step(
                        when,
                        f'Revert "gh-134584: Convert more uops ({label}) (#{number})" (#{number + 1})',
                        files[previous_label],
                        author,
                    )
                )
                steps.append(Step(when, f"gh-134584: Convert more uops, again (#{number + 2})", files[label], author))
                number += 2
            current, previous_label = dict(files[label]), label
        elif rng.random() < dsl_share:
            name = (
                "Python/bytecodes.c"
                if rng.random() < 0.6 or current["Python/optimizer_bytecodes.c"] is None
                else "Python/optimizer_bytecodes.c"
            )
            current[name] = (current[name] or b"") + f"\n// gh-{number}: note {i}\n".encode()
            steps.append(
                Step(when, f"gh-{number}: Tidy a comment in {name} (#{number})", {name: current[name]}, author)
            )
        else:
            name = rng.choice(OTHER_FILES)
            steps.append(
                Step(when, f"gh-{number}: Update {name} (#{number})", {name: f"revision {i}\n".encode()}, author)
            )
    return steps


def env_for(database: Path, *, queue: str | None, project: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_")) and k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="onboarding.settings.base",
        DATABASE_URL=f"sqlite:///{database}",
        JIT_SHARED_DIR=str(SHARED),
        BENCH_PROJECT=str(project),
    )
    if queue:
        env.update(CELERY_BROKER_URL=f"{REDIS}/0", CELERY_RESULT_BACKEND=f"{REDIS}/1", CELERY_TASK_DEFAULT_QUEUE=queue)
    return env


def start_workers(count: int, env: dict[str, str], queue: str, tmp: Path) -> list[subprocess.Popen[bytes]]:
    workers = []
    for n in range(count):
        log = tmp / f"worker-{queue}-{n}.log"
        with log.open("wb") as out:
            workers.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "onboarding",
                        "worker",
                        "--pool",
                        "solo",
                        "--queues",
                        queue,
                        "--hostname",
                        f"bench{n}-{queue}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "--loglevel",
                        "INFO",
                    ],
                    cwd=env["BENCH_PROJECT"],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 120
        while " ready." not in log.read_text(errors="replace"):
            if time.monotonic() > deadline or workers[-1].poll() is not None:
                raise SystemExit(f"worker {n} did not start; see {log}")
            time.sleep(0.1)
    return workers


def timed_scan(repo: Path, env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds of the command's own process (not the workers') and its summary line."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", "scan_history", str(repo), "-v", "1"],
        cwd=env["BENCH_PROJECT"],
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu, done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--dsl-share", type=float, default=0.08)
    parser.add_argument("--workers", default="0,1,2", help="Comma-separated worker counts; 0 is in-process.")
    parser.add_argument("--keep", help="Build the repository here and keep it.")
    parser.add_argument(
        "--commit",
        help="Run the project as of this commit (git archive into a temporary folder), e.g. HEAD, so edits "
        "in the work tree during the run cannot change the analyzer (and so invalidate the cache) midway.",
    )
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-history-"))
    repo = Path(args.keep) if args.keep else tmp / "cpython"
    project = ROOT
    try:
        if args.commit:
            project = tmp / "project"
            project.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.commit], check=True, capture_output=True)
            subprocess.run(["tar", "-x", "-C", str(project)], input=archive.stdout, check=True)
            print(f"project as of {args.commit} in {project}")
        start = time.perf_counter()
        steps = history_steps(args.commits, args.dsl_share)
        shas = build_repository(repo, steps)
        print(f"built {len(shas)} commits in {time.perf_counter() - start:.1f} s at {repo}")
        results: dict[int, float] = {}
        for count in (int(n) for n in args.workers.split(",")):
            database = tmp / f"db-{count}.sqlite3"
            queue = f"bench-{uuid.uuid4().hex[:10]}" if count else None
            env = env_for(database, queue=queue, project=project)
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=project, env=env, check=True
            )
            workers = start_workers(count, env, queue, tmp) if queue else []
            try:
                seconds, cpu, summary = timed_scan(repo, env)
                results[count] = seconds
                again, _, again_summary = timed_scan(repo, env)
            finally:
                for worker in workers:
                    os.killpg(worker.pid, signal.SIGTERM)
                    worker.wait(timeout=60)
            mode = f"{count} worker{'s' if count > 1 else ''}" if count else "in-process"
            ratio = f"{results[0] / seconds:.2f}x vs in-process" if 0 in results else ""
            print(f"{mode:>12}: {seconds:6.1f} s wall, {cpu:5.1f} s CPU in the command  {ratio}")
            print(f"{'':>14}{summary}")
            print(f"{'':>14}re-run {again:.1f} s: {again_summary}")
            print(f"{'':>14}load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        worst = max(results.values())
        print(
            f"target < {TARGET_SECONDS:.0f} s: {'met' if worst < TARGET_SECONDS else 'NOT met'} (slowest {worst:.1f} s)"
        )
        return 0 if worst < TARGET_SECONDS else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
