"""Which tier-2 uops the optimizer tests in Lib/test/test_capi/test_opt.py assert, and where.

The libcst walk lives in ``analyzer._testopt_cst`` and is imported by `scan_test_opt` only:
importing libcst costs about twice a whole analysis, and only the test index needs it.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from analyzer.source import Source

__all__ = [
    "FORMS",
    "NAME_PATTERN",
    "TEST_MODULE",
    "TestCase",
    "TestOptIndex",
    "UopAssertion",
    "scan_test_opt",
]

#: A complete uop name (``_POP_TOP_NOP``), as Include/internal/pycore_uop_ids.h spells them.
NAME_PATTERN = re.compile(r"_[A-Z][A-Z0-9_]*")

#: How a test uses a uop name (TEST-OPT-NOTES.md, "Assertion forms found"):
#: ``assertIn``/``assertNotIn`` (present or absent, also ``assert name in ...``),
#: ``count_ops`` (the module helper), ``count`` (``list.count(name)`` or a comprehension
#: filter ``op == name``), ``index`` (``opnames.index(name, ...)``, order checks),
#: ``pairwise`` (a name pair tested against ``itertools.pairwise``), ``operand``
#: (a name in a tuple with operand values), ``subprocess`` (inside script text run by
#: ``script_helper``) and ``other`` (any other use, e.g. ``if opname == name``).
FORMS = (
    "assertIn",
    "assertNotIn",
    "count_ops",
    "count",
    "index",
    "pairwise",
    "operand",
    "subprocess",
    "other",
)

#: The regrtest name of Lib/test/test_capi/test_opt.py.
TEST_MODULE = "test_capi.test_opt"


@dataclass(frozen=True, slots=True)
class UopAssertion:
    """One use of a uop name by one test.

    ``line`` is the 1-based line of the test file holding the string literal (for form
    ``subprocess``, the file line where the name sits inside the script text); ``form``
    is one of `FORMS`.
    """

    uop: str
    test_class: str
    test_name: str
    line: int
    form: str


@dataclass(frozen=True, slots=True)
class TestCase:
    """One ``def test_*`` method of a ``unittest.TestCase`` subclass.

    ``line`` is the ``def`` line, ``end_line`` the last line of the body (1-based, inclusive);
    ``uops`` are the distinct uop names the test mentions, sorted.
    """

    test_class: str
    test_name: str
    line: int
    end_line: int
    uops: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TestOptIndex:
    """The tests of one test_opt.py and the uop names they use, both in file order."""

    path: str
    tests: tuple[TestCase, ...]
    assertions: tuple[UopAssertion, ...]

    def tests_for(self, uop: str) -> tuple[TestCase, ...]:
        """Tests that mention ``uop``, most specific first (fewest distinct uops, then line)."""
        found = [test for test in self.tests if uop in test.uops]
        return tuple(sorted(found, key=lambda test: (len(test.uops), test.line)))

    def uops(self) -> frozenset[str]:
        """Every uop name some test mentions."""
        return frozenset(assertion.uop for assertion in self.assertions)

    def command(self, test: TestCase) -> str:
        """The command that runs ``test`` from the top of a built CPython checkout.

        ``-m`` is regrtest's ``--match``; it matches any dotted part of the test id
        (Lib/test/libregrtest/filter.py), so a method name defined in two classes (e.g.
        ``test_call_py_exact_args``) runs both.
        """
        return f"./python -m test {TEST_MODULE} -m {test.test_name}"


def scan_test_opt(path: str | Path, *, known_uops: Collection[str] | None = None) -> TestOptIndex:
    """Index the uop names asserted by each test of a Lib/test/test_capi/test_opt.py.

    Returns every test method (``tests``) and every use of a uop name (``assertions``),
    both in file order, with 1-based lines from libcst's ``PositionProvider``.
    A uop name is a string literal matching `NAME_PATTERN` in full (and in ``known_uops``,
    when given) inside a ``def test_*`` method of a class deriving from ``TestCase``.
    Helpers outside test methods (``get_bool_guard_ops``) and names built by f-strings
    (``_GUARD_BIT_IS_SET_POP_{bit}``) are not counted. Strings that a test runs in a
    subprocess (``script_helper.run_python_until_end('-c', ...)``, directly or through a
    local variable) are parsed as Python too, or scanned for quoted names when they do
    not parse, and give form ``subprocess``. The forms follow
    ../shared/docs/TEST-OPT-NOTES.md.

    Raises `SourceError` when the file is missing, unreadable, not UTF-8, or not Python
    that libcst can parse (the message gives line, column and the offending line).
    """
    from analyzer._testopt_cst import collect  # libcst is imported here, on first use only

    text = Source.from_path(path).text
    known = frozenset(known_uops) if known_uops is not None else None
    tests, assertions = collect(text, str(path), known)
    return TestOptIndex(path=str(path), tests=tuple(tests), assertions=tuple(assertions))
