"""The C body of one definition, read once into tokens, with the questions campaigns ask of it.

Every campaign used to read bodies with its own regular expressions; this is the one layer
they share now (the shape of ``Tools/cases_generator/analyzer.py``, which asks a body's token
stream about stores, escaping calls and exits). A body is tokenized by the analyzer's lexer
(`analyzer.lexer.body_tokens`), so comments and string literals never match a query: a
``DEOPT_IF`` in a comment or a ``"PyStackRef_CLOSE("`` in a string is not a guard or a
release. Line numbers are the source file's, as in `Evidence`.

Queries (all cheap after the first call; `body_of` caches one `Body` per definition):

* `Body.calls` / `Body.calls_to`: every call ``name(args)`` with its line and arguments;
  `Body.escaping_calls`: the calls that may run arbitrary code (CPython API, decrefs).
* `Body.assignments`: ``target = value;`` statements (not ``==``, ``+=``, declarations
  without a value); ``value`` is the right-hand side's text, tokens joined by one space
  where the source had space.
* `Body.releases`: ``PyStackRef_CLOSE``-family and ``Py_DECREF``-family calls with the name
  they release; `Body.releases_of`.
* `Body.dead_marks`: ``DEAD(x)`` and ``INPUTS_DEAD()``.
* `Body.guards`: ``DEOPT_IF``/``EXIT_IF`` (and the other ``*_IF`` exits) sites.
* `Body.emitted_uops`: the uops an optimizer case emits with ``ADD_OP``/``REPLACE_OP``.
* `Body.error_exits` and `Body.on_error_path`: unconditional jumps to the error handler and
  whether a statement runs only on the way to one (``if (err) { CLOSE(x); ERROR_IF(1); }``).
* `Body.has_preprocessor_conditionals`.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache

from analyzer.lexer import IDENT, PUNCT, Token, body_tokens
from analyzer.model import InstDef

__all__ = [
    "CLOSE_CALLS",
    "DECREF_CALLS",
    "ERROR_LABELS",
    "GUARD_CALLS",
    "Assignment",
    "Body",
    "Call",
    "body_of",
]

#: Stack-reference releases: the first argument is the reference released.
CLOSE_CALLS = frozenset({"PyStackRef_CLOSE", "PyStackRef_XCLOSE", "PyStackRef_CLOSE_SPECIALIZED"})
#: Object-pointer releases of the 3.13 era (before stack references), first argument released.
DECREF_CALLS = frozenset({"Py_DECREF", "Py_XDECREF", "_Py_DECREF_SPECIALIZED", "Py_CLEAR"})
_RELEASES = CLOSE_CALLS | DECREF_CALLS
#: DSL exits that leave a uop when their condition holds (DSL-NOTES.md, bytecodes.c).
GUARD_CALLS = frozenset({"DEOPT_IF", "EXIT_IF", "AT_END_EXIT_IF", "HANDLE_PENDING_AND_DEOPT_IF"})
#: Labels a ``goto``/``JUMP_TO_LABEL`` reaches only on error.
ERROR_LABELS = frozenset({"error", "exception_unwind"})
#: C words that look like calls.
_NOT_CALLS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "defined", "else", "do"})
_OPEN = {"(": ")", "[": "]", "{": "}"}


@dataclass(frozen=True, slots=True)
class Call:
    """``name(arg, ...)`` at ``line``: ``args`` are each argument's text (tokens joined by a
    space only where the source had one); ``start``/``end`` index the name and the ``)``."""

    name: str
    line: int
    args: tuple[str, ...]
    start: int
    end: int

    @property
    def first(self) -> str:
        """The first argument's text, or ``""`` for a call without arguments."""
        return self.args[0] if self.args else ""


@dataclass(frozen=True, slots=True)
class Assignment:
    """``target = value;`` at ``line``; ``index`` is the ``=`` token's position."""

    target: str
    value: str
    line: int
    index: int


