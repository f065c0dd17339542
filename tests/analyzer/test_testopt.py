"""Indexing the uop names that Lib/test/test_capi/test_opt.py asserts, test by test."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

from analyzer import testopt
from analyzer.errors import SourceError
from tests.conftest import SHARED_DIR

TEST_OPT = "Lib/test/test_capi/test_opt.py"
#: The 2026 file that ../shared/docs/TEST-OPT-NOTES.md describes.
NOTES_FILE = f"cpython-py/cocolato-56960c48/{TEST_OPT}"
#: Every real test_opt.py in the shared corpus, with what the index measures in it:
#: (test methods, distinct uop names, uop-name uses).
REAL_FILES = {
    f"cpython/3.13.0-release/{TEST_OPT}": (56, 34, 96),
    f"cpython/3.14.7-release/{TEST_OPT}": (89, 74, 201),
    NOTES_FILE: (194, 129, 458),
}


@cache
def scan_real(relative: str) -> testopt.TestOptIndex:
    return testopt.scan_test_opt(SHARED_DIR / relative)


@pytest.fixture(scope="module")
def notes_index() -> testopt.TestOptIndex:
    return scan_real(NOTES_FILE)


def find_test(index: testopt.TestOptIndex, name: str, cls: str | None = None) -> testopt.TestCase:
    (found,) = [t for t in index.tests if t.test_name == name and cls in (None, t.test_class)]
    return found


def uses(index: testopt.TestOptIndex, name: str) -> list[tuple[str, str]]:
    return [(a.uop, a.form) for a in index.assertions if a.test_name == name]


def scan_snippet(tmp_path: Path, body: str, **kwargs: object) -> testopt.TestOptIndex:
    """Scan ``body`` (dedented) written to a temporary test_opt.py."""
    path = tmp_path / "test_opt.py"
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return testopt.scan_test_opt(path, **kwargs)  # type: ignore[arg-type]


# -- the module's surface -------------------------------------------------------------------


def test_all_is_sorted_and_names_the_public_api() -> None:
    assert testopt.__all__ == sorted(testopt.__all__)
    public = {n for n in vars(testopt) if not n.startswith("_")}
    assert set(testopt.__all__) <= public
    assert {"TestCase", "TestOptIndex", "UopAssertion", "scan_test_opt"} <= set(testopt.__all__)


def test_records_are_frozen(tmp_path: Path) -> None:
    index = scan_snippet(tmp_path, SNIPPET_HEADER + '    def test_a(self):\n        self.assertIn("_A", u)\n')
    with pytest.raises(AttributeError):
        index.tests[0].test_name = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        index.assertions[0].form = "x"  # type: ignore[misc]


# -- the 2026 file, against TEST-OPT-NOTES.md ------------------------------------------------


def test_notes_file_has_194_test_methods_per_class(notes_index: testopt.TestOptIndex) -> None:
    per_class = Counter(t.test_class for t in notes_index.tests)
    assert per_class == {"TestExecutorInvalidation": 4, "TestUops": 17, "TestUopsOptimization": 173}
    assert sum(per_class.values()) == 194


def test_helpers_and_nested_functions_are_not_tests(notes_index: testopt.TestOptIndex) -> None:
    assert "TestObject" not in {t.test_class for t in notes_index.tests}
    keys = [(t.test_class, t.test_name) for t in notes_index.tests]
    assert len(keys) == len(set(keys))
    # test_is_op holds local test_is_false/_true/_not/_none functions; they belong to it.
    assert [t.test_name for t in notes_index.tests if t.test_name.startswith("test_is_")] == [
        "test_is_op",
        "test_is_true_narrows_to_constant",
        "test_is_false_narrows_to_constant",
    ]
    assert {t.test_class for t in notes_index.tests if t.test_name == "test_call_py_exact_args"} == {
        "TestUops",
        "TestUopsOptimization",
    }


def test_notes_file_165_tests_name_a_uop(notes_index: testopt.TestOptIndex) -> None:
    assert sum(1 for t in notes_index.tests if t.uops) == 165
    # Tests that only use the dynamic guard names from get_bool_guard_ops() name none.
    assert find_test(notes_index, "test_pop_jump_if_false").uops == ()
    assert find_test(notes_index, "test_branch_taken").uops == ()


def test_notes_file_distinct_uops(notes_index: testopt.TestOptIndex, shared_dir: Path) -> None:
    # The notes count 131 names "in quotes somewhere in the file". Two of them,
    # _GUARD_IS_FALSE_POP and _GUARD_IS_TRUE_POP, are only returned by the module-level
    # helper get_bool_guard_ops(), outside any test method, so the index holds 129.
    helper_only = {"_GUARD_IS_FALSE_POP", "_GUARD_IS_TRUE_POP"}
    assert len(notes_index.uops()) == 129
    assert notes_index.uops().isdisjoint(helper_only)
    text = (shared_dir / NOTES_FILE).read_text(encoding="utf-8")
    quoted = {m[2] for m in re.finditer(r"""(["'])(_[A-Z][A-Z0-9_]*)\1""", text)}
    assert len(quoted) == 131
    assert notes_index.uops() | helper_only == quoted


