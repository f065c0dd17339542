"""``demo_data``: what the page banner says while ``load_demo_data`` is loading the demo's data."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onboarding.demodata.status import FINISHED, loader_alive, read_status


def demo_data(request: HttpRequest) -> dict[str, Any]:
    """``{"demo_data": {...}}`` while the demo data is incomplete, else ``{}``.

    The value has ``state`` (``"loading"``: the loader runs; ``"failed"``: a step failed;
    ``"stopped"``: the loader died before finishing; ``make demo`` marks the file ``starting``
    until its loader has started), ``step`` (the running, failed or next
    step's title), ``number`` and ``total`` (its 1-based position and the step count),
    ``error`` (the failed step's message, else "") and ``log`` (the loader's log file).
    Reads one small file per page, no database query; nothing when the file is absent.
    """
    status = read_status()
    if status is None:
        return {}
    steps = [s for s in status["steps"] if isinstance(s, dict)]
    open_steps = [(n, s) for n, s in enumerate(steps, 1) if s.get("status") not in FINISHED]
    if not open_steps:
        return {}
    failed = [(n, s) for n, s in open_steps if s.get("status") == "failed"]
    number, step = failed[0] if failed else open_steps[0]
    if failed:
        state = "failed"
    elif status.get("starting") or loader_alive(status.get("pid")):
        state = "loading"
    else:
        state = "stopped"
    return {
        "demo_data": {
            "state": state,
            "step": str(step.get("title") or step.get("name") or ""),
            "number": number,
            "total": len(steps),
            "error": str(step.get("error") or "") if failed else "",
            "log": str(status.get("log") or ""),
        }
    }
