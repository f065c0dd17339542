"""The C body of one definition, read once into tokens, with the questions campaigns ask of it.

Every campaign used to read bodies with its own regular expressions; this is the one layer
they share now (the shape of ``Tools/cases_generator/analyzer.py``, which asks a body's token
stream about stores, escaping calls and exits). A body is tokenized by the analyzer's lexer
(`analyzer.lexer.body_tokens`), so comments and string literals never match a query: a
``DEOPT_IF`` in a comment or a ``"PyStackRef_CLOSE("`` in a string is not a guard or a
release. Line numbers are the source file's, as in `Evidence`.

Queries (all cheap after the first call; `body_of` caches one `Body` per definition):

* `Body.calls` / `Body.calls_to` / `Body.call_names`: every call ``name(args)`` with its line and arguments;
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
from collections.abc import Callable
from functools import lru_cache
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add
from typing import Any, Generic, NamedTuple, TypeVar, overload

from analyzer.lexer import Token, body_token_parts, tokens_from_parts
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
    "is_escaping_call",
]

#: Stack-reference releases: the first argument is the reference released.
CLOSE_CALLS = frozenset({"PyStackRef_CLOSE", "PyStackRef_XCLOSE", "PyStackRef_CLOSE_SPECIALIZED"})
#: Object-pointer releases of the 3.13 era (before stack references), first argument released.
DECREF_CALLS = frozenset({"Py_DECREF", "Py_XDECREF", "_Py_DECREF_SPECIALIZED", "Py_CLEAR"})
_RELEASES = CLOSE_CALLS | DECREF_CALLS
#: DSL exits that leave a uop when their condition holds (DSL-NOTES.md, bytecodes.c).
GUARD_CALLS = frozenset({"DEOPT_IF", "EXIT_IF", "AT_END_EXIT_IF", "HANDLE_PENDING_AND_DEOPT_IF"})
#: Optimizer calls that put a uop into the trace (`Body.emitted_uops`).
_EMITTING_CALLS = ("ADD_OP", "REPLACE_OP")
#: The calls `Body.is_error_exit` looks at.
_ERROR_CALLS = frozenset({"ERROR_IF", "ERROR_NO_POP", "JUMP_TO_LABEL"})
#: Labels a ``goto``/``JUMP_TO_LABEL`` reaches only on error.
ERROR_LABELS = frozenset({"error", "exception_unwind"})
#: C words that look like calls.
_NOT_CALLS = frozenset({"if", "for", "while", "switch", "return", "sizeof", "defined", "else", "do"})
_OPEN = {"(": ")", "[": "]", "{": "}"}
_BRACKETS = frozenset("()[]{}")
#: The tokens `Body._scan` indexes: brackets and ``=``.
_SCANNED = _BRACKETS | {"="}
#: First characters of identifier tokens (`analyzer.lexer`: ASCII letters and ``_``). A
#: token's kind follows from its first character, and brackets, ``;``, ``=``, ``,`` and ``#``
#: can only be punctuation, so the queries below compare texts and never build `Token` s.
_IDENT_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


_T = TypeVar("_T")


class _lazy(Generic[_T]):
    """A value computed on first read and kept in the instance, as `functools.cached_property`
    does, without the lock Python 3.11's takes on each first read: a body reads about ten such
    values once each, and that lock was a measurable share of reading every body."""

    def __init__(self, fn: Callable[[Any], _T]) -> None:
        self.fn = fn
        self.name = fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _lazy[_T]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> _T: ...

    def __get__(self, obj: object, owner: type | None = None) -> _T | _lazy[_T]:
        if obj is None:
            return self
        value = self.fn(obj)
        # Set as an attribute, not through ``obj.__dict__``: reading that gives the instance a
        # dict of its own (one more container for the garbage collector to visit), where its
        # attributes otherwise stay in its compact inline values.
        setattr(obj, self.name, value)
        return value


class Call(NamedTuple):
    """``name(arg, ...)`` at ``line``: ``args`` are each argument's text (tokens joined by a
    space only where the source had one); ``start``/``end`` index the name and the ``)``.

    Made only for the calls a query returns (`Body._call`); a body keeps only where each call
    starts, since most calls are only asked for their name. A
    `NamedTuple`, as immutable as a frozen dataclass and several times cheaper to make.
    """

    name: str
    line: int
    args: tuple[str, ...]
    start: int
    end: int

    @property
    def first(self) -> str:
        """The first argument's text, or ``""`` for a call without arguments."""
        return self.args[0] if self.args else ""


