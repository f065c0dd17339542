"""Load the site at scale and measure the task list against a trivial view, gunicorn + wrk, one run (issue 14).

Usage: ``python benchmarks/load_site.py [--database-url URL] [--contributors N] [--claims N]
[--duration SECONDS] [--connections N] [--workers N] [--threads N] [--rounds N] [--keep]``.

1. Builds a fresh database (PostgreSQL by default: ``postgres://postgres@127.0.0.1:5432/jit_load``,
   dropped and created again unless ``--keep``): ``migrate``, a scan of the newest shared
   snapshot (``main-2026-06``, through ``manage.py scan``), then 10,000 contributors (each a
   user) and 50,000 claims spread over the tasks: per task at most one ``active`` claim (the
   database's rule; its task is then ``claimed``), the rest ``released``, ``expired`` or
   ``completed`` history.
2. Serves it with ``gunicorn onboarding.wsgi`` (``--workers`` x ``--threads``, ``DEBUG`` off,
   production's shared cache: the database cache, or Redis when ``REDIS_URL`` is set).
3. Runs ``wrk --latency`` in rounds, alternating the trivial view (``/favicon.ico``: a
   redirect that reads nothing, through the same middleware) and the task list
   (``/tasks/``), signed in as a contributor (a session cookie) so every request is
   rendered (anonymous pages may come from the page cache); then the anonymous task list.

Prints, from the medians over the rounds: requests per second of each, ``ratio: X`` (task
list ÷ trivial view throughput, signed in), the anonymous ratio, and each one's p99 latency
(wrk's 99th percentile). Needs ``wrk`` (``apt-get install wrk``) and PostgreSQL (or give a
``sqlite:///`` URL). Exit status 0, or 2 when a tool is missing or the server fails.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared")).resolve()
PYTHON = sys.executable
SNAPSHOT = "main-2026-06"
REQUESTS_RE = re.compile(r"Requests/sec:\s+([\d.]+)")
P99_RE = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
ERRORS_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
TIMEOUTS_RE = re.compile(r"Socket errors:.*timeout (\d+)")

#: Run inside Django (``manage.py shell -c``): the people, the claims, and a session to browse with.
LOAD = """
import itertools, random
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from onboarding.campaigns.models import Task
from onboarding.claims.models import Claim
from onboarding.contributors.models import Contributor

random.seed(14)
N, M = {contributors}, {claims}
if not User.objects.filter(username="load-0").exists():  # --keep: loaded already
  User.objects.bulk_create(
      [User(username=f"load-{{i}}", password="!") for i in range(N)], batch_size=2000)
  users = list(User.objects.filter(username__startswith="load-").order_by("pk"))
  Contributor.objects.bulk_create(
      [Contributor(user=u, github_handle=u.username) for u in users], batch_size=2000)
  people = list(Contributor.objects.filter(github_handle__startswith="load-").order_by("pk"))
  tasks = list(Task.objects.order_by("pk"))
  now = timezone.now()
  claims, active_tasks = [], []
  for n in range(M):
      task = tasks[n % len(tasks)]
      first_round = n < len(tasks)
      if first_round and task.status == "todo" and random.random() < 0.4:
          status = "active"
          active_tasks.append(task.pk)
      else:
          status = random.choice(["released", "expired", "completed"])
      at = now - timezone.timedelta(days=random.randint(0, 700))
      claims.append(Claim(task=task, contributor=people[n % len(people)], status=status, claimed_at=at,
                          released_at=None if status == "active" else at + timezone.timedelta(days=3)))
  Claim.objects.bulk_create(claims, batch_size=5000)
  Task.objects.filter(pk__in=active_tasks).update(status="claimed")
first = User.objects.get(username="load-0")
session = SessionStore()
session["_auth_user_id"] = str(first.pk)
session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
session["_auth_user_hash"] = first.get_session_auth_hash()
session.create()
print("SESSION", session.session_key)
print("LOADED", User.objects.count(), Contributor.objects.count(), Claim.objects.count(),
      Claim.objects.filter(status="active").count(), Task.objects.count())
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def manage(env: dict[str, str], *args: str) -> str:
    print("  manage.py", " ".join(a if len(a) < 60 else a[:57] + "..." for a in args), flush=True)
    done = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def fresh_postgres(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    base = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["dropdb", *base, "--if-exists", name], check=True)
    subprocess.run(["createdb", *base, name], check=True)


