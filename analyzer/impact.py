"""Impact of a task: how much of real execution runs through its uop, from CPython pystats.

Source: the aggregate pystats file that ``bench_runner`` publishes per CPython commit
(a flat JSON object, optionally gzip-compressed; ``../shared/pystats/README.md``). Only its
``opcode[NAME].execution_count`` keys are read: how many times the tier 1 interpreter
executed instruction ``NAME`` (specialized forms such as ``BINARY_OP_ADD_INT`` under their
own names) over the whole pyperformance suite.

A pystats build counts tier 1 instructions, not uops, so a uop's weight is taken from the
instructions that contain it, as gh-131798 did ("% of all uops executed"): the
**expansion** of an executed instruction is

- for ``macro(NAME)``: the uops among its parts (cache entries and ``flush`` left out;
  a part that is itself a macro is expanded in turn);
- for ``inst(NAME)``: the instruction itself, under both the tier 1 name ``NAME`` and the
  tier 2 name ``_NAME`` the cases generator gives it;
- a family's generic instruction and each specialization are executed and expanded
  separately, so a guard shared by several specializations collects all of their counts.

``impact(uop) = sum(count(I) for executed I whose expansion contains uop) / total``, where
``total`` is the sum of every ``execution_count`` in the file. It is a share in ``[0, 1]``
(multiply by 100 for a percentage). Instructions of the file that the snapshot does not
define still count in ``total`` and add to no uop, so tasks of an older snapshot are not
inflated. A finding's ``impact`` stays ``None`` when no pystats file is given.
"""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from analyzer.analysis import Analysis
from analyzer.campaigns.base import CampaignResult
from analyzer.errors import SourceError

__all__ = ["ExecutionCounts", "expansion", "format_share", "parse_pystats", "read_pystats", "uop_impact", "with_impact"]

_EXECUTION_COUNT_RE = re.compile(r"opcode\[([A-Za-z_][A-Za-z0-9_]*)\]\.execution_count")


@dataclass(frozen=True)
class ExecutionCounts:
    """Tier 1 execution counts read from one pystats file.

    ``counts`` maps an instruction name to how many times it executed (an ``int`` >= 0);
    ``total`` is their sum (executed instructions, a count); ``source`` names the file.
    """

    source: str
    counts: Mapping[str, int]
    total: int


def parse_pystats(data: object, *, source: str) -> ExecutionCounts:
    """Execution counts from a decoded pystats JSON object.

    Raises `SourceError` (naming ``source``) when ``data`` is not a JSON object, has no
    ``opcode[NAME].execution_count`` key, or holds a count that is not a non-negative integer.
    """
    if not isinstance(data, dict):
        raise SourceError(f"not a pystats file: expected a JSON object, found {type(data).__name__}", path=source)
    counts: dict[str, int] = {}
    for key, value in data.items():
        m = _EXECUTION_COUNT_RE.fullmatch(key)
        if m is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SourceError(f"{key} is {value!r}, expected a non-negative integer", path=source)
        counts[m.group(1)] = value
    if not counts:
        raise SourceError("not a pystats file: no 'opcode[NAME].execution_count' keys", path=source)
    return ExecutionCounts(source=source, counts=counts, total=sum(counts.values()))


def read_pystats(path: str | Path) -> ExecutionCounts:
    """Read a pystats ``.json`` or ``.json.gz`` file (gzip is recognised by its magic bytes).

    Raises `SourceError` for a missing or unreadable file, corrupt gzip data, text that is
    not UTF-8 JSON (with the line and column where it stops) or JSON that is not pystats.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SourceError("no such file", path=str(path)) from None
    except IsADirectoryError:
        raise SourceError("is a directory, expected a pystats .json or .json.gz file", path=str(path)) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}", path=str(path)) from None
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"corrupt gzip data: {exc}", path=str(path)) from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"not UTF-8 text (byte {exc.start})", path=str(path)) from None
    except json.JSONDecodeError as exc:
        raise SourceError(f"line {exc.lineno} column {exc.colno}: not JSON: {exc.msg}", path=str(path)) from None
    return parse_pystats(data, source=str(path))


def expansion(analysis: Analysis, instruction: str) -> frozenset[str]:
    """The uop names one executed tier 1 ``instruction`` runs (module docstring); empty if undefined."""
    found: set[str] = set()
    pending = [instruction]
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        macro = analysis.macros.get(name)
        if macro is not None:
            for part in macro.uop_names():
                found.add(part)
                if part in analysis.macros:
                    pending.append(part)
        elif name in analysis.insts:
            found.update((name, analysis.insts[name].tier2_name))
    return frozenset(found)


def uop_impact(analysis: Analysis, counts: ExecutionCounts) -> dict[str, float]:
    """Share of executed instructions (0..1) whose expansion contains each uop name.

    Keys are every uop and instruction name some executed instruction expands to; a name
    absent from the result has impact 0. With ``total == 0`` every share is 0.
    """
    weight: dict[str, int] = {}
    for instruction, n in counts.counts.items():
        if n:
            for uop in expansion(analysis, instruction):
                weight[uop] = weight.get(uop, 0) + n
    if not counts.total:
        return dict.fromkeys(weight, 0.0)
    return {uop: n / counts.total for uop, n in weight.items()}


def with_impact(
    results: Mapping[str, CampaignResult], analysis: Analysis, counts: ExecutionCounts
) -> dict[str, CampaignResult]:
    """The same results with each finding's ``impact`` set from ``counts`` (by its ``uop``)."""
    shares = uop_impact(analysis, counts)
    return {
        slug: dataclasses.replace(
            result,
            findings=tuple(dataclasses.replace(f, impact=shares.get(f.uop, 0.0)) for f in result.findings),
        )
        for slug, result in results.items()
    }


def format_share(impact: float) -> str:
    """A share as gh-131798 printed it: ``1.0%``; ``<0.1%`` for a non-zero share below 0.05%."""
    if 0 < impact < 0.0005:
        return "<0.1%"
    return f"{100 * impact:.1f}%"
