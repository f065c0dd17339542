"""Tokenizer for definition headers of the instruction DSL: a compiled ``re`` scanner.

Only headers (annotations, names, stack effects, macro parts, member lists) are turned
into tokens. C bodies are skipped by :func:`find_body_end`, which matches braces while
skipping strings, character literals and comments, so the hot path never builds a token
per C statement.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate, chain, repeat
from operator import itemgetter
from typing import NamedTuple

from analyzer.errors import DSLSyntaxError
from analyzer.source import Source

__all__ = ["Lexer", "Token", "body_token_parts", "body_tokens", "find_body_end", "strip_comments", "tokens_from_parts"]

# Token kinds.
IDENT = "ident"
NUMBER = "number"
PUNCT = "punct"
STRING = "string"
EOF = "eof"

#: One run of white space or one comment (needs ``re.DOTALL``); the parser's name lists
#: use it too.
SPACE_OR_COMMENT = r"[ \t\r\f\v\n]++|//[^\n]*+|/\*.*?\*/"
#: White space and comments between tokens (`Lexer.skip_space` tries only this).
_SKIP = rf"(?:{SPACE_OR_COMMENT})++"
_SKIP_RE = re.compile(_SKIP, re.DOTALL)
_TOKEN_RE = re.compile(
    rf"""
    (?P<skip>{_SKIP})
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>0[xX][0-9a-fA-F]+|[0-9]+)
  | (?P<punct>--|>>|<<|&&|\|\||==|!=|<=|>=|->|[()\[\]{{}},;:+\-*/&|<>=!~^%?.\#])
  | (?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')
  | (?P<unclosed>/\*|["'])
    """,
    re.VERBOSE | re.DOTALL,
)

# `body_token_parts`: white space and comments (possessive, so the end of a comment is never
# given back as tokens), then one of the alternatives of `_TOKEN_RE` in the same order (so the
# same text gives the same tokens), an unclosed quote with the rest of the text (so it can only
# be the last token), any other character as a one-character punct, or the end of the text.
# Alternatives that start with different characters are reordered (identifiers and
# one-character punctuation first) and ``-[->]?`` stands for ``--|->|-``: the same tokens,
# fewer failed tries.
#: A complete string literal, and a complete string or character literal (possessive: a
#: closing quote is never given back).
_STRING = r'"(?:\\.|[^"\\\n])*+"'
_LITERAL = _STRING + r"""|'(?:\\.|[^'\\\n])*+'"""
_BODY_TOKEN = (
    r"""[A-Za-z_][A-Za-z0-9_]*+"""
    r"""|[()\[\]{},;:~^%?.\#+*/]"""
    r"""|-[->]?|>[>=]?|<[<=]?|&&?|\|\|?|=?=|!=?"""
    r"""|0[xX][0-9a-fA-F]++|[0-9]++"""
    rf"""|{_LITERAL}"""
    r"""|["'].*|.|\Z"""
)
_BODY_SPLIT_RE = re.compile(r"""((?:[ \t\r\f\v\n]++|/(?:/[^\n]*+|\*.*?\*/))*+)(""" + _BODY_TOKEN + ")", re.DOTALL)
#: The same for a text without ``//`` or ``/*`` (a body whose comments the parser has blanked
#: out, `InstDef.code`): there the gap can only be white space, and not trying a comment
#: before each token makes the split about an eighth faster.
_BODY_SPLIT_NO_COMMENT_RE = re.compile(r"""([ \t\r\f\v\n]*+)(""" + _BODY_TOKEN + ")", re.DOTALL)
_LITERAL_RE = re.compile(_LITERAL, re.DOTALL)
#: Token kind by first character (any other: ``punct``).
_FIRST_CHAR_KIND = {
    **dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_", IDENT),
    **dict.fromkeys("0123456789", NUMBER),
    '"': STRING,
    "'": STRING,
}

# Inside a body only these matter for brace matching. Each match first skips, possessively,
# every character that cannot start one (one C-level run, instead of trying each alternative
# at each character), then takes a comment, a literal, a brace, an unclosed comment or
# quote, a lone '/', or nothing at the end of the region (so a body that never closes costs
# one pass, not one per remaining character).
_BODY_RE = re.compile(
    r"""[^/"'{}]*+(//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|[{}]|/\*|["']|/|\Z)""",
    re.DOTALL,
)

#: What a body holds between braces, one piece at a time: a run of characters that start
#: nothing, a comment, a literal, or a lone '/' (the pieces `_BODY_RE` walks, possessive).
_BODY_PIECE = rf"""[^/"'{{}}]++|//[^\n]*+|/\*.*?\*/|{_LITERAL}|/(?![/*])"""
#: Bodies are matched in one call when braces nest at most this deep inside them (in
#: CPython's, four at most); a deeper or malformed body is left to `_BODY_RE`'s loop.
_NESTED_BODY_DEPTH = 8


def _nested_body_pattern(depth: int) -> str:
    """``{ ... }`` whose inner braces nest at most ``depth`` levels: each level is the level
    below as one more alternative among the pieces (``re`` has no recursion)."""
    pattern = rf"\{{(?:{_BODY_PIECE})*+\}}"
    for _ in range(depth):
        pattern = rf"\{{(?:{_BODY_PIECE}|{pattern})*+\}}"
    return pattern


_NESTED_BODY_RE = re.compile(_nested_body_pattern(_NESTED_BODY_DEPTH), re.DOTALL)


class Token(NamedTuple):
    """A header token: ``kind`` (ident, number, punct, string, eof), its text and start offset.

    A NamedTuple rather than a frozen dataclass: as immutable, and about three times
    cheaper to create, which matters on the parser's hot path (benchmarks/bench_analyzer.py).
    Its line and column come from ``Source.position(offset)`` when an error needs them.
    """

    kind: str
    text: str
    offset: int


class Lexer:
    """Reads tokens from ``source`` on demand, starting at ``pos``; ``pos`` may be moved."""

    def __init__(self, source: Source, pos: int = 0, end: int | None = None) -> None:
        self.source = source
        self.text = source.text
        self.pos = pos
        self.end = len(self.text) if end is None else end
        # The last token read, as (start position, token, end position): accept() and
        # peek() rewind, and the next call then reuses it instead of scanning again.
        self._cache: tuple[int, Token, int] | None = None

    def error(self, message: str, offset: int) -> DSLSyntaxError:
        """A located `DSLSyntaxError` at ``offset``."""
        line, column = self.source.position(offset)
        return DSLSyntaxError(
            message,
            file=self.source.name,
            line=line,
            column=column,
            source_line=self.source.line_text(line),
        )

    def skip_space(self) -> int:
        """Move past white space and comments; return the new position."""
        m = _SKIP_RE.match(self.text, self.pos, self.end)
        if m is not None:
            self.pos = m.end()
        return self.pos

    def next(self) -> Token:
        """The next token (``eof`` at the end of the region). Raises on unterminated text."""
        cached = self._cache
        if cached is not None and cached[0] == self.pos:
            self.pos = cached[2]
            return cached[1]
        start = self.pos
        tok = self._scan()
        self._cache = (start, tok, self.pos)
        return tok

    def _scan(self) -> Token:
        text, end = self.text, self.end
        pos = self.pos
        while True:
            if pos >= end:
                self.pos = pos
                return Token(EOF, "", end)
            m = _TOKEN_RE.match(text, pos, end)
            if m is None:
                raise self.error(f"unexpected character {text[pos]!r}", pos)
            kind = m.lastgroup
            if kind == "skip":
                pos = m.end()
                continue
            if kind == "unclosed":
                what = "comment" if m.group() == "/*" else "string or character literal"
                raise self.error(f"unterminated {what}", pos)
            self.pos = m.end()
            return Token(kind or PUNCT, m.group(), pos)

    def peek(self) -> Token:
        """The next token without consuming it."""
        saved = self.pos
        tok = self.next()
        self.pos = saved
        return tok

    def expect(self, text: str, what: str) -> Token:
        """Consume a punctuation or keyword token ``text``, else raise ``expected {what}``."""
        tok = self.next()
        if tok.text != text or tok.kind == STRING:
            raise self.error(f"expected {what}, found {describe(tok)}", tok.offset)
        return tok

    def expect_name(self, what: str) -> Token:
        """Consume an identifier, else raise ``expected {what}``."""
        tok = self.next()
        if tok.kind != IDENT:
            raise self.error(f"expected {what}, found {describe(tok)}", tok.offset)
        return tok

    def accept(self, text: str) -> Token | None:
        """Consume and return the next token if its text is ``text``."""
        saved = self.pos
        tok = self.next()
        if tok.text == text and tok.kind != STRING:
            return tok
        self.pos = saved
        return None


def describe(tok: Token) -> str:
    """How a token is named in an error message."""
    if tok.kind == EOF:
        return "end of the definition region"
    return repr(tok.text)


def find_body_end(lexer: Lexer, open_offset: int) -> int:
    """Offset just after the ``}`` matching the ``{`` at ``open_offset``.

    Strings, character literals and comments are skipped, so braces inside them do not
    count. Raises a located `DSLSyntaxError` at the ``{`` if the body never closes.
    """
    text, end = lexer.text, lexer.end
    # Most bodies hold no comment and no literal (no '/', '"' or "'"): there counting braces
    # with ``str.find`` and ``str.count`` (memchr-fast, a few calls per '}') costs about half
    # the regular expression, which tests each character against a class. A body where the
    # count's text holds one of those characters is left to the regular expression.
    at, unclosed = open_offset + 1, 1
    while (close := text.find("}", at, end)) >= 0:
        unclosed += text.count("{", at, close) - 1
        at = close + 1
        if not unclosed:
            span = text[open_offset:at]
            if "/" not in span and '"' not in span and "'" not in span:
                return at
            break
    whole = _NESTED_BODY_RE.match(text, open_offset, end)
    if whole is not None:
        return whole.end()
    return _body_end_brace_by_brace(lexer, open_offset)


def _body_end_brace_by_brace(lexer: Lexer, open_offset: int) -> int:
    """`find_body_end` for what `_NESTED_BODY_RE` does not match: braces nested deeper than
    `_NESTED_BODY_DEPTH`, or a malformed body (this finds the error)."""
    text, end = lexer.text, lexer.end
    depth = 0
    for m in _BODY_RE.finditer(text, open_offset, end):
        s = m.group(1)
        if s == "{":
            depth += 1
        elif s == "}":
            depth -= 1
            if depth == 0:
                return m.end()
        elif s in ('"', "'", "/*"):
            what = "comment" if s == "/*" else "string or character literal"
            raise lexer.error(f"unterminated {what} in body", m.start(1))
        elif not s:
            break  # the end of the region
    raise lexer.error("unterminated body: no matching '}' for this '{'", open_offset)


def body_token_parts(code: str) -> tuple[list[str], list[str]]:
    """The tokens of a C body as two parallel lists: ``(gaps, texts)``.

    ``texts[i]`` is token ``i``'s text, exactly as `body_tokens` gives it; ``gaps[i]`` is the
    white space and comments just before it (``""`` when it touches the token before). The
    text of the body is the gaps and texts in turn, plus whatever white space or comment ends
    it (or, after an unclosed literal, the rest). Used by `analyzer.cbody`, which reads lines
    and spacing from the gaps instead of from one match object per token.
    """
    # One split: every match is a possessive run of white space and comments, then one
    # token (the header lexer's alternatives in its order, then any other character), or the
    # end of the text; all in C. Matches are contiguous, so the split gives a flat list of
    # strings ``["", gap, token, "", gap, token, ...]`` (no tuple per token, unlike findall).
    # A one-character search runs as memchr: testing "/" first spares most bodies (which
    # hold no '/') two slower two-character searches.
    comments = "/" in code and ("//" in code or "/*" in code)
    flat = (_BODY_SPLIT_RE if comments else _BODY_SPLIT_NO_COMMENT_RE).split(code)
    gaps, texts = flat[1::3], flat[2::3]
    while texts and not texts[-1]:
        texts.pop()  # the white space and comments at the end
        gaps.pop()
    # An unclosed quote ends the tokens (`find_body_end` has already checked the body): its
    # token holds the rest of the text, so only the last token can be one.
    if texts and texts[-1][0] in "\"'" and _LITERAL_RE.fullmatch(texts[-1]) is None:
        texts.pop()
        gaps.pop()
    return gaps, texts


def body_tokens(code: str) -> list[Token]:
    """Every token of a C body (``InstDef.code``), offsets into ``code``; comments skipped.

    Lenient where the header lexer is strict: a character the DSL does not use (``@``, a
    line-continuation backslash) becomes a one-character ``punct`` token, and an unclosed
    comment or literal ends the tokens, because `find_body_end` has already checked the
    body. Used by `analyzer.cbody`.
    """
    gaps, texts = body_token_parts(code)
    return tokens_from_parts(gaps, texts)


def tokens_from_parts(gaps: Sequence[str], texts: Sequence[str]) -> list[Token]:
    """`Token` s from `body_token_parts`: kinds from each text's first character, offsets from
    the running length of gaps and texts (all in C: ``map``, ``accumulate``)."""
    if not texts:
        return []
    ends = list(accumulate(map(len, chain.from_iterable(zip(gaps, texts, strict=True)))))
    offsets = ends[0::2]  # the end of each token's gap is the token's start
    kinds = map(_FIRST_CHAR_KIND.get, map(itemgetter(0), texts), repeat(PUNCT))
    return list(map(tuple.__new__, repeat(Token), zip(kinds, texts, offsets, strict=True)))


#: A string literal as `strip_comments` blanks it (``re.DOTALL``: a backslash escapes a newline too).
_STRING_RE = re.compile(_STRING, re.DOTALL)


def _blank(s: str) -> str:
    """A comment as spaces, or a string literal as its quotes around spaces; newlines kept."""
    if "\n" not in s:  # most comments and every plain string: one line, blanked at once
        return '"' + " " * (len(s) - 2) + '"' if s[0] == '"' else " " * len(s)
    blanked = "\n".join(map(" ".__mul__, map(len, s.split("\n"))))  # each line as spaces
    return '"' + blanked[1:-1] + '"' if s[0] == '"' else blanked


def strip_comments(body: str) -> str:
    """``body`` with comments and string literals blanked out; offsets and newlines kept.

    From left to right: a ``//`` comment runs to the end of its line, a ``/*`` comment to the
    first ``*/`` (unclosed: left as it is), a string literal to its closing quote on the same
    line (a backslash escapes any character, a newline too; unclosed: left as it is).
    Character literals are not told apart: the quote in ``'"'`` may open a string.
    """
    if "/" not in body and '"' not in body:
        return body  # most bodies: nothing to blank, and two ``in`` tests cost less than a scan
    # Only a '/' or a '"' can start a comment or a string: ``str.find`` jumps to the next
    # one at memchr speed, where a regular expression's search tests every character.
    pieces: list[str] = []
    kept = 0  # body[:kept] is in pieces
    slash, quote = body.find("/"), body.find('"')
    while slash >= 0 or quote >= 0:
        if quote < 0 or 0 <= slash < quote:
            at, end = slash, -1
            after = body[slash + 1 : slash + 2]
            if after == "/":
                end = body.find("\n", slash)
                if end < 0:
                    end = len(body)
            elif after == "*":
                end = body.find("*/", slash + 2)
                if end >= 0:
                    end += 2
        else:
            at = quote
            m = _STRING_RE.match(body, quote)
            end = -1 if m is None else m.end()
        if end < 0:  # a lone '/', or an unclosed comment or string: kept as it is
            end = at + 1
        else:
            pieces.append(body[kept:at])
            pieces.append(_blank(body[at:end]))
            kept = end
        if 0 <= slash < end:
            slash = body.find("/", end)
        if 0 <= quote < end:
            quote = body.find('"', end)
    pieces.append(body[kept:])
    return "".join(pieces)