class Body:
    """The tokens of ``uop``'s body (between its braces) and the queries over them."""

    def __init__(self, uop: InstDef) -> None:
        self.uop = uop
        self.code = uop.code
        self.tokens: list[Token] = body_tokens(uop.code)
        self._lines = self.code.split("\n")
        starts = [0]
        for text in self._lines[:-1]:
            starts.append(starts[-1] + len(text) + 1)
        self._line_starts = starts

    # -- positions -------------------------------------------------------------------

    def line_of(self, index: int) -> int:
        """The source line of token ``index``."""
        # The last line start at or before the token's offset.
        return self.uop.body_line + bisect_right(self._line_starts, self.tokens[index].offset) - 1

    def line_text(self, line: int) -> str:
        """The text of source ``line`` (a line of this body), stripped."""
        return self._lines[line - self.uop.body_line].strip()

    def text(self, start: int, end: int) -> str:
        """Source text of tokens ``start`` to ``end`` (inclusive), comments dropped, white space
        between tokens kept as one space."""
        out: list[str] = []
        append = out.append
        after = -1  # offset just past the previous token taken
        for _kind, text, offset in self.tokens[start : end + 1]:
            if out and offset > after:
                append(" ")
            append(text)
            after = offset + len(text)
        return "".join(out)

    @cached_property
    def _match(self) -> dict[int, int]:
        """Index of each bracket -> index of its partner (unbalanced brackets are left out)."""
        match: dict[int, int] = {}
        stack: list[int] = []
        toks = self.tokens
        for i, (kind, text, _offset) in enumerate(toks):
            if kind != PUNCT:
                continue
            if text in _OPEN:
                stack.append(i)
            elif text in (")", "]", "}"):
                while stack and _OPEN[toks[stack[-1]].text] != text:
                    stack.pop()
                if stack:
                    j = stack.pop()
                    match[i], match[j] = j, i
        return match

    @cached_property
    def _block_of(self) -> list[int]:
        """For each token, the index of the innermost ``{`` around it (-1 at the top level)."""
        owner: list[int] = []
        stack: list[int] = []
        for i, (kind, text, _offset) in enumerate(self.tokens):
            if text == "}" and kind == PUNCT and stack:
                stack.pop()
            owner.append(stack[-1] if stack else -1)
            if text == "{" and kind == PUNCT:
                stack.append(i)
        return owner

    # -- calls -----------------------------------------------------------------------

    @cached_property
    def calls(self) -> tuple[Call, ...]:
        """Every ``name(...)`` in the body, in order (C keywords such as ``if`` excluded)."""
        found = []
        toks = self.tokens
        match = self._match
        for i in range(len(toks) - 1):
            tok = toks[i]
            if tok.kind != IDENT or toks[i + 1].text != "(" or tok.text in _NOT_CALLS:
                continue
            close = match.get(i + 1)
            if close is None:
                continue
            args: list[str] = []
            start = i + 2
            j = start
            while j < close:
                t = toks[j]
                if t.kind == PUNCT and t.text in _OPEN and j in match:
                    j = match[j] + 1
                    continue
                if t.kind == PUNCT and t.text == ",":
                    args.append(self.text(start, j - 1) if j > start else "")
                    start = j + 1
                j += 1
            if close > start:
                args.append(self.text(start, close - 1))
            found.append(Call(tok.text, self.line_of(i), tuple(args), i, close))
        return tuple(found)

    def calls_to(self, *names: str) -> list[Call]:
        """The calls to any of ``names``, in order."""
        wanted = set(names)
        return [c for c in self.calls if c.name in wanted]

    def escaping_calls(self, non_escaping: tuple[str, ...], dsl_words: frozenset[str]) -> tuple[str, ...]:
        """Names of calls that may run arbitrary Python code, sorted and unique: CPython API
        calls (``Py*``, ``_Py*``) and decrefs, except ``dsl_words`` and names starting with one
        of ``non_escaping``, and upper-case macros other than decrefs. Approximate."""
        names = set()
        for call in self.calls:
            name = call.name
            if name in dsl_words or name.startswith(non_escaping) or (name.isupper() and "DECREF" not in name):
                continue
            if name.startswith(("Py", "_Py")) or name in DECREF_CALLS or name in ("Py_SETREF", "Py_XSETREF"):
                names.add(name)
        return tuple(sorted(names))

    # -- statements ------------------------------------------------------------------

    @cached_property
    def assignments(self) -> tuple[Assignment, ...]:
        """``target = value;`` statements in order; ``target`` is the name just before ``=``
        (``_PyStackRef temp = callable;`` assigns ``temp``), ``value`` runs to the ``;``."""
        found = []
        toks = self.tokens
        for i, tok in enumerate(toks):
            if tok.kind != PUNCT or tok.text != "=" or i == 0 or toks[i - 1].kind != IDENT:
                continue
            end = i + 1
            depth = 0
            while end < len(toks):
                t = toks[end]
                if t.kind == PUNCT:
                    if t.text in _OPEN:
                        depth += 1
                    elif t.text in (")", "]", "}"):
                        if depth == 0:
                            break
                        depth -= 1
                    elif t.text == ";" and depth == 0:
                        break
                end += 1
            if end >= len(toks) or toks[end].text != ";" or end == i + 1:
                continue
            found.append(Assignment(toks[i - 1].text, self.text(i + 1, end - 1), self.line_of(i), i))
        return tuple(found)

    def moves(self) -> list[tuple[str, str]]:
        """``(target, source)`` for each assignment of one name to another (``l = left;``)."""
        return [(a.target, a.value) for a in self.assignments if _is_name(a.value)]

    def statement_end(self, index: int) -> int:
        """Index of the ``;`` that ends the statement holding token ``index`` (brackets
        skipped), or the last token."""
        toks = self.tokens
        i = index
        while i < len(toks):
            t = toks[i]
            if t.kind == PUNCT and t.text in ("(", "[") and i in self._match:
                i = self._match[i] + 1
                continue
            if t.kind == PUNCT and t.text == ";":
                return i
            i += 1
        return len(toks) - 1

    def names_in(self, start: int, end: int) -> set[str]:
        """The identifiers among tokens ``start`` to ``end`` (inclusive)."""
        return {t.text for t in self.tokens[start : end + 1] if t.kind == IDENT}

    # -- references --------------------------------------------------------------------

    def releases(self) -> list[tuple[Call, str]]:
        """``(call, name)`` for each ``PyStackRef_CLOSE``-family or ``Py_DECREF``-family call:
        ``name`` is the variable its first argument starts with (``args`` for ``args[0]``)."""
        found = []
        for call in self.calls:
            if call.name in _RELEASES and call.end > call.start + 2 and self.tokens[call.start + 2].kind == IDENT:
                found.append((call, self.tokens[call.start + 2].text))
        return found

    def releases_of(self, name: str) -> list[Call]:
        """The calls that release ``name``."""
        return [c for c, target in self.releases() if target == name]

    def dead_marks(self) -> list[Call]:
        """``DEAD(x)`` and ``INPUTS_DEAD()``: the body says it no longer owns those references."""
        return self.calls_to("DEAD", "INPUTS_DEAD")

    def guards(self, *names: str) -> list[Call]:
        """``DEOPT_IF``/``EXIT_IF`` sites (or only ``names`` of `GUARD_CALLS`), in order."""
        return self.calls_to(*(names or tuple(GUARD_CALLS)))

    def emitted_uops(self) -> list[str]:
        """Uops an optimizer case puts into the trace: ``ADD_OP(_X, ...)`` and
        ``REPLACE_OP(this_instr, _X, ...)`` (the first argument naming a uop), in order."""
        found = []
        for call in self.calls_to("ADD_OP", "REPLACE_OP"):
            uop = next((a for a in call.args if a.startswith("_") and _is_name(a)), None)
            if uop is not None:
                found.append(uop)
        return found

    # -- control flow ----------------------------------------------------------------

    def _statement_starts(self, block: int) -> list[int]:
        """Indices of the first token of each statement directly inside ``block`` (a ``{``
        index, or -1 for the top level)."""
        toks = self.tokens
        stop = self._match.get(block, len(toks)) if block >= 0 else len(toks)
        starts = []
        i = block + 1
        while i < stop:
            starts.append(i)
            while i < stop:
                t = toks[i]
                if t.kind == PUNCT and t.text in ("(", "[") and i in self._match:
                    i = self._match[i] + 1
                    continue
                if t.kind == PUNCT and t.text == "{" and i in self._match:
                    i = self._match[i] + 1
                    if i < stop and toks[i].text == "else":
                        continue
                    break
                if t.kind == PUNCT and t.text == ";":
                    i += 1
                    break
                if t.kind == PUNCT and t.text == "#":
                    # A preprocessor line is a statement of its own.
                    line = self.line_of(i)
                    while i < stop and self.line_of(i) == line:
                        i += 1
                    break
                i += 1
        return starts

    def is_error_exit(self, index: int) -> bool:
        """Whether the statement starting at token ``index`` always jumps to the error handler:
        ``ERROR_IF(1)``/``ERROR_IF(true)``, ``ERROR_NO_POP()``, ``goto error``,
        ``goto exception_unwind`` or ``JUMP_TO_LABEL(error)``."""
        toks = self.tokens
        tok = toks[index]
        nxt = toks[index + 1].text if index + 1 < len(toks) else ""
        if tok.text == "goto":
            return nxt in ERROR_LABELS
        if tok.kind != IDENT or nxt != "(":
            return False
        call = next((c for c in self.calls if c.start == index), None)
        if call is None:
            return False
        if call.name == "ERROR_IF":
            return call.first in ("1", "true")
        if call.name == "ERROR_NO_POP":
            return True
        return call.name == "JUMP_TO_LABEL" and call.first in ERROR_LABELS

    def error_exits(self) -> list[int]:
        """Lines of the statements that always jump to the error handler."""
        return [self.line_of(i) for i in range(len(self.tokens)) if self._starts_statement(i) and self.is_error_exit(i)]

    @cached_property
    def _all_starts(self) -> frozenset[int]:
        starts: set[int] = set()
        for block in {-1, *(i for i, t in enumerate(self.tokens) if t.text == "{" and t.kind == PUNCT)}:
            starts.update(self._statement_starts(block))
        return frozenset(starts)

    def _starts_statement(self, index: int) -> bool:
        return index in self._all_starts

    def on_error_path(self, index: int) -> bool:
        """Whether the statement holding token ``index`` runs only on the way to the error
        handler: it sits in a nested block (``if (err) { ... }``) whose later statements
        include one that always jumps there (`is_error_exit`)."""
        block = self._block_of[index]
        if block < 0:
            return False
        after = [s for s in self._statement_starts(block) if s > index]
        return any(self.is_error_exit(s) for s in after)

    def guarding_condition(self, index: int) -> str:
        """The condition of the ``if``/``while``/``for`` whose block holds token ``index``
        (``"err"`` for ``if (err) { ... }``), or ``""`` at the top level or in a bare block."""
        block = self._block_of[index]
        if block <= 0 or self.tokens[block - 1].text != ")":
            return ""
        open_paren = self._match.get(block - 1)
        if open_paren is None or open_paren == 0:
            return ""
        return self.text(open_paren + 1, block - 2) if block - 2 >= open_paren + 1 else ""

    # -- layout ----------------------------------------------------------------------

    @cached_property
    def has_preprocessor_conditionals(self) -> bool:
        """Whether a ``#if``/``#ifdef``/``#ifndef`` line is in the body."""
        toks = self.tokens
        return any(
            t.text == "#" and i + 1 < len(toks) and toks[i + 1].text in ("if", "ifdef", "ifndef")
            for i, t in enumerate(toks)
        )

    @cached_property
    def identifiers(self) -> frozenset[str]:
        """Every identifier in the body's code (comments and strings never count)."""
        return frozenset(text for kind, text, _offset in self.tokens if kind == IDENT)

    def mentions(self, name: str) -> bool:
        """Whether the identifier ``name`` appears in the body's code."""
        return name in self.identifiers


def _is_name(text: str) -> bool:
    return text.isidentifier()


@lru_cache(maxsize=4096)
def body_of(uop: InstDef) -> Body:
    """The `Body` of ``uop``, tokenized once and shared: callers must not change it."""
    return Body(uop)
