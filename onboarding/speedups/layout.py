"""bench_runner's results layout: what a file's folder and name say about the run.

bench_runner (github.com/faster-cpython/bench_runner, ``bench_runner/result.py``,
``Result.from_filename`` and ``Result.filename``) writes each raw result as::

    results/bm-DATE-VERSION-SHORTSHA[-FLAGS]/bm-DATE-NICKNAME-MACHINE-FORK-REF-VERSION-SHORTSHA[-EXTRA].json

FLAGS is a comma-separated list of build flags (``JIT``, ``PYTHON_UOPS``, ``NOGIL``,
``TAILCALL``; none for the default build); NICKNAME is the runner's name in
``bench_runner.toml``; EXTRA marks files that are not raw results (``pystats``, ``vs-base``).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FLAG_BUILDS", "ResultPath", "build_from_flags", "excluded_benchmarks_read", "result_path_parse"]

#: What each bench_runner flag builds (bench_runner/flags.py), as this app's build labels.
FLAG_BUILDS = {"JIT": "jit", "PYTHON_UOPS": "tier2-interpreter", "NOGIL": "free-threading", "TAILCALL": "tailcall"}


@dataclass(frozen=True)
class ResultPath:
    """What a raw result file's path says: runner nickname, architecture, version, commit and flags."""

    nickname: str
    arch: str
    version: str
    short_commit: str
    flags: tuple[str, ...]

    @property
    def configuration(self) -> str:
        return ",".join(self.flags)

    @property
    def build(self) -> str:
        return build_from_flags(self.flags)


def build_from_flags(flags: tuple[str, ...] | list[str]) -> str:
    """``('JIT',)`` -> ``jit``; several flags join with ``+`` (``free-threading+jit``); none -> ``default``.

    An unknown flag is kept, lower-cased, so it is never mistaken for another build.
    """
    labels = sorted({FLAG_BUILDS.get(flag, flag.lower()) for flag in flags if flag})
    return "+".join(labels) or "default"


def result_path_parse(path: Path) -> ResultPath | None:
    """The facts of a raw result file in bench_runner's layout, or None for any other file.

    Files with an EXTRA part (pystats, comparison tables) are not raw results: None.
    """
    name = path.name
    for suffix in (".json.gz", ".json"):
        if name.endswith(suffix):
            stem = name[: -len(suffix)]
            break
    else:
        return None
    parts = stem.split("-")
    folder = path.parent.name.split("-")
    if len(parts) != 8 or parts[0] != "bm" or len(folder) not in (4, 5) or folder[0] != "bm":
        return None
    _, _, nickname, arch, _fork, _ref, version, short_commit = parts
    if folder[3] != short_commit:
        return None
    flags = tuple(flag for flag in folder[4].split(",") if flag) if len(folder) == 5 else ()
    return ResultPath(nickname=nickname, arch=arch, version=version, short_commit=short_commit, flags=flags)


def excluded_benchmarks_read(path: Path) -> list[str]:
    """``[benchmarks] excluded_benchmarks`` of a ``bench_runner.toml``.

    Raises ValueError with ``file: what is wrong`` when the file is not TOML or the list is malformed.
    """
    try:
        with path.open("rb") as stream:
            config = tomllib.load(stream)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: not TOML ({exc})") from None
    benchmarks = config.get("benchmarks", {})
    excluded = benchmarks.get("excluded_benchmarks", []) if isinstance(benchmarks, dict) else None
    if not isinstance(excluded, list) or not all(isinstance(name, str) for name in excluded):
        raise ValueError(f"{path}: [benchmarks] excluded_benchmarks must be a list of benchmark names")
    return sorted(set(excluded))
