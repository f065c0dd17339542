"""Per-analysis memoization for campaign helpers that several campaigns (or hooks) call.

An `Analysis` is a frozen dataclass, but hashing it would hash every definition it holds, so
`functools.cache` is no use. `per_analysis` keys results by the object's ``id`` and keeps a
weak reference to prove an entry belongs to the same live object; an entry goes away with
its analysis.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TypeVar, cast

from analyzer.analysis import Analysis

__all__ = ["per_analysis"]

T = TypeVar("T")

_MEMO: dict[tuple[int, str], tuple[weakref.ref[Analysis], object]] = {}


def per_analysis(analysis: Analysis, what: str, compute: Callable[[], T]) -> T:
    """``compute()`` once per live ``analysis`` and ``what`` (a name unique to the caller)."""
    key = (id(analysis), what)
    hit = _MEMO.get(key)
    if hit is not None and hit[0]() is analysis:
        return cast(T, hit[1])
    value = compute()
    _MEMO[key] = (weakref.ref(analysis, lambda _ref: _MEMO.pop(key, None)), value)
    return value
