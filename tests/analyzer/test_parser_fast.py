"""The parser's regular-expression fast path reads exactly what the token parser reads,
and `body_tokens` gives what the header scanner gives one token at a time.

`parse_source(fast=False)` reads every header token by token; the default takes plain
headers with a few regular expressions and falls back to the tokens for anything else.
"""

from __future__ import annotations

import random
import re

import pytest

from analyzer.errors import DSLSyntaxError
from analyzer.lexer import (
    _NESTED_BODY_DEPTH,
    _TOKEN_RE,
    PUNCT,
    Lexer,
    Token,
    _body_end_brace_by_brace,
    body_tokens,
    find_body_end,
    strip_comments,
)
from analyzer.model import InstDef
from analyzer.parser import _Parser, parse_source
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


#: Plain headers the fast path takes.
FAST_SHAPES = [
    "pure op(_A, (a, b: PyObject *, c[oparg*2], unused/1 -- d, e[1 + oparg])) { x = a / 2; }",
    "replicate(1:4) inst(B, (--)) {\n}",
    "tier1 specializing op(_C, ( value-- res )) { /* } */ res = '}'; }",
    "macro(M) = unused/1 + rewind/-2 + _A + flush + _C;",
    "macro(M2) =\n    _A +\n    _C;",
    "macro(N) = _A + // first\n    _C;",
    "macro(N2) =\n    unused/1 + // skip; the counter\n    _A +  // x + y\n    _C // last\n    ;",
    "family(F) = { };",
    "family(F, INLINE_CACHE) = {\n    A, /* c, D */\n    B, // d\n};",
    "tier1 family(F, 1) = { A };",
    "pseudo(P, (-- unused), (HAS_ARG, HAS_JUMP)) = {\n    /* why, not */\n    NOP,\n};",
    "pseudo(P2, (cond -- cond)) = [\n    COPY, TO_BOOL, POP_JUMP_IF_FALSE,\n];",
    "pseudo(P3) = { A };",
    "pseudo(P4, (HAS_ARG)) = { A };",
    "spilled label(L) { x; }",
    "label(L2) { /* } */ }",
]
#: Headers it leaves to the token parser (comments, conditions, unknown words, hex).
SLOW_SHAPES = [
    "family(F, 1 + 2) = { A };",
    "family(F, (1)) = { A };",
    "family(F, 1) /* c */ = { A };",
    "pseudo(P5, (HAS_ARG), (a -- b)) = { A };",
    "pseudo(P6, (unused[oparg-1] -- x)) = { A };",
    "pseudo(P7, ()) = { A };",
    "pseudo(P8, (a -- b), (F), (G)) = { A };",
    "mystery label(L3) { }",
    "op(_D, (a -- b if (oparg & 1))) { }",
    "op(_E, (a /* in */ -- b)) { }",
    "macro(N3) = // first\n    _A + _C;",
    "macro(N4) = _A /* a */ + _C;",
    "macro(N6) = _A // / 2\n    / 1 + _C;",
    "mystery op(_F, (--)) { }",
    "op(_G, (x/0x2 -- y)) { }",
    "inst(H, (a: _PyStackRef*   *  , b -- )) { }",
    "family(F, 1) = { B };",
]


@pytest.mark.parametrize("body", FAST_SHAPES + SLOW_SHAPES)
def test_fast_path_matches_the_token_parser_on_header_shapes(body):
    source = region(body)
    assert parse_source(source) == parse_source(source, fast=False)


@pytest.mark.parametrize("body", FAST_SHAPES)
def test_plain_headers_need_no_token_parser(body, monkeypatch):
    def token_parser(*args):
        raise AssertionError("the token parser read a plain header")

    monkeypatch.setattr(_Parser, "kind_body", token_parser)
    assert len(parse_source(region(body)).definitions) == 1


