"""Read a pyperf result file (JSON, optionally gzipped) with the pyperf library into plain data."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import json
import math
import shlex
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyperf

from onboarding.speedups.errors import BenchmarkFileInvalid

__all__ = [
    "BUILD_DEFAULT",
    "MAX_CONTENT_BYTES",
    "ResultFile",
    "ResultFileBenchmark",
    "build_from_config_args",
    "read_result_file",
]

#: The label of a build configured with none of the options below.
BUILD_DEFAULT = "default"
#: What ``--enable-experimental-jit=VALUE`` builds (CPython's configure.ac): the JIT, on (``yes``,
#: or no value) or compiled in but off unless PYTHON_JIT=1 (``yes-off``); or only the tier 2
#: interpreter (``interpreter``). ``no`` is the default build.
_JIT_VALUES = {"": "jit", "yes": "jit", "yes-off": "jit-off", "interpreter": "tier2-interpreter"}
#: Other configure options that change the interpreter being measured, and their labels.
_BUILD_OPTIONS = {"--disable-gil": "free-threading", "--with-tail-call-interp": "tailcall"}
_GZIP_MAGIC = b"\x1f\x8b"
#: The largest pyperf file accepted, after decompression (bytes). Real pyperformance files are
#: 0.5-2 MB uncompressed; a gzip bomb stops being read here instead of filling memory.
MAX_CONTENT_BYTES = 32 * 1024 * 1024
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ResultFileBenchmark:
    """One benchmark of a file: its values per worker process and pyperf's statistics of them."""

    name: str
    unit: str
    values: list[list[float]]
    mean: float
    stdev: float | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class ResultFile:
    """What a pyperf result file holds, as the speedups app stores it."""

    sha256: str
    metadata: dict[str, Any]
    benchmarks: list[ResultFileBenchmark]
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    def text(self, key: str) -> str:
        """A top-level metadata value as text, ``""`` when absent."""
        value = self.metadata.get(key)
        return "" if value is None else str(value)

    @property
    def commit_date(self) -> dt.datetime | None:
        """bench_runner's / pyperformance's ``commit_date`` (ISO 8601), or None if absent or unreadable."""
        return _parse_datetime(self.text("commit_date"))

    @property
    def build(self) -> str:
        return build_from_config_args(self.text("python_config_args"))


def build_from_config_args(config_args: str) -> str:
    """The build label of CPython's configure arguments, e.g. ``'--enable-experimental-jit=yes' 'CC=gcc'``.

    ``jit``, ``tailcall``, ``free-threading`` (or several joined by ``+``, e.g.
    ``free-threading+jit``), else `BUILD_DEFAULT`. pyperf records the arguments as
    ``python_config_args`` (``sysconfig.get_config_var("CONFIG_ARGS")``), shell-quoted.
    """
    try:
        args = shlex.split(config_args)
    except ValueError:  # unbalanced quotes: still find the options
        args = config_args.replace("'", " ").replace('"', " ").split()
    labels = set()
    for arg in args:
        option, has_value, value = arg.partition("=")
        if option == "--enable-experimental-jit" and value != "no":
            labels.add(_JIT_VALUES.get(value if has_value else "", f"jit-{value}"))
        elif option in _BUILD_OPTIONS and value != "no":
            labels.add(_BUILD_OPTIONS[option])
    return "+".join(sorted(labels)) or BUILD_DEFAULT