class Assignment(NamedTuple):
    """``target = value;`` at ``line``; ``equals`` is the ``=`` token's index. A
    `NamedTuple`, like `Call`: a body makes one per assignment, and it is cheaper to make than
    a frozen dataclass."""

    target: str
    value: str
    line: int
    equals: int


class Body:
    """The tokens of ``uop``'s body (between its braces) and the queries over them.

    The body is split once (`analyzer.lexer.body_token_parts`) into ``texts`` (each token's
    text) and ``gaps`` (the white space and comments before each); offsets, lines, `Token` s
    and each index a query needs are derived from them on first use and kept.
    """

    def __init__(self, uop: InstDef) -> None:
        self.uop = uop
        self.code = uop.code
        gaps, texts = body_token_parts(uop.code)
        # Tuples, not lists: they hold only strings, so the garbage collector stops visiting
        # them after its first pass (it untracks such tuples; a list it visits on every pass).
        self.gaps: tuple[str, ...] = tuple(gaps)
        self.texts: tuple[str, ...] = tuple(texts)

    @_lazy
    def tokens(self) -> list[Token]:
        """Every token, as `analyzer.lexer.body_tokens` gives them."""
        return tokens_from_parts(self.gaps, self.texts)

    # -- positions -------------------------------------------------------------------

    @_lazy
    def _breaks(self) -> tuple[int, ...]:
        """For each line break up to the last token, the index of the token it comes before
        (once per break, so in order, with repeats): what `line_of` bisects."""
        code = self.code
        sep = "\0"
        while sep in code:  # a character in no gap and no token
            sep = chr(ord(sep) + 1)
        # A line continuation may sit inside a string token: there token i's breaks are those
        # of text i - 1 and of gap i, else those of gap i.
        parts = map(add, chain(("",), self.texts), self.gaps) if "\\\n" in code else self.gaps
        # Joined by a separator, the parts before a break number the token it comes before:
        # counted in C, once per line rather than once per token.
        lines = sep.join(parts).split("\n")
        lines.pop()
        return tuple(accumulate(map(str.count, lines, repeat(sep))))

    def line_of(self, index: int) -> int:
        """The source line of token ``index``."""
        if index < 0:
            index += len(self.texts)
        return self.uop.body_line + bisect_right(self._breaks, index)

    @_lazy
    def _lines(self) -> tuple[str, ...]:
        return tuple(self.code.split("\n"))

    def line_text(self, line: int) -> str:
        """The text of source ``line`` (a line of this body), stripped."""
        return self._lines[line - self.uop.body_line].strip()

    def text(self, start: int, end: int) -> str:
        """Source text of tokens ``start`` to ``end`` (inclusive), comments dropped, white space
        between tokens kept as one space."""
        texts = self.texts
        if 0 <= start <= end and start < len(texts):
            # Spans are short (an argument, a right-hand side): concatenating in place is
            # cheaper than building lists to join.
            out = texts[start]
            if end == start:
                return out  # the usual argument
            gaps = self.gaps
            for i in range(start + 1, min(end + 1, len(texts))):
                out = out + " " + texts[i] if gaps[i] else out + texts[i]
            return out
        parts: list[str] = []
        append = parts.append
        gaps = self.gaps
        for i in range(*slice(start, end + 1).indices(len(texts))):
            if parts and gaps[i]:
                append(" ")
            append(texts[i])
        return "".join(parts)

    def _scan(self) -> None:
        """One pass over the tokens that stores three indexes: ``_index`` (the indices of the
        brackets, key ``""``, and of the ``=`` tokens), ``_match`` (each bracket's partner, by
        index; unbalanced brackets are left out) and ``_call_starts`` (see there).

        Partners are found as a C compiler would: a closing bracket pairs with the innermost
        open one of its kind, and open brackets of other kinds left in between are dropped.
        Every body needs all three, so they are made together, each read afterwards as a
        plain attribute.
        """
        texts = self.texts
        brackets: list[int] = []
        equals: list[int] = []
        match: dict[int, int] = {}
        calls: list[int] = []
        stack: list[int] = []
        # Only brackets and ``=`` matter here, about a third of the tokens: they are picked
        # out in C, and the loop runs for them alone.
        for i in compress(count(), map(_SCANNED.__contains__, texts)):
            text = texts[i]
            if text == "=":
                equals.append(i)
                continue
            brackets.append(i)
            if text in _OPEN:
                stack.append(i)
                continue
            while stack and _OPEN[texts[stack[-1]]] != text:
                stack.pop()
            if stack:
                j = stack.pop()
                match[i] = j
                match[j] = i
                if text == ")" and j and (name := texts[j - 1])[0] in _IDENT_START and name not in _NOT_CALLS:
                    calls.append(j - 1)
        calls.sort()  # a call closes after the calls in its arguments
        # Set as `_lazy` sets values: later reads find them and never call it.
        self._index = {"": tuple(brackets), "=": tuple(equals)}
        self._match = match
        self._call_starts = tuple(calls)

    @_lazy
    def _index(self) -> dict[str, tuple[int, ...]]:
        """Indices of every bracket (key ``""``) and of the ``=`` tokens; `_where` adds other
        texts when asked."""
        self._scan()
        return self._index

    def _where(self, text: str) -> tuple[int, ...]:
        """Indices of the tokens whose text is ``text``, in order (kept for the next call)."""
        index = self._index
        found = index.get(text)
        if found is None:
            texts = self.texts
            if text in _BRACKETS:
                found = tuple([i for i in index[""] if texts[i] == text])
            elif text in self.code:  # every token is a piece of the code: absent there, absent here
                found = tuple(_positions(texts, text))
            else:
                found = ()
            index[text] = found
        return found

    def _partners_from(self, start: int) -> dict[int, int]:
        """The partners `_match` gives the brackets from the opening bracket ``start`` to its
        own partner, or ``{}`` when ``start`` has none; found without pairing the rest of the
        body. Where a bracket ends up depends only on the tokens after it (`_scan` reaches the
        brackets below it on its stack only once it is paired or dropped), so the same pass
        can start at ``start`` and stop as soon as ``start`` is paired or dropped."""
        texts = self.texts
        match: dict[int, int] = {}
        stack: list[int] = []
        for i in compress(count(start), map(_BRACKETS.__contains__, islice(texts, start, None))):
            text = texts[i]
            if text in _OPEN:
                stack.append(i)
                continue
            while stack and _OPEN[texts[stack[-1]]] != text:
                stack.pop()
            if stack:
                j = stack.pop()
                match[i] = j
                match[j] = i
            if not stack:
                break
        return match if start in match else {}

    @_lazy
    def _match(self) -> dict[int, int]:
        """Index of each bracket -> index of its partner (unbalanced brackets are left out)."""
        self._scan()
        return self._match

    @_lazy
    def _block_of(self) -> list[int]:
        """For each token, the index of the innermost ``{`` around it (-1 at the top level)."""
        texts = self.texts
        n = len(texts)
        owner = [-1] * n
        stack: list[int] = []
        top, done = -1, 0  # the innermost open ``{``; tokens before ``done`` have their owner
        for i in self._index[""]:
            text = texts[i]
            if text not in "{}":
                continue
            if text == "}":
                owner[done:i] = [top] * (i - done)
                if stack:
                    stack.pop()
                top = stack[-1] if stack else -1
                owner[i] = top
            else:
                owner[done : i + 1] = [top] * (i + 1 - done)
                stack.append(i)
                top = i
            done = i + 1
        owner[done:n] = [top] * (n - done)
        return owner

    # -- calls -----------------------------------------------------------------------

    @_lazy
    def calls(self) -> tuple[Call, ...]:
        """Every ``name(...)`` in the body, in order (C keywords such as ``if`` excluded)."""
        return tuple(map(self._call, self._call_starts))

    @_lazy
    def _call_starts(self) -> tuple[int, ...]:
        """The index of every call's name, in order: its ``(`` follows and ``_match`` gives that
        ``(``'s partner. A call is a name (not a C keyword) just before a ``(`` that has its
        partner. Plain indices, not a tuple per call: the `Call` objects are made only for the
        calls a query returns (`_call`), and a tuple of ints holds nothing the garbage
        collector must visit."""
        self._scan()
        return self._call_starts

    def _call(self, start: int) -> Call:
        """The one `Call` of this body whose name is token ``start``."""
        made = self._made_calls
        call = made.get(start)
        if call is None:
            match = self._match
            end = match[start + 1]
            args = self._arguments(start, end, match)
            # `tuple.__new__`: the same `Call`, made in C (a `NamedTuple`'s ``__new__`` is Python).
            line = self.uop.body_line + bisect_right(self._breaks, start)
            call = made[start] = tuple.__new__(Call, (self.texts[start], line, args, start, end))
        return call

    @_lazy
    def _made_calls(self) -> dict[int, Call]:
        return {}

    def _arguments(self, name_index: int, close: int, match: dict[int, int]) -> tuple[str, ...]:
        """The arguments' texts of the call whose name is token ``name_index``, its brackets
        paired by ``match`` (`_match`, or `_partners_from` the call's ``(``)."""
        texts = self.texts
        args: list[str] = []
        start = name_index + 2
        j = start
        while j < close:
            t = texts[j]
            if t in _OPEN and j in match:
                j = match[j] + 1
                continue
            if t == ",":
                args.append(self.text(start, j - 1) if j > start else "")
                start = j + 1
            j += 1
        if close > start:
            args.append(self.text(start, close - 1))
        return tuple(args)

    @_lazy
    def call_names(self) -> frozenset[str]:
        """The distinct names called in the body."""
        return frozenset(map(self.texts.__getitem__, self._call_starts))

    def calls_to(self, *names: str) -> list[Call]:
        """The calls to any of ``names``, in order."""
        if self.call_names.isdisjoint(names):
            return []  # the usual answer, found in C
        texts = self.texts
        return [self._call(i) for i in self._call_starts if texts[i] in names]

    def escaping_calls(self, non_escaping: tuple[str, ...], dsl_words: frozenset[str]) -> tuple[str, ...]:
        """Names of the calls that may run arbitrary Python code (`is_escaping_call`), sorted
        and unique."""
        return tuple(sorted([name for name in self.call_names if is_escaping_call(name, non_escaping, dsl_words)]))

    # -- statements ------------------------------------------------------------------

    @_lazy
    def assignments(self) -> tuple[Assignment, ...]:
        """``target = value;`` statements in order; ``target`` is the name just before ``=``
        (``_PyStackRef temp = callable;`` assigns ``temp``), ``value`` runs to the ``;``."""
        found = []
        texts = self.texts
        n = len(texts)
        breaks = self._breaks
        base = self.uop.body_line
        brackets = self._index[""]
        index = texts.index
        new = tuple.__new__
        for i in self._where("="):
            if i == 0 or texts[i - 1][0] not in _IDENT_START:
                continue
            # The statement runs to the first ``;`` outside brackets, unless a closing bracket
            # of an enclosing statement comes first (``for (i = 0; ...)``, ``f(x = 1)``): each
            # ``;`` is found in C, and only the brackets before it are counted.
            depth = 0
            pos = i + 1
            k = bisect_right(brackets, i)
            end = -1
            while end < 0:
                try:
                    semi = index(";", pos)
                except ValueError:
                    semi = n
                while k < len(brackets) and brackets[k] < semi:
                    b = brackets[k]
                    if texts[b] in _OPEN:
                        depth += 1
                    elif depth == 0:
                        end = b
                        break
                    else:
                        depth -= 1
                    k += 1
                else:
                    if semi >= n or depth == 0:
                        end = semi
                    pos = semi + 1
            if end >= n or texts[end] != ";" or end == i + 1:
                continue
            value = texts[i + 1] if end == i + 2 else self.text(i + 1, end - 1)
            # `tuple.__new__` makes the same `Assignment` in C (its own ``__new__`` is Python
            # code), and the line is `line_of`'s, inlined.
            found.append(new(Assignment, (texts[i - 1], value, base + bisect_right(breaks, i), i)))
        return tuple(found)

    def moves(self) -> list[tuple[str, str]]:
        """``(target, source)`` for each assignment of one name to another (``l = left;``)."""
        return [(a.target, a.value) for a in self.assignments if _is_name(a.value)]

    def statement_end(self, index: int) -> int:
        """Index of the ``;`` that ends the statement holding token ``index`` (brackets
        skipped), or the last token."""
        texts = self.texts
        match = self._match
        i = index
        while i < len(texts):
            t = texts[i]
            if t in ("(", "[") and i in match:
                i = match[i] + 1
                continue
            if t == ";":
                return i
            i += 1
        return len(texts) - 1

    def names_in(self, start: int, end: int) -> set[str]:
        """The identifiers among tokens ``start`` to ``end`` (inclusive)."""
        return {t for t in self.texts[start : end + 1] if t[0] in _IDENT_START}

    # -- references --------------------------------------------------------------------

    @_lazy
    def _releases(self) -> tuple[tuple[Call, str], ...]:
        texts = self.texts
        found = []
        match = self._match
        for start in self._call_starts:
            if texts[start] in _RELEASES and match[start + 1] > start + 2 and texts[start + 2][0] in _IDENT_START:
                found.append((self._call(start), texts[start + 2]))
        return tuple(found)

    def releases(self) -> list[tuple[Call, str]]:
        """``(call, name)`` for each ``PyStackRef_CLOSE``-family or ``Py_DECREF``-family call:
        ``name`` is the variable its first argument starts with (``args`` for ``args[0]``)."""
        return list(self._releases)

    def releases_of(self, name: str) -> list[Call]:
        """The calls that release ``name``."""
        return [c for c, target in self._releases if target == name]

    def dead_marks(self) -> list[Call]:
        """``DEAD(x)`` and ``INPUTS_DEAD()``: the body says it no longer owns those references."""
        return self.calls_to("DEAD", "INPUTS_DEAD")

    def guards(self, *names: str) -> list[Call]:
        """``DEOPT_IF``/``EXIT_IF`` sites (or only ``names`` of `GUARD_CALLS`), in order."""
        return self.calls_to(*(names or tuple(GUARD_CALLS)))

    def emitted_uops(self) -> list[str]:
        """Uops an optimizer case puts into the trace: ``ADD_OP(_X, ...)`` and
        ``REPLACE_OP(this_instr, _X, ...)`` (the first argument naming a uop), in order."""
        found: list[str] = []
        texts = self.texts
        code = self.code
        # Only these calls' arguments are needed: no `Call` (whose line would index the body's
        # lines), and no pairing of the whole body's brackets (`_scan`), which an optimizer
        # case is read for only here.
        starts = sorted(chain.from_iterable(_positions(texts, name) for name in _EMITTING_CALLS if name in code))
        for start in starts:
            if start + 1 < len(texts) and texts[start + 1] == "(":
                match = self._partners_from(start + 1)
                if match:
                    args = self._arguments(start, match[start + 1], match)
                    uop = next((a for a in args if a.startswith("_") and _is_name(a)), None)
                    if uop is not None:
                        found.append(uop)
        return found

    # -- control flow ----------------------------------------------------------------

    def _statement_starts(self, block: int) -> list[int]:
        """Indices of the first token of each statement directly inside ``block`` (a ``{``
        index, or -1 for the top level)."""
        cache = self._starts_cache
        if block in cache:
            return cache[block]
        texts = self.texts
        match = self._match
        line_of = self.line_of
        stop = match.get(block, len(texts)) if block >= 0 else len(texts)
        starts = []
        i = block + 1
        while i < stop:
            starts.append(i)
            while i < stop:
                t = texts[i]
                if t in ("(", "[") and i in match:
                    i = match[i] + 1
                    continue
                if t == "{" and i in match:
                    i = match[i] + 1
                    if i < stop and texts[i] == "else":
                        continue
                    break
                if t == ";":
                    i += 1
                    break
                if t == "#":
                    # A preprocessor line is a statement of its own.
                    line = line_of(i)
                    while i < stop and line_of(i) == line:
                        i += 1
                    break
                i += 1
        cache[block] = starts
        return starts

    @_lazy
    def _starts_cache(self) -> dict[int, list[int]]:
        return {}

    def is_error_exit(self, index: int) -> bool:
        """Whether the statement starting at token ``index`` always jumps to the error handler:
        ``ERROR_IF(1)``/``ERROR_IF(true)``, ``ERROR_NO_POP()``, ``goto error``,
        ``goto exception_unwind`` or ``JUMP_TO_LABEL(error)``."""
        texts = self.texts
        tok = texts[index]
        nxt = texts[index + 1] if index + 1 < len(texts) else ""
        if tok == "goto":
            return nxt in ERROR_LABELS
        if tok not in _ERROR_CALLS or nxt != "(" or index + 1 not in self._match:
            return False  # not a call (its ``(`` has no partner), or not one of these
        call = self._call(index)
        if call.name == "ERROR_IF":
            return call.first in ("1", "true")
        if call.name == "ERROR_NO_POP":
            return True
        return call.name == "JUMP_TO_LABEL" and call.first in ERROR_LABELS

    def error_exits(self) -> list[int]:
        """Lines of the statements that always jump to the error handler."""
        return [self.line_of(i) for i in sorted(self._all_starts) if self.is_error_exit(i)]

    @_lazy
    def _all_starts(self) -> frozenset[int]:
        starts: set[int] = set()
        for block in (-1, *self._where("{")):
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
        return any(self.is_error_exit(s) for s in self._statement_starts(block) if s > index)

    def guarding_condition(self, index: int) -> str:
        """The condition of the ``if``/``while``/``for`` whose block holds token ``index``
        (``"err"`` for ``if (err) { ... }``), or ``""`` at the top level or in a bare block."""
        block = self._block_of[index]
        if block <= 0 or self.texts[block - 1] != ")":
            return ""
        open_paren = self._match.get(block - 1)
        if open_paren is None or open_paren == 0:
            return ""
        return self.text(open_paren + 1, block - 2) if block - 2 >= open_paren + 1 else ""

    # -- layout ----------------------------------------------------------------------

    @_lazy
    def has_preprocessor_conditionals(self) -> bool:
        """Whether a ``#if``/``#ifdef``/``#ifndef`` line is in the body."""
        texts = self.texts
        if "#" not in self.code:
            return False
        return any(i + 1 < len(texts) and texts[i + 1] in ("if", "ifdef", "ifndef") for i in self._where("#"))

    @_lazy
    def identifiers(self) -> frozenset[str]:
        """Every identifier in the body's code (comments and strings never count)."""
        return frozenset(t for t in set(self.texts) if t[0] in _IDENT_START)

    def mentions(self, name: str) -> bool:
        """Whether the identifier ``name`` appears in the body's code."""
        return name in self.identifiers