def test_notes_file_subprocess_only_names(notes_index: testopt.TestOptIndex) -> None:
    in_scripts = {a.uop for a in notes_index.assertions if a.form == "subprocess"}
    elsewhere = {a.uop for a in notes_index.assertions if a.form != "subprocess"}
    assert in_scripts - elsewhere == {"_LOAD_GLOBAL_BUILTINS", "_LOAD_GLOBAL_BUILTIN"}
    assert "_LOAD_GLOBAL_BUILTINS" in find_test(notes_index, "test_promote_globals_to_constants").uops
    assert "_LOAD_GLOBAL_BUILTIN" in find_test(notes_index, "test_promoted_global_refcount_eliminated").uops
    # f-string templates are not complete names.
    assert not any(u.startswith("_GUARD_BIT_IS_") for u in notes_index.uops())


def test_notes_file_most_referenced_uops(notes_index: testopt.TestOptIndex) -> None:
    referenced = Counter(u for t in notes_index.tests for u in t.uops)
    assert len(notes_index.tests_for("_POP_TOP_NOP")) == referenced["_POP_TOP_NOP"] == 50
    assert {u: referenced[u] for u in ("_POP_TOP", "_PUSH_FRAME", "_GUARD_NOS_INT", "_GUARD_TOS_INT")} == {
        "_POP_TOP": 36,
        "_PUSH_FRAME": 14,
        "_GUARD_NOS_INT": 14,
        "_GUARD_TOS_INT": 11,
    }
    assert referenced["_BINARY_OP_ADD_INT"] == 10
    assert referenced["_COMPARE_OP_INT"] == referenced["_POP_TOP_LOAD_CONST_INLINE_BORROW"] == 9


def test_notes_file_assertion_forms(notes_index: testopt.TestOptIndex) -> None:
    forms = Counter(a.form for a in notes_index.assertions)
    # The notes: assertIn 178, assertNotIn 121, count_ops 51, .count 48, .index 6.
    # "count" also holds the 29 comprehension filters `[op for op in ... if op == name]`.
    assert forms["assertIn"] == 178
    assert forms["assertNotIn"] == 121
    assert forms["count_ops"] == 51
    assert forms["count"] == 48 + 29
    assert forms["index"] == 6
    assert forms["pairwise"] == 2
    assert forms["subprocess"] == 6


def test_load_attr_module(notes_index: testopt.TestOptIndex) -> None:
    test = find_test(notes_index, "test_load_attr_module")
    assert test.uops == ("_LOAD_ATTR_MODULE", "_POP_TOP", "_POP_TOP_NOP")
    assert uses(notes_index, "test_load_attr_module") == [
        ("_LOAD_ATTR_MODULE", "pairwise"),
        ("_POP_TOP_NOP", "pairwise"),
        ("_POP_TOP", "count_ops"),
    ]
    assert notes_index.tests_for("_LOAD_ATTR_MODULE") == (test,)
    assert notes_index.command(test) == "./python -m test test_capi.test_opt -m test_load_attr_module"


