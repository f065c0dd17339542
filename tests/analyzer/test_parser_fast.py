"""The parser's regular-expression fast path reads exactly what the token parser reads.

`parse_source(fast=False)` reads every header token by token; the default takes plain
headers with a few regular expressions and falls back to the tokens for anything else.
"""

from __future__ import annotations

import pytest

from analyzer.errors import DSLSyntaxError
from analyzer.parser import parse_source
from analyzer.source import Source, load_tree
from tests.conftest import CPYTHON_DIR

SNAPSHOTS = sorted(p.name for p in CPYTHON_DIR.iterdir() if (p / "Python" / "bytecodes.c").is_file())


@pytest.mark.parametrize("label", SNAPSHOTS)
def test_fast_path_gives_the_same_definitions_on_every_snapshot(label):
    tree = load_tree(CPYTHON_DIR / label)
    for source in (tree.bytecodes, tree.optimizer):
        if source is None:
            continue
        fast, slow = parse_source(source), parse_source(source, fast=False)
        assert len(fast.definitions) > 50
        assert fast == slow, source.name


def region(body: str) -> Source:
    return Source.from_text(f"// BEGIN BYTECODES //\n{body}\n// END BYTECODES //\n", name="t.c")


@pytest.mark.parametrize(
    "body",
    [
        # Plain headers the fast path takes.
        "pure op(_A, (a, b: PyObject *, c[oparg*2], unused/1 -- d, e[1 + oparg])) { x = a / 2; }",
        "replicate(1:4) inst(B, (--)) {\n}",
        "tier1 specializing op(_C, ( value-- res )) { /* } */ res = '}'; }",
        "macro(M) = unused/1 + rewind/-2 + _A + flush + _C;",
        "macro(M2) =\n    _A +\n    _C;",
        # Headers it leaves to the token parser (comments, conditions, unknown words, hex).
        "op(_D, (a -- b if (oparg & 1))) { }",
        "op(_E, (a /* in */ -- b)) { }",
        "macro(N) = _A + // first\n    _C;",
        "mystery op(_F, (--)) { }",
        "op(_G, (x/0x2 -- y)) { }",
        "inst(H, (a: _PyStackRef*   *  , b -- )) { }",
        "family(F, 1) = { B };",
    ],
)
def test_fast_path_matches_the_token_parser_on_header_shapes(body):
    source = region(body)
    assert parse_source(source) == parse_source(source, fast=False)


@pytest.mark.parametrize(
    "body",
    [
        "op(_A, (a, -- b)) { }",
        "op(_A, (a -- b/1)) { }",
        "macro(M) = _A + ;",
        "op(_A, (a -- b)) { x = 1;",
        'op(_A, (a -- b)) { x = "open; }',
        "op(_A, (a -- b)) { /* never closed }",
    ],
)
def test_malformed_headers_give_the_token_parsers_located_error(body):
    source = region(body)
    with pytest.raises(DSLSyntaxError) as fast:
        parse_source(source)
    with pytest.raises(DSLSyntaxError) as slow:
        parse_source(source, fast=False)
    assert str(fast.value) == str(slow.value)