def is_escaping_call(name: str, non_escaping: tuple[str, ...], dsl_words: frozenset[str]) -> bool:
    """Whether a call to ``name`` may run arbitrary Python code: a CPython API call (``Py*``,
    ``_Py*``) or a decref, except ``dsl_words``, names starting with one of ``non_escaping``,
    and upper-case macros other than decrefs. Approximate (the campaigns' `escaping_calls`
    pass CPython's non-escaping prefixes and DSL words)."""
    if name in dsl_words or name.startswith(non_escaping) or (name.isupper() and "DECREF" not in name):
        return False
    return name.startswith(("Py", "_Py")) or name in DECREF_CALLS or name in ("Py_SETREF", "Py_XSETREF")


def _positions(texts: tuple[str, ...], text: str) -> list[int]:
    """The indices of ``text`` in ``texts``, each found by ``tuple.index`` (a scan in C: most
    texts asked for are rare, and a Python loop would visit every token)."""
    found: list[int] = []
    index = texts.index
    i = -1
    try:
        while True:
            i = index(text, i + 1)
            found.append(i)
    except ValueError:
        return found


def _is_name(text: str) -> bool:
    return text.isidentifier()


@lru_cache(maxsize=4096)
def body_of(uop: InstDef) -> Body:
    """The `Body` of ``uop``, tokenized once and shared: callers must not change it."""
    return Body(uop)