def test_notes_examples(notes_index: testopt.TestOptIndex) -> None:
    assert uses(notes_index, "test_basic_loop") == [("_JUMP_TO_TOP", "assertIn"), ("_LOAD_FAST_BORROW_0", "assertIn")]
    assert uses(notes_index, "test_call_py_ex") == [("_PUSH_FRAME", "assertIn"), ("_PY_FRAME_EX", "assertIn")]
    assert uses(notes_index, "test_binary_slice_list") == [
        ("_UNPACK_INDICES", "assertIn"),
        ("_BINARY_SLICE_LIST", "assertIn"),
        ("_BINARY_SLICE", "assertNotIn"),
    ]
    assert uses(notes_index, "test_to_bool_always_true") == [
        ("_REPLACE_WITH_TRUE", "assertNotIn"),
        ("_INSERT_1_LOAD_CONST_INLINE_BORROW", "assertIn"),
        ("_POP_TOP_NOP", "count_ops"),
    ]
    assert {u for u, f in uses(notes_index, "test_call_type_1_known_type") if f == "assertNotIn"} == {
        "_CALL_TYPE_1",
        "_SHUFFLE_2_LOAD_CONST_INLINE_BORROW",
        "_POP_CALL_ONE_LOAD_CONST_INLINE_BORROW",
        "_POP_CALL_LOAD_CONST_INLINE_BORROW",
        "_POP_TOP_LOAD_CONST_INLINE_BORROW",
    }
    assert find_test(notes_index, "test_remove_guard_for_known_type_list").uops == (
        "_BINARY_OP_SUBSCR_LIST_INT",
        "_GUARD_NOS_LIST",
        "_GUARD_TOS_LIST",
        "_STORE_SUBSCR_LIST_INT",
        "_TO_BOOL_LIST",
        "_UNPACK_SEQUENCE_LIST",
    )
    assert ("_CHECK_STACK_SPACE_OPERAND", "operand") in uses(notes_index, "test_combine_stack_space_checks_sequential")
    assert ("_LOAD_FAST_BORROW", "operand") in uses(notes_index, "test_extended_arg")
    assert ("_CALL_BUILTIN_FAST", "index") in uses(notes_index, "test_guard_type_version_removed_invalidation")


def test_tests_for_puts_the_most_specific_test_first(notes_index: testopt.TestOptIndex) -> None:
    assert [t.test_name for t in notes_index.tests_for("_GUARD_NOT_EXHAUSTED_RANGE")] == ["test_for_iter_range"]
    found = notes_index.tests_for("_POP_TOP_NOP")
    keys = [(len(t.uops), t.line) for t in found]
    assert keys == sorted(keys)
    assert all("_POP_TOP_NOP" in t.uops for t in found)
    assert notes_index.tests_for("_NOT_A_UOP") == ()


# -- every real test_opt.py ------------------------------------------------------------------


@pytest.mark.parametrize("relative", REAL_FILES)
def test_real_file_counts(relative: str) -> None:
    index = scan_real(relative)
    tests, distinct, assertions = REAL_FILES[relative]
    assert (len(index.tests), len(index.uops()), len(index.assertions)) == (tests, distinct, assertions)
    assert index.path == str(SHARED_DIR / relative)