def wrk(url: str, *, duration: int, connections: int, cookie: str | None) -> tuple[float, float, int]:
    """(requests/s, p99 in ms, non-2xx/3xx responses plus timed-out requests) of one wrk run.

    wrk's own timeout is raised to 60 s: with its default (2 s) slow responses would be
    dropped from the latency figures instead of counted.
    """
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "60s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: sessionid={cookie}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rps = float(REQUESTS_RE.search(out)[1])  # type: ignore[index]
    value, unit = P99_RE.search(out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors, timeouts = ERRORS_RE.search(out), TIMEOUTS_RE.search(out)
    return rps, p99, (int(errors[1]) if errors else 0) + (int(timeouts[1]) if timeouts else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/jit_load")
    parser.add_argument("--contributors", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run (default 10)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per pair of URLs (default 3)")
    parser.add_argument("--keep", action="store_true", help="reuse the database as it is (skip building it)")
    args = parser.parse_args()
    for tool in ("wrk", "gunicorn" if shutil.which("gunicorn") else str(Path(PYTHON).parent / "gunicorn")):
        if not shutil.which(tool):
            print(f"error: {tool} is not installed (wrk: apt-get install wrk)", file=sys.stderr)
            return 2
    env = dict(os.environ)
    env.update(
        DATABASE_URL=args.database_url,
        DJANGO_SETTINGS_MODULE="onboarding.settings.base",
        DJANGO_DEBUG="0",
        JIT_SHARED_DIR=str(SHARED),
        LOG_LEVEL="ERROR",
        ALLOWED_HOSTS="127.0.0.1,localhost",
    )
    if not args.keep:
        print("building the database", flush=True)
        if args.database_url.startswith("postgres"):
            fresh_postgres(args.database_url)
        manage(env, "migrate", "--noinput")
        manage(env, "scan", str(SHARED / "cpython" / SNAPSHOT), "--label", SNAPSHOT, "-v", "0")
    out = manage(env, "shell", "-c", LOAD.format(contributors=args.contributors, claims=args.claims))
    cookie = re.search(r"SESSION (\w+)", out)[1]  # type: ignore[index]
    loaded = re.search(r"LOADED (\d+) (\d+) (\d+) (\d+) (\d+)", out)
    print(
        "loaded: {} users, {} contributors, {} claims ({} active), {} tasks".format(*loaded.groups()),  # type: ignore[union-attr]
        flush=True,
    )

    port = free_port()
    gunicorn = shutil.which("gunicorn") or str(Path(PYTHON).parent / "gunicorn")
    server = subprocess.Popen(
        [
            gunicorn,
            "onboarding.wsgi",
            "-w",
            str(args.workers),
            "--threads",
            str(args.threads),
            "-b",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    trivial, tasks = f"{base}/favicon.ico", f"{base}/tasks/"
    try:
        for _ in range(100):
            try:
                started = time.perf_counter()
                urllib.request.urlopen(f"{base}/tasks/", timeout=120).read()
                print(f"  first /tasks/ answered in {time.perf_counter() - started:.2f} s", flush=True)
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        else:
            print("error: gunicorn did not answer", file=sys.stderr)
            return 2
        for url in (trivial, tasks):  # warm every worker
            wrk(url, duration=2, connections=args.connections, cookie=cookie)
        figures: dict[str, list[tuple[float, float, int]]] = {"trivial": [], "tasks": [], "tasks (anonymous)": []}
        for round_ in range(args.rounds):
            for name, url, session in (
                ("trivial", trivial, cookie),
                ("tasks", tasks, cookie),
                ("tasks (anonymous)", tasks, None),
            ):
                figures[name].append(wrk(url, duration=args.duration, connections=args.connections, cookie=session))
            print(
                f"  round {round_ + 1}: " + ", ".join(f"{k} {v[-1][0]:.0f}/s" for k, v in figures.items()), flush=True
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()

    med = {
        name: (statistics.median(r for r, _, _ in runs), statistics.median(p for _, p, _ in runs))
        for name, runs in figures.items()
    }
    bad = {name: sum(e for _, _, e in runs) for name, runs in figures.items()}
    print(f"gunicorn {args.workers} workers x {args.threads} threads; wrk 2 threads, {args.connections} connections,"
          f" {args.duration} s x {args.rounds} rounds (medians)")  # fmt: skip
    for name, (rps, p99) in med.items():
        print(f"  {name}: {rps:.1f} requests/s, p99 {p99:.1f} ms, errors or timeouts {bad[name]}")
    print(f"ratio: {med['tasks'][0] / med['trivial'][0]:.3f}")
    print(f"ratio (anonymous task list): {med['tasks (anonymous)'][0] / med['trivial'][0]:.3f}")
    print(f"p99: task list {med['tasks'][1]:.1f} ms, trivial view {med['trivial'][1]:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
