"""A benchmark value in its pyperf unit, as ``pyperf compare_to`` prints it: "3.82 ms", "53.6 ns", "12.5 MiB".

pyperf formats values only through the private ``pyperf._formatter`` or through a
``pyperf.Benchmark`` (``Benchmark.format_values``, public but needs a benchmark object); our pages
and commands hold a unit and numbers from the database. So the formula is transcribed here from
**pyperf 2.10.0**, MIT license, Copyright 2016 Red Hat, Inc. and Google Inc.,
``pyperf/_formatter.py``: ``format_timedeltas``, ``format_filesize``, ``format_number``,
``format_values``, ``format_value``. ``tests/speedups/test_units.py`` checks it against
``pyperf.Benchmark.format_values`` on real result files and on each unit.

Units are pyperf's metadata units: ``second`` (the default when empty), ``byte``, ``integer``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["UNITS", "format_value", "format_values"]

_TIMEDELTA_UNITS = ("sec", "ms", "us", "ns")


def _format_timedeltas(values: Sequence[float]) -> tuple[str, ...]:
    """Seconds, all scaled like the first one: three significant digits of it, in sec/ms/us/ns."""
    ref_value = abs(values[0])
    for i in range(2, -9, -1):
        if ref_value >= 10.0**i:
            break
    else:
        i = -9
    precision = 2 - i % 3
    k = -(i // 3) if i < 0 else 0
    factor = 10 ** (k * 3)
    unit = _TIMEDELTA_UNITS[k]
    return tuple(f"{value * factor:.{precision}f} {unit}" for value in values)


def _format_filesize(size: float) -> str:
    if size < 10 * 1024:
        return f"{size:.0f} byte" if size == 1 else f"{size:.0f} bytes"
    if size > 10 * 1024 * 1024:
        return f"{size / (1024.0 * 1024.0):.1f} MiB"
    return f"{size / 1024.0:.1f} KiB"


def _format_number(number: float) -> str:
    """An integer count; exact powers of ten from 10^4 and of two above 8192 as "10^5", "2^14"."""
    if number >= 10000:
        pow10, x, r = 0, number, 0.0
        while x >= 10:
            x, r = divmod(x, 10)
            pow10 += 1
            if r:
                break
        if not r:
            return f"10^{pow10}"
    if isinstance(number, int) and number > 8192:
        pow2, n, rem = 0, number, 0
        while n >= 2:
            n, rem = divmod(n, 2)
            pow2 += 1
            if rem:
                break
        if not rem:
            return f"2^{pow2}"
    return str(number)


_FORMATTERS: dict[str, Callable[[Sequence[float]], tuple[str, ...]]] = {
    "second": _format_timedeltas,
    "byte": lambda values: tuple(_format_filesize(value) for value in values),
    "integer": lambda values: tuple(_format_number(value) for value in values),
}
#: The units pyperf knows (its ``unit`` metadata accepts only these).
UNITS = tuple(_FORMATTERS)


def format_values(unit: str, values: Sequence[float]) -> tuple[str, ...]:
    """Several values of one unit, seconds all on the scale of the first ("3.82 ms", "0.79 ms").

    ``unit`` "" means seconds. Raises ValueError for a unit pyperf does not know, IndexError for
    no seconds values.
    """
    try:
        formatter = _FORMATTERS[unit or "second"]
    except KeyError:
        raise ValueError(f"unknown unit {unit!r}: pyperf's units are {', '.join(UNITS)}") from None
    return formatter(values)


def format_value(unit: str, value: float) -> str:
    """One value in its unit: ``format_value("second", 0.00382)`` -> "3.82 ms"."""
    return format_values(unit, (value,))[0]