@pytest.mark.parametrize("relative", REAL_FILES)
def test_real_file_lines_hold_what_they_claim(relative: str) -> None:
    index = scan_real(relative)
    lines = (SHARED_DIR / relative).read_text(encoding="utf-8").split("\n")
    for test in index.tests:
        assert lines[test.line - 1].lstrip().startswith(f"def {test.test_name}("), test
        assert test.end_line > test.line
    spans = {(t.test_class, t.test_name): t for t in index.tests}
    for a in index.assertions:
        assert re.search(rf"(?<![A-Z0-9_]){a.uop}(?![A-Z0-9_])", lines[a.line - 1]), a
        assert a.form in testopt.FORMS
        test = spans[a.test_class, a.test_name]
        assert test.line <= a.line <= test.end_line
        assert a.uop in test.uops


def test_real_file_known_uops_filters() -> None:
    relative = f"cpython/3.14.7-release/{TEST_OPT}"
    index = scan_real(relative)
    keep = set(sorted(index.uops())[:5])
    filtered = testopt.scan_test_opt(SHARED_DIR / relative, known_uops=keep)
    assert filtered.uops() == keep
    assert len(filtered.tests) == len(index.tests)
    assert filtered.assertions == tuple(a for a in index.assertions if a.uop in keep)


# -- forms, on inline snippets ---------------------------------------------------------------

SNIPPET_HEADER = """\
import itertools, subprocess, textwrap, unittest
from test.support import script_helper

class TestUopsOptimization(unittest.TestCase):
"""


def snippet_forms(tmp_path: Path, body: str) -> list[tuple[str, str, int]]:
    index = scan_snippet(tmp_path, SNIPPET_HEADER + textwrap.indent(textwrap.dedent(body), "    "))
    return [(a.uop, a.form, a.line) for a in index.assertions]


def test_assert_in_and_not_in(tmp_path: Path) -> None:
    assert snippet_forms(
        tmp_path,
        """
        def test_a(self):
            uops = get_opnames(ex)
            self.assertIn("_BINARY_OP_ADD_INT", uops)
            self.assertNotIn('_GUARD_TOS_INT', uops)
        """,
    ) == [("_BINARY_OP_ADD_INT", "assertIn", 8), ("_GUARD_TOS_INT", "assertNotIn", 9)]


def test_plain_assert_and_assert_true_false_membership(tmp_path: Path) -> None:
    assert [
        f[:2]
        for f in snippet_forms(
            tmp_path,
            """
        def test_a(self):
            assert "_A" in uops
            assert "_B" not in uops
            self.assertTrue("_C" in uops)
            self.assertFalse("_D" in uops)
            self.assertFalse(not "_E" in uops)
            if "_F" in uops:
                pass
        """,
        )
    ] == [
        ("_A", "assertIn"),
        ("_B", "assertNotIn"),
        ("_C", "assertIn"),
        ("_D", "assertNotIn"),
        ("_E", "assertIn"),
        ("_F", "other"),
    ]


def test_counts(tmp_path: Path) -> None:
    assert [
        f[:2]
        for f in snippet_forms(
            tmp_path,
            """
        def test_a(self):
            self.assertLessEqual(count_ops(ex, "_POP_TOP"), 2)
            self.assertEqual(uops.count("_GUARD_NOS_INT"), 0)
            self.assertIn(uop_names.count("_CHECK_STACK_SPACE"), [0, 1])
            guards = [op for op in iter_opnames(ex) if op == "_GUARD_TOS_INT"]
        """,
        )
    ] == [
        ("_POP_TOP", "count_ops"),
        ("_GUARD_NOS_INT", "count"),
        ("_CHECK_STACK_SPACE", "count"),
        ("_GUARD_TOS_INT", "count"),
    ]


