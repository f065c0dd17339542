"""Throughput of the site's main pages against its own 404 page, gunicorn (2 workers) + wrk, one run.

Usage: ``python benchmarks/bench_pages.py [--db PATH] [--duration SECONDS] [--rounds N] [--connections N]``.

Builds (once) a SQLite database holding the demo data, the same steps as ``make demo-data``:
the demo users, every shared snapshot of CPython's main scanned oldest first, task impact
from pystats, the real pull requests of the JIT mega-issues, the real benchmark results and
perf events (each when the shared folder has it). Then it starts ``gunicorn onboarding.wsgi`` with
2 workers (``DEBUG`` off), warms each page, and runs ``wrk`` against each URL in turn: the
404 page of the same app first (the baseline: the routing, middleware and template cost of a
page that reads nothing), then ``/favicon.ico`` (a bare redirect: the middleware alone, for
scale, since the site's own 404 page renders the site's layout), then every main page,
anonymously (as most visitors see them: whole pages from the cache) and then signed in as
the demo user ``alice`` (pages rendered per request, their user-independent parts memoized
per data version). It prints requests per second for each and the ratio to the 404 page; the
target is a ratio of at least 0.50 for each main page (issue 15, item 5), checked on the
anonymous and the signed-in rows.

The machine may be busy with other work whose load changes within a run, so each URL is
measured right after the 404 page, ``--duration`` seconds each, and the ratio is that pair's;
this is repeated for ``--rounds`` rounds over every URL, and a URL's ratio is the median of its
rounds' (its rate the mean). The last column shows the lowest and highest ratio of the rounds.

Needs ``wrk`` (``apt-get install wrk``). Exit status 0 when every main page meets the
target, 1 otherwise, 2 when a tool or the data is missing.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("JIT_SHARED_DIR", ROOT.parent / "shared"))
PYTHON = sys.executable
TARGET_RATIO = 0.50
REQUESTS_RE = re.compile(r"Requests/sec:\s+([\d.]+)")
NON_2XX_RE = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")


def _env(db: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"sqlite:///{db}",
        DJANGO_SETTINGS_MODULE="onboarding.settings.base",
        DJANGO_DEBUG="0",
        JIT_SHARED_DIR=str(SHARED),
        LOG_LEVEL="ERROR",
    )
    return env


def _manage(env: dict[str, str], *args: str) -> None:
    print("  manage.py", " ".join(args), flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def build_database(db: Path) -> None:
    """The demo data (`make demo-data`) in ``db``; when the file exists, only ``migrate`` it."""
    if db.exists():
        _manage(_env(db), "migrate", "--noinput")
        return
    print(f"Building the demo database in {db} (once)", flush=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    partial = db.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    env = _env(partial)
    _manage(env, "migrate", "--noinput")
    _manage(env, "loaddata", "fixtures/users.json")
    _manage(env, "scan_snapshots", "fixtures/snapshots.json", "--root", str(SHARED / "cpython"))
    pystats = sorted((SHARED / "pystats").glob("*.json.gz"))
    if pystats:
        _manage(env, "load_pystats", str(pystats[-1]))
    pulls = SHARED / "github" / "cpython-jit-pulls.json"
    if pulls.is_file():
        _manage(env, "import_pulls", str(pulls))
    runs = [SHARED / "benchmarks" / name for name in ("nightly-aarch64", "pyperf-jit", "pyperf")]
    _manage(env, "import_benchmarks", *(str(r) for r in runs if r.is_dir()))
    events = SHARED / "doesjitgobrrr" / "perf_events.yaml"
    if events.is_file():
        _manage(env, "import_perf_events", str(events))
    partial.rename(db)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, *, cookie: str = "") -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _wait_until_up(base: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited while starting; run it by hand to see why")
        try:
            _get(base + "/favicon.ico")
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("gunicorn did not answer within 20 s")


def _main_pages(base: str) -> dict[str, str]:
    status, body = _get(base + "/api/tasks/?status=todo&page_size=1")
    if status != 200 or not json.loads(body).get("results"):
        raise SystemExit(f"no task in the benchmark database (GET /api/tasks/ answered {status})")
    task = json.loads(body)["results"][0]
    return {
        "dashboard": "/",
        "task list": "/tasks/",
        "task page": f"/tasks/{task['campaign']}/{task['name']}/",
        "leaderboard": "/leaderboard/",
        "speedups overview": "/speedups/",
    }


def _sign_in(base: str) -> str:
    """A ``Cookie`` header value holding a session of the demo user ``alice``."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/accounts/login/", timeout=60).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if token is None:
        raise SystemExit("the login page has no CSRF token")
    form = urllib.parse.urlencode(
        {"login": "alice", "password": "demo-password", "csrfmiddlewaretoken": token.group(1)}
    ).encode()
    opener.open(urllib.request.Request(base + "/accounts/login/", data=form, headers={"Referer": base}), timeout=60)
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies:
        raise SystemExit("signing in as alice failed (are the demo users loaded?)")
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def _wrk(url: str, *, duration: int, connections: int, cookie: str = "") -> tuple[float, int]:
    header = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *header, url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    match = REQUESTS_RE.search(out)
    if match is None:
        raise SystemExit(f"wrk printed no Requests/sec for {url}:\n{out}")
    errors = NON_2XX_RE.search(out)
    return float(match.group(1)), int(errors.group(1)) if errors else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench-pages.sqlite3", help="demo database")
    parser.add_argument("--duration", type=int, default=2, help="seconds of wrk per URL and round (default 2)")
    parser.add_argument("--rounds", type=int, default=4, help="rounds over every URL (default 4)")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections (default 4)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("error: wrk is missing; install it with `apt-get install wrk`", file=sys.stderr)
        return 2
    if not (SHARED / "cpython").is_dir():
        print(f"error: no shared snapshots in {SHARED / 'cpython'}; set JIT_SHARED_DIR", file=sys.stderr)
        return 2
    db = args.db.resolve()
    build_database(db)

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = _env(db)
    env["ALLOWED_HOSTS"] = "127.0.0.1"
    gunicorn = Path(PYTHON).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "onboarding.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,  # Django logs every 404 there
    )
    try:
        _wait_until_up(base, server)
        pages = {
            "404 page (baseline)": "/no-such-page/",
            "bare redirect": "/favicon.ico",
            **_main_pages(base),
        }
        main_pages = set(list(pages)[2:])
        main_pages |= {f"{label}, signed in" for label in main_pages}
        cookie = _sign_in(base)  # first: signing in writes (last_login), which retires every cached page
        runs = [(label, path, "") for label, path in pages.items()]
        runs += [(f"{label}, signed in", path, cookie) for label, path in list(pages.items())[2:]]
        for _, path, session in runs:  # warm both workers (imports, first queries, caches)
            for _ in range(4):
                _get(base + path, cookie=session)
        rates: dict[str, list[float]] = {label: [] for label, _, _ in runs}
        ratios: dict[str, list[float]] = {label: [] for label, _, _ in runs}
        non_2xx: dict[str, int] = dict.fromkeys(rates, 0)
        (baseline_label, baseline_path, _), pages_after = runs[0], runs[1:]
        for number in range(1, args.rounds + 1):
            print(f"  round {number} of {args.rounds}", flush=True)
            for label, path, session in pages_after:
                baseline, _ = _wrk(base + baseline_path, duration=args.duration, connections=args.connections)
                rate, errors = _wrk(base + path, duration=args.duration, connections=args.connections, cookie=session)
                rates[baseline_label].append(baseline)
                ratios[baseline_label].append(1.0)
                rates[label].append(rate)
                ratios[label].append(rate / baseline)
                non_2xx[label] += errors
    finally:
        server.terminate()
        server.wait(timeout=30)
    results = {label: statistics.median(values) for label, values in ratios.items()}
    print(f"\n{'page':<32} {'path':<44} {'req/s':>9} {'ratio':>7}  rounds")
    for label, path, _ in runs:
        expected_errors = label.startswith("404") or label == "bare redirect"
        note = "" if expected_errors or non_2xx[label] == 0 else f"  ({non_2xx[label]} non-2xx answers!)"
        print(
            f"{label:<32} {path:<44} {statistics.fmean(rates[label]):>9.1f} {results[label]:>7.3f}"
            f"  {min(ratios[label]):.2f}-{max(ratios[label]):.2f}{note}"
        )
    slow = [label for label, ratio in results.items() if ratio < TARGET_RATIO and label in main_pages]
    print(f"\nTarget: every main page at {TARGET_RATIO:.2f} or more of the 404 page's throughput.")
    print("All pages meet it." if not slow else "Below target: " + ", ".join(slow))
    return 0 if not slow else 1


if __name__ == "__main__":
    sys.exit(main())