def read_result_file(content: bytes, *, file_name: str) -> ResultFile:
    """Parse ``content`` (a pyperf JSON file, gzipped or not) with ``pyperf.BenchmarkSuite``.

    Raises `BenchmarkFileInvalid`, with a message naming ``file_name``, when it is not pyperf
    output or holds no benchmark with values.
    """
    if len(content) > MAX_CONTENT_BYTES:
        raise _invalid(file_name, f"it is larger than {MAX_CONTENT_BYTES // (1024 * 1024)} MB")
    try:
        if content.startswith(_GZIP_MAGIC):
            content = _gunzip_bounded(content, file_name=file_name)
        text = content.decode("utf-8")
        _check_values(json.loads(text), file_name=file_name)
        suite = pyperf.BenchmarkSuite.loads(text)
    except (OSError, EOFError, zlib.error) as exc:
        raise _invalid(file_name, f"it looks gzipped but does not decompress ({exc})") from None
    except UnicodeDecodeError:
        raise _invalid(file_name, "it is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise _invalid(file_name, f"it is not JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise _invalid(file_name, "its JSON is nested too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _invalid(file_name, f"pyperf cannot read it ({type(exc).__name__}: {exc})") from None
    suite_metadata = _jsonable(suite.get_metadata())
    benchmarks = [_benchmark(bench, suite_metadata) for bench in suite.get_benchmarks() if bench.get_nvalue()]
    if not benchmarks:
        raise _invalid(file_name, "none of its benchmarks has values (only calibration runs?)")
    try:
        dates = suite.get_dates()
    except ValueError:  # a run's "date" metadata that is not a date: the dates stay unknown
        dates = None
    return ResultFile(
        sha256=hashlib.sha256(content).hexdigest(),
        metadata=suite_metadata,
        benchmarks=benchmarks,
        started_at=_as_utc(dates[0]) if dates else None,
        finished_at=_as_utc(dates[1]) if dates else None,
    )


def _gunzip_bounded(content: bytes, *, file_name: str) -> bytes:
    """Decompress gzip ``content`` chunk by chunk, refusing it once it passes `MAX_CONTENT_BYTES`."""
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=io.BytesIO(content)) as stream:
        while chunk := stream.read(_CHUNK):
            out.write(chunk)
            if out.tell() > MAX_CONTENT_BYTES:
                raise _invalid(
                    file_name, f"it decompresses to more than {MAX_CONTENT_BYTES // (1024 * 1024)} MB (a gzip bomb?)"
                )
    return out.getvalue()


def _check_values(data: object, *, file_name: str) -> None:
    """Refuse, naming the benchmark and run, a value that is not a finite number or a timing that is not positive.

    Run on the parsed JSON before pyperf reads it (pyperf refuses such values too, but without
    saying where). Anything else malformed is left to pyperf to report.
    """
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), list):
        return
    top = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    for bench in data["benchmarks"]:
        if not isinstance(bench, dict) or not isinstance(bench.get("runs"), list):
            continue
        metadata = {**top, **(bench["metadata"] if isinstance(bench.get("metadata"), dict) else {})}
        name, unit = metadata.get("name", "?"), metadata.get("unit", "second")
        for number, run in enumerate(bench["runs"], start=1):
            values = run.get("values") if isinstance(run, dict) else None
            for value in values if isinstance(values, list) else ():
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise _invalid(
                        file_name, f"benchmark {name!r}, run {number}: value {value!r} is not a finite number"
                    )
                if value <= 0:
                    what = f"timing {value!r} s" if unit == "second" else f"value {value!r}"
                    raise _invalid(file_name, f"benchmark {name!r}, run {number}: {what} is not positive")


def _benchmark(bench: pyperf.Benchmark, suite_metadata: Mapping[str, Any]) -> ResultFileBenchmark:
    metadata = _jsonable(bench.get_metadata())
    return ResultFileBenchmark(
        name=bench.get_name(),
        unit=bench.get_unit(),
        values=[list(run.values) for run in bench.get_runs() if run.values],
        mean=bench.mean(),
        stdev=bench.stdev() if bench.get_nvalue() > 1 else None,
        metadata={key: value for key, value in metadata.items() if suite_metadata.get(key) != value},
    )


def _invalid(file_name: str, why: str) -> BenchmarkFileInvalid:
    return BenchmarkFileInvalid(
        f"{file_name} is not a pyperf result file: {why}. Give a .json or .json.gz file written by "
        "pyperf or pyperformance (for example `pyperformance run -o results.json`).",
        extra={"file_name": file_name},
    )


def _jsonable(metadata: Mapping[str, Any]) -> dict[str, Any]:
    plain = (str, int, float, bool, type(None))
    return {
        str(key): value if isinstance(value, plain) else list(value) if _is_plain_list(value) else str(value)
        for key, value in metadata.items()
    }


def _is_plain_list(value: object) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(item, str | int | float) for item in value)


def _parse_datetime(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        return _as_utc(dt.datetime.fromisoformat(text))
    except ValueError:
        return None


def _as_utc(value: dt.datetime) -> dt.datetime:
    """An aware datetime; a naive one (pyperf's run dates) is taken as UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
