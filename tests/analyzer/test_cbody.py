"""The C-body layer: one token pass per body, named queries, comments and strings never match."""

from __future__ import annotations

import pytest

from analyzer.analysis import analyze, analyze_tree
from analyzer.cbody import body_of
from analyzer.source import Source, SourceTree
from tests.conftest import CPYTHON_DIR, SNAPSHOTS

TEXT = """// BEGIN BYTECODES //
        op(_SAMPLE, (left, right -- res, l)) {
            /* PyStackRef_CLOSE(left); DEOPT_IF(true); */
            // EXIT_IF(x); ADD_OP(_NOPE, 0, 0);
            const char *s = "PyStackRef_CLOSE(right); goto error;";
            DEOPT_IF(!PyLong_CheckExact(left));
            EXIT_IF(right == NULL);
            int err = PyObject_SetItem(left, right, s);
            if (err) {
                PyStackRef_CLOSE(right);
                ERROR_IF(1);
            }
            res = PyStackRef_FromPyObjectSteal(PyNumber_Add(
                left, right));
            l = left;
            DEAD(right);
            INPUTS_DEAD();
            PyStackRef_XCLOSE(args[0]);
            x += 1;
            y == 2;
        }
// END BYTECODES //
"""


@pytest.fixture(scope="module")
def body():
    analysis = analyze_tree(SourceTree(None, Source.from_text(TEXT, name="Python/bytecodes.c"), None, None))
    return body_of(analysis.ops["_SAMPLE"])


def test_comments_and_strings_never_match(body):
    assert [(c.name, c.line) for c in body.guards()] == [("DEOPT_IF", 6), ("EXIT_IF", 7)]
    assert [(c.line, name) for c, name in body.releases()] == [(10, "right"), (18, "args")]
    assert body.emitted_uops() == []
    assert body.error_exits() == [11]


def test_calls_carry_their_arguments_and_lines(body):
    (add,) = body.calls_to("PyNumber_Add")
    assert (add.line, add.args) == (13, ("left", "right"))
    (guard,) = body.guards("DEOPT_IF")
    assert guard.first == "!PyLong_CheckExact(left)"
    assert body.escaping_calls(("PyStackRef_", "PyLong_Check"), frozenset({"DEOPT_IF"})) == (
        "PyNumber_Add",
        "PyObject_SetItem",
    )


def test_assignments_moves_and_dead_marks(body):
    assert [(a.target, a.line) for a in body.assignments] == [("s", 5), ("err", 8), ("res", 13), ("l", 15)]
    assert body.moves() == [("l", "left")]
    assert [(c.name, c.args) for c in body.dead_marks()] == [("DEAD", ("right",)), ("INPUTS_DEAD", ())]


def test_a_release_before_an_unconditional_error_exit_is_on_the_error_path(body):
    (close, _), (xclose, _) = body.releases()
    assert body.on_error_path(close.start) and body.guarding_condition(close.start) == "err"
    assert not body.on_error_path(xclose.start) and body.guarding_condition(xclose.start) == ""


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_every_real_body_is_read_and_its_guards_are_the_code_lines(label):
    analysis = analyze(CPYTHON_DIR / label)
    for uop in [*analysis.insts.values(), *analysis.ops.values()]:
        body = body_of(uop)
        for call in body.guards():
            assert call.name in body.line_text(call.line), (uop.name, call)