def test_index_pairwise_operand_and_other(tmp_path: Path) -> None:
    assert [
        f[:2]
        for f in snippet_forms(
            tmp_path,
            """
        def test_a(self):
            call = opnames.index("_CALL_BUILTIN_FAST")
            self.assertIn(("_LOAD_ATTR_MODULE", "_POP_TOP_NOP"), itertools.pairwise(uops))
            self.assertTrue(("_A", "_B") in itertools.pairwise(uops))
            self.assertIn(("_CHECK_STACK_SPACE_OPERAND", framesize(f)), pairs)
            self.assertTrue(any(op == ("_LOAD_FAST_BORROW", 259, 0) for op in ops))
            if opname == "_EXIT_TRACE":
                pass
            self.assertEqual(first, "_JUMP_TO_TOP")
            for name in ("_X", "_Y"):
                pass
        """,
        )
    ] == [
        ("_CALL_BUILTIN_FAST", "index"),
        ("_LOAD_ATTR_MODULE", "pairwise"),
        ("_POP_TOP_NOP", "pairwise"),
        ("_A", "pairwise"),
        ("_B", "pairwise"),
        ("_CHECK_STACK_SPACE_OPERAND", "operand"),
        ("_LOAD_FAST_BORROW", "operand"),
        ("_EXIT_TRACE", "other"),
        ("_JUMP_TO_TOP", "other"),
        ("_X", "other"),
        ("_Y", "other"),
    ]


def test_subprocess_script_is_parsed_with_real_lines(tmp_path: Path) -> None:
    forms = snippet_forms(
        tmp_path,
        '''
        def test_a(self):
            result = script_helper.run_python_until_end("-c", textwrap.dedent("""
                uops = get_opnames(ex)
                # "_IN_A_COMMENT" is not a literal
                assert "_LOAD_GLOBAL_BUILTINS" not in uops
                assert '_LOAD_CONST_INLINE_BORROW' in uops
            """), PYTHON_JIT="1")
        ''',
    )
    assert forms == [("_LOAD_GLOBAL_BUILTINS", "subprocess", 10), ("_LOAD_CONST_INLINE_BORROW", "subprocess", 11)]


def test_subprocess_script_through_a_variable_and_an_fstring(tmp_path: Path) -> None:
    forms = snippet_forms(
        tmp_path,
        '''
        def test_a(self):
            template = textwrap.dedent(f"""
                def f{n}():
                    return {{"_IN_BRACES": 1}}
                assert "_FROM_TEMPLATE" in uops
            """)
            s = template.format(x=1)
            script_helper.assert_python_ok("-c", s)
            subprocess.run([sys.executable, "-c", "assert '_VIA_SUBPROCESS' in u"])
        ''',
    )
    assert forms == [
        ("_IN_BRACES", "subprocess", 9),
        ("_FROM_TEMPLATE", "subprocess", 10),
        ("_VIA_SUBPROCESS", "subprocess", 14),
    ]


def test_unparsable_script_falls_back_to_quoted_names(tmp_path: Path) -> None:
    forms = snippet_forms(
        tmp_path,
        '''
        def test_a(self):
            script_helper.assert_python_ok("-c", """
            x = = 1
            assert "_LOAD_ATTR" in uops  # not Python: the regex finds it
            """)
        ''',
    )
    assert forms == [("_LOAD_ATTR", "subprocess", 9)]


def test_script_line_survives_escaped_newlines(tmp_path: Path) -> None:
    # The backslash after the quotes removes a newline from the value, so the script's
    # line 2 is the source's third line of the string.
    forms = snippet_forms(
        tmp_path,
        '''
        def test_a(self):
            script_helper.assert_python_ok("-c", textwrap.dedent("""\\
                import sys
                assert "_PUSH_FRAME" in uops
            """))
        ''',
    )
    assert forms == [("_PUSH_FRAME", "subprocess", 9)]


def test_exec_strings_and_docstrings_are_not_scripts(tmp_path: Path) -> None:
    forms = snippet_forms(
        tmp_path,
        '''
        def test_a(self):
            """Checks that "_TO_BOOL_BOOL" is removed."""
            exec(textwrap.dedent("""
                assert "_IN_EXEC" in uops
            """), ns, ns)
        ''',
    )
    assert forms == []


