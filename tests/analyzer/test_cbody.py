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


def _reference_calls(texts: list[str]) -> tuple[dict[int, int], list[tuple[str, int, int]]]:
    """The bracket partners and calls as first written (one plain stack pass, then a pass over
    every ``(``): what `Body` must give, however it computes them."""
    opening = {"(": ")", "[": "]", "{": "}"}
    match: dict[int, int] = {}
    stack: list[int] = []
    for i, text in enumerate(texts):
        if text in opening:
            stack.append(i)
        elif text in (")", "]", "}"):
            while stack and opening[texts[stack[-1]]] != text:
                stack.pop()
            if stack:
                j = stack.pop()
                match[i], match[j] = j, i
    keywords = {"if", "for", "while", "switch", "return", "sizeof", "defined", "else", "do"}
    calls = [
        (texts[p - 1], p - 1, match[p])
        for p, text in enumerate(texts)
        if text == "(" and p and p in match and texts[p - 1][0].isidentifier() and texts[p - 1] not in keywords
    ]
    return match, calls


def test_brackets_and_calls_match_a_plain_stack_pass_on_malformed_bodies():
    """Unbalanced and crossed brackets (``f(a]``, ``g(h(x)``, ``}``) pair and make calls exactly
    as a plain stack pass says, in the order of their names: 3,000 random token soups."""
    import dataclasses
    import random

    from analyzer.cbody import Body

    sample = analyze_tree(SourceTree(None, Source.from_text(TEXT, name="Python/bytecodes.c"), None, None))
    op = sample.ops["_SAMPLE"]
    rng = random.Random(20261207)
    alphabet = ["f", "g", "if", "x", "1", "(", "(", ")", ")", "[", "]", "{", "}", "=", ";", ","]
    for _ in range(3000):
        texts = [rng.choice(alphabet) for _ in range(rng.randrange(0, 30))]
        code = " ".join(texts)
        body = Body(dataclasses.replace(op, code=code))
        assert list(body.texts) == texts
        match, calls = _reference_calls(texts)
        assert body._match == match, code
        assert [(c.name, c.start, c.end) for c in body.calls] == calls, code
        assert body.call_names == {name for name, _, _ in calls}, code
        for name in ("f", "g"):
            assert [c.start for c in body.calls_to(name)] == [s for n, s, _ in calls if n == name], code


def test_line_of_counts_the_line_breaks_before_each_token():
    """Line breaks in white space, in comments and in string literals continued with a
    backslash, and bodies holding the characters `Body` could use to join its parts: each
    token's line is the body's first line plus the breaks before its offset."""
    import dataclasses
    import random

    from analyzer.cbody import Body
    from analyzer.lexer import body_tokens

    sample = analyze_tree(SourceTree(None, Source.from_text(TEXT, name="Python/bytecodes.c"), None, None))
    op = sample.ops["_SAMPLE"]
    rng = random.Random(20261208)
    pieces = ["x", "f", "(", ")", ";", "=", "1", '"s\\\ntr"', '"\x00"', "'\\\n'", "/* a\n b */", "// c\n", "\x01"]
    spaces = ["", " ", "\n", "\n\n  ", "\t", " \x00 "[1:2]]
    for _ in range(2000):
        code = "".join(rng.choice(spaces) + rng.choice(pieces) for _ in range(rng.randrange(0, 25)))
        body = Body(dataclasses.replace(op, code=code))
        tokens = body_tokens(code)
        assert [t.text for t in tokens] == list(body.texts), code
        for i, tok in enumerate(tokens):
            expected = op.body_line + code.count("\n", 0, tok.offset)
            assert body.line_of(i) == expected, (code, i)
            assert body.line_of(i - len(tokens)) == expected, (code, i)


def test_a_call_read_alone_pairs_its_brackets_as_the_whole_body_does():
    """`emitted_uops` pairs only the brackets of the ``ADD_OP``/``REPLACE_OP`` calls: on 3,000
    random token soups each bracket's partners from there are those of the whole body, and the
    uops are those the body's calls name."""
    import dataclasses
    import random

    from analyzer.cbody import Body

    sample = analyze_tree(SourceTree(None, Source.from_text(TEXT, name="Python/bytecodes.c"), None, None))
    op = sample.ops["_SAMPLE"]
    rng = random.Random(20261209)
    alphabet = ["ADD_OP", "REPLACE_OP", "_X", "_Y", "x", "(", "(", ")", ")", "[", "]", "{", "}", ",", ";"]
    for _ in range(3000):
        texts = [rng.choice(alphabet) for _ in range(rng.randrange(0, 30))]
        code = " ".join(texts)
        match, _ = _reference_calls(texts)
        alone = Body(dataclasses.replace(op, code=code))
        for p, text in enumerate(texts):
            if text in ("(", "[", "{"):
                inside = {b: match[b] for b in range(p, match.get(p, -1) + 1) if b in match}
                assert alone._partners_from(p) == inside, (code, p)
        whole = Body(dataclasses.replace(op, code=code))
        expected = []
        for call in whole.calls:
            if call.name in ("ADD_OP", "REPLACE_OP"):
                expected += [a for a in call.args if a.startswith("_") and a.isidentifier()][:1]
        assert alone.emitted_uops() == expected, code