@pytest.mark.parametrize(
    "body",
    [
        "op(_A, (a, -- b)) { }",
        "op(_A, (a -- b/1)) { }",
        "macro(M) = _A + ;",
        "macro(N5) = _A + // no semicolon; here\n    _C",
        "pseudo(P, (a -- b -- c)) = { A };",
        "family(F, 1) = { A, , B };",
        "family(F, 1) = { A B };",
        "family(F, 1) = { A, /* B };",
        "pseudo(P, (a -- b)) = [ A, B };",
        "label(L) { x;",
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


def tokens_one_at_a_time(code: str) -> list[Token]:
    """The header lexer's scanner applied at each position: what `body_tokens` must return."""
    tokens, pos = [], 0
    while pos < len(code):
        m = _TOKEN_RE.match(code, pos)
        if m is None:
            tokens.append(Token(PUNCT, code[pos], pos))
            pos += 1
            continue
        if m.lastgroup == "unclosed":
            break
        if m.lastgroup != "skip":
            tokens.append(Token(m.lastgroup or PUNCT, m.group(), pos))
        pos = m.end()
    return tokens


def test_body_tokens_match_the_header_scanner_on_every_body():
    codes = ['x = "abc', "a @ b \\\n c", "/* open", "'x", "a /* c */ b // d\n e", "", "  ", "'\\''", "0x1F+012;"]
    for label in SNAPSHOTS:
        tree = load_tree(CPYTHON_DIR / label)
        for source in (tree.bytecodes, tree.optimizer):
            if source is not None:
                codes += [d.code for d in parse_source(source).definitions if isinstance(d, InstDef)]
    assert len(codes) > 3000
    for code in codes:
        assert body_tokens(code) == tokens_one_at_a_time(code), code[:200]


def body_end_or_error(find, text: str) -> int | str:
    lexer = Lexer(Source.from_text(text, name="t.c"))
    try:
        return find(lexer, 0)
    except DSLSyntaxError as exc:
        return str(exc)


def test_body_end_in_one_match_is_the_brace_by_brace_end():
    """`find_body_end` matches a body with one regular expression (`_NESTED_BODY_RE`) and
    falls back to the brace-by-brace walk; both give the same end or the same error."""
    deep = "{" * (_NESTED_BODY_DEPTH + 2) + "x" + "}" * (_NESTED_BODY_DEPTH + 2)
    texts = [
        "{}",
        "{ a { b } c } d }",
        "{ '}' \"}\" /* } */ // }\n }",
        "{ a / b /",
        "{ x = '\\'' ; s = \"\\\"}\"; }",
        "{ /* open }",
        '{ "open }\n" }',
        "{ '}",
        "{ { }",
        "{" * _NESTED_BODY_DEPTH + "}" * _NESTED_BODY_DEPTH,
        deep,
        deep[:-1],
        "{ /* a */ } /* b",
    ]
    rng = random.Random(12)
    alphabet = ["{", "}", "/", "*", '"', "'", "\\", "\n", " ", "a", "//", "/*", "*/"]
    texts += ["{" + "".join(rng.choice(alphabet) for _ in range(rng.randrange(30))) for _ in range(20000)]
    found = 0
    for text in texts:
        expected = body_end_or_error(_body_end_brace_by_brace, text)
        assert body_end_or_error(find_body_end, text) == expected, text
        found += isinstance(expected, int)
    assert found > 1000  # not only errors


#: What `strip_comments` blanks, as one regular expression (its definition before it was
#: written with ``str.find``).
COMMENT_OR_STRING_RE = re.compile(r"//[^\n]*|/\*.*?\*/|\"(?:\\.|[^\"\\\n])*\"", re.DOTALL)


def blank_by_regex(m: re.Match[str]) -> str:
    s = m.group()
    if s[0] == '"':
        return '"' + re.sub(r"[^\n]", " ", s[1:-1]) + '"'
    return re.sub(r"[^\n]", " ", s)


def strip_comments_by_regex(body: str) -> str:
    return COMMENT_OR_STRING_RE.sub(blank_by_regex, body)


def test_strip_comments_blanks_what_the_regular_expression_finds():
    bodies = ['x = "a\\"b" / 2; // c "d"\n', '/* a\n * b */ \'"\' s = "x\\\ny";', "/* open", '"open\n"', "a / b //"]
    for label in SNAPSHOTS:
        tree = load_tree(CPYTHON_DIR / label)
        for source in (tree.bytecodes, tree.optimizer):
            if source is not None:
                bodies += [d.body for d in parse_source(source).definitions if isinstance(d, InstDef)]
    rng = random.Random(7)
    alphabet = ["/", "*", '"', "'", "\\", "\n", " ", "a", "//", "/*", "*/"]
    bodies += ["".join(rng.choice(alphabet) for _ in range(rng.randrange(20))) for _ in range(20000)]
    for body in bodies:
        assert strip_comments(body) == strip_comments_by_regex(body), body[:200]