def test_only_complete_names_in_test_methods_count(tmp_path: Path) -> None:
    index = scan_snippet(
        tmp_path,
        """
        import unittest

        def get_bool_guard_ops():
            return f"_GUARD_BIT_IS_SET_POP_{bit}", "_GUARD_IS_FALSE_POP"

        class Helper:
            def test_not_a_test_case(self):
                return "_HELPER"

        class Base(unittest.TestCase):
            pass

        class TestUops(Base):
            def setUp(self):
                self.guard = "_IN_SETUP"

            @unittest.skip("because")
            def test_one(self):
                def test_nested():
                    return "_NESTED"
                self.assertIn("_lower", uops)
                self.assertIn("_A B", uops)
                self.assertIn("_PARTIAL_" "NAME", uops)
                self.assertIn(self.guard, uops)

            def helper(self):
                return "_NOT_IN_A_TEST"
        """,
    )
    assert [(t.test_class, t.test_name, t.line, t.uops) for t in index.tests] == [
        ("TestUops", "test_one", 19, ("_NESTED", "_PARTIAL_NAME")),
    ]
    assert [(a.uop, a.form) for a in index.assertions] == [("_NESTED", "other"), ("_PARTIAL_NAME", "assertIn")]
    assert index.tests[0].end_line == 25


def test_known_uops_keeps_only_listed_names(tmp_path: Path) -> None:
    index = scan_snippet(
        tmp_path,
        SNIPPET_HEADER
        + "    def test_a(self):\n"
        + '        self.assertIn("_REAL", u)\n'
        + '        self.assertIn("_TYPO", u)\n'
        + '        script_helper.assert_python_ok("-c", "assert \'_TYPO\' in u")\n',
        known_uops=["_REAL"],
    )
    assert [(a.uop, a.form) for a in index.assertions] == [("_REAL", "assertIn")]
    assert index.tests[0].uops == ("_REAL",)


def test_tests_for_orders_by_specificity_then_line(tmp_path: Path) -> None:
    index = scan_snippet(
        tmp_path,
        SNIPPET_HEADER
        + "    def test_broad(self):\n        self.assertIn('_A', u); self.assertIn('_B', u)\n"
        + "    def test_later(self):\n        self.assertIn('_A', u)\n"
        + "    def test_narrow(self):\n        self.assertIn('_A', u)\n",
    )
    assert [t.test_name for t in index.tests_for("_A")] == ["test_later", "test_narrow", "test_broad"]
    assert index.uops() == frozenset({"_A", "_B"})
    assert index.command(index.tests[1]) == "./python -m test test_capi.test_opt -m test_later"


# -- errors ----------------------------------------------------------------------------------


def test_missing_file_is_a_source_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "test_opt.py"
    with pytest.raises(SourceError, match="no such file") as info:
        testopt.scan_test_opt(missing)
    assert info.value.path == str(missing)


def test_directory_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="is a directory"):
        testopt.scan_test_opt(tmp_path)


def test_non_utf8_is_a_source_error(tmp_path: Path) -> None:
    path = tmp_path / "test_opt.py"
    path.write_bytes(b"x = '\xff'\n")
    with pytest.raises(SourceError, match="not UTF-8"):
        testopt.scan_test_opt(path)


def test_syntax_error_names_line_column_and_text(tmp_path: Path) -> None:
    path = tmp_path / "test_opt.py"
    path.write_text(
        "import unittest\nclass TestUops(unittest.TestCase):\n    def test_a(self):\n"
        '        self.assertIn("_X" uops)\n',
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as info:
        testopt.scan_test_opt(path)
    message = str(info.value)
    assert message.startswith(f"{path}: line 4, column ")
    assert 'self.assertIn("_X" uops)' in message
    assert info.value.path == str(path)
    assert "Traceback" not in message


def test_tokenizer_error_still_names_its_line(tmp_path: Path) -> None:
    # libcst's tokenizer reports such errors at 1:0; the message must not.
    path = tmp_path / "test_opt.py"
    path.write_text('import unittest\n\nSCRIPT = """never closed\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"line 3, column \d+: .*unterminated triple-quoted"):
        testopt.scan_test_opt(path)
