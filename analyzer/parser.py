"""Parser for the instruction DSL of ``Python/bytecodes.c`` and ``Python/optimizer_bytecodes.c``.

Reads the definitions between the ``// BEGIN BYTECODES //`` and ``// END BYTECODES //``
lines into `analyzer.model` dataclasses. Grammar as used by CPython 3.13 to 3.16 (see
``Tools/cases_generator/parsing.py`` and docs/DSL-NOTES.md). A construct it does not
know (a new definition keyword or annotation) becomes a located warning and is skipped;
malformed known constructs raise `DSLSyntaxError`.
"""

from __future__ import annotations

import re

from analyzer.errors import Diagnostic, DSLSyntaxError
from analyzer.lexer import (
    EOF,
    IDENT,
    NUMBER,
    SPACE_OR_COMMENT,
    STRING,
    Lexer,
    Token,
    describe,
    find_body_end,
    strip_comments,
)
from analyzer.model import (
    CacheEntry,
    Definition,
    Family,
    InstDef,
    Label,
    Macro,
    MacroPart,
    ParsedFile,
    Pseudo,
    StackEffect,
    StackItem,
)
from analyzer.source import Source

__all__ = ["KINDS", "KNOWN_ANNOTATIONS", "marker_line", "parse_source"]

#: Definition keywords of the DSL.
KINDS = frozenset({"inst", "op", "macro", "family", "pseudo", "label"})

#: Annotation words seen in CPython 3.13 to 3.16 (DSL-NOTES.md section 4, plus the
#: ``#define``d but unused ``guard`` and ``override``). Others give a warning.
KNOWN_ANNOTATIONS = frozenset(
    {
        "pure",
        "specializing",
        "tier1",
        "tier2",
        "replaced",
        "split",
        "no_save_ip",
        "spilled",
        "replicate",
        "guard",
        "override",
        "register",
        "escapes",
        "sync_sp",
    }
)

# -- fast path ---------------------------------------------------------------------
# Nearly every definition of CPython's files has a plain header: known annotation words,
# ``inst``/``op`` with a stack effect of names, ``name/N`` caches, ``name[expr]`` arrays and
# ``name: type*`` items, ``macro(NAME) = part + ...;``, or a ``family``, ``pseudo`` or
# ``label`` of the usual shape (`_FAST_HEADER_RE`). Such a header is read by one regular
# expression instead of a token at a time. Anything else (a comment or a condition
# in the header, an unknown word, a malformed item) makes the fast path give up, and the
# token parser reads the definition from its start, with its warnings and located errors.
# Both give the same definitions (tests/analyzer/test_parser.py compares them on every
# shared snapshot).
# Possessive runs (``*+``): what follows white space or a name never starts with more of it,
# so giving characters back could never help, and not keeping them to give back costs less.
_WS = r"[ \t\r\f\v\n]*+"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*+"
_REPLICATE = rf"replicate{_WS}\({_WS}([0-9]+)(?:{_WS}:{_WS}([0-9]+))?{_WS}\)"
#: White space and comments in a name list (``{ A, /* why */ B, }``).
_LIST_GAP = rf"(?:{SPACE_OR_COMMENT})*+"
#: ``NAME (',' NAME)* [',']``, possibly empty, as `_Parser.name_list` reads it.
_NAME_LIST = rf"{_LIST_GAP}(?:{_NAME}{_LIST_GAP}(?:,{_LIST_GAP}{_NAME}{_LIST_GAP})*+(?:,{_LIST_GAP})?)?"
#: One name of a `_NAME_LIST` and the comma after it.
_LIST_ITEM_RE = re.compile(rf"{_LIST_GAP}({_NAME}){_LIST_GAP},?", re.DOTALL)
#: A whole plain definition head: annotation words, then one of
#: ``inst``/``op`` ``(NAME[, (effect)])`` up to the ``{`` of the body, with a stack effect
#: without parentheses or comments; ``macro(NAME) = parts;``, where the parts may hold ``//``
#: comments but not ``/*``; ``family(NAME[, SIZE]) = { NAMES };`` with a name or number as
#: size; ``pseudo(NAME[, (effect)][, (FLAGS)]) = { NAMES };`` (or ``[ NAMES ]``);
#: ``label(NAME)`` up to the ``{`` of the body.
_FAST_HEADER_RE = re.compile(
    rf"(?P<ann>(?:(?:{_REPLICATE}|{_NAME})[ \t\r\f\v\n]++)*?)"
    rf"(?:(?P<kind>inst|op){_WS}\({_WS}(?P<name>{_NAME}){_WS}"
    rf"(?:,{_WS}\((?P<effect>[^()/]*+(?:/(?![/*])[^()/]*+)*+)\){_WS})?\){_WS}\{{"
    rf"|macro{_WS}\({_WS}(?P<macro>{_NAME}){_WS}\){_WS}={_WS}(?P<parts>(?:[^;/]++|/(?![/*])|//[^\n]*+)*+);"
    rf"|family{_WS}\({_WS}(?P<family>{_NAME}){_WS}(?:,(?P<size>[A-Za-z0-9_ \t\r\f\v\n]*))?\)"
    rf"{_WS}={_WS}\{{(?P<members>{_NAME_LIST})\}}{_WS};"
    rf"|pseudo{_WS}\({_WS}(?P<pseudo>{_NAME}){_WS}(?:,{_WS}\((?P<pseudo_effect>[^()/-]*--[^()/]*)\){_WS})?"
    rf"(?:,{_WS}\((?P<flags>{_WS}{_NAME}{_WS}(?:,{_WS}{_NAME}{_WS})*)\){_WS})?\)"
    rf"{_WS}={_WS}(?:\{{(?P<targets>{_NAME_LIST})\}}|\[(?P<sequence>{_NAME_LIST})\]){_WS};"
    rf"|label{_WS}\({_WS}(?P<label>{_NAME}){_WS}\){_WS}\{{)",
    re.DOTALL,
)
_FAST_ANNOTATION_RE = re.compile(rf"{_REPLICATE}|({_NAME})")
_FAST_ITEM_RE = re.compile(
    rf"{_WS}({_NAME}){_WS}(?:/{_WS}(0|[1-9][0-9]*)"
    rf"|(?::{_WS}({_NAME})((?:{_WS}\*)*))?{_WS}(?:\[([^\[\]{{}}\"'/]*)\])?){_WS}"
)
#: White space and ``//`` comments around the ``+`` between macro parts.
_GAP = r"(?:[ \t\r\f\v\n]++|//[^\n]*+)*+"
_FAST_PART_RE = re.compile(rf"({_NAME})(?:{_WS}/{_WS}(-)?{_WS}(0|[1-9][0-9]*))?{_GAP}(\+|\Z){_GAP}")
_SPACE = " \t\r\f\v\n"

_BEGIN_MARKER = "// BEGIN BYTECODES //"
_END_MARKER = "// END BYTECODES //"


def marker_line(text: str, marker: str, pos: int = 0) -> tuple[int, int] | None:
    """The first line at or after ``pos`` that holds only ``marker`` (spaces and tabs around it
    allowed), as ``(start of the line, end of its text before the newline)``; ``None`` if none.

    What ``re.search(r"^[ \\t]*MARKER[ \\t]*$", text[pos:], re.MULTILINE)`` finds, by
    ``str.find`` on the marker: a regular expression anchored at every line start walks the
    whole file, and the END marker is two hundred kilobytes into bytecodes.c.
    """
    at = text.find(marker, pos)
    while at >= 0:
        start = text.rfind("\n", 0, at) + 1
        end = at + len(marker)
        while end < len(text) and text[end] in " \t":
            end += 1
        if start >= pos and not text[start:at].strip(" \t") and (end == len(text) or text[end] == "\n"):
            return start, end
        at = text.find(marker, at + 1)
    return None


def parse_source(source: Source, *, fast: bool = True) -> ParsedFile:
    """Parse every definition of a DSL file.

    Returns a `ParsedFile` whose warnings are `Diagnostic`\\ s. Raises `DSLSyntaxError`
    (``file:line:col: message``) when the markers are missing or a definition is malformed.
    ``fast=False`` reads every header token by token (the result is the same; tests compare).
    """
    return _Parser(source, fast=fast).parse()


def _fast_stack_effect(text: str, pieces_seen: dict[str, StackItem | CacheEntry | None]) -> StackEffect | None:
    """The stack effect between the parentheses, or ``None`` when the token parser must read it.

    ``pieces_seen`` maps the text between two commas (``" value"``, ``"unused/1"``) to what it
    was read as in this file: items are immutable, and the same few (``value``, ``unused``,
    ``res``) recur everywhere, so each is read and made once.
    """
    sides = text.split("--")
    if len(sides) != 2:
        return None
    inputs: list[StackItem] = []
    caches: list[CacheEntry] = []
    outputs: list[StackItem] = []
    for side, items in ((sides[0], inputs), (sides[1], outputs)):
        if not side.strip(_SPACE):
            continue
        for piece in side.split(","):
            if piece in pieces_seen:
                item = pieces_seen[piece]
            else:
                item = pieces_seen[piece] = _fast_stack_piece(piece)
            if item is None:
                return None
            if isinstance(item, CacheEntry):
                if items is outputs:
                    return None
                caches.append(item)
            else:
                items.append(item)
    return StackEffect(tuple(inputs), tuple(outputs), tuple(caches))


def _fast_stack_piece(piece: str) -> StackItem | CacheEntry | None:
    """One stack item or cache entry of a plain stack effect; ``None`` if the token parser must read it."""
    m = _FAST_ITEM_RE.fullmatch(piece)
    if m is None:
        return None
    name, cache, type_name, stars, size = m.groups()
    if cache is not None:
        return CacheEntry(name, int(cache))
    type_text = type_name + "*" * stars.count("*") if type_name is not None else None
    size_text = " ".join(size.split()) if size is not None else None
    return StackItem(name, size_text, None, type_text)


def _fast_annotations(text: str) -> tuple[str, ...] | None:
    """The annotation words `_FAST_HEADER_RE` found, or ``None`` for an unknown word."""
    annotations = []
    for m in _FAST_ANNOTATION_RE.finditer(text):
        word = m.group(3)
        if word is None:
            annotations.append(f"replicate({m.group(1)}:{m.group(2)})" if m.group(2) else f"replicate({m.group(1)})")
        elif word in KNOWN_ANNOTATIONS:
            annotations.append(word)
        else:
            return None
    return tuple(annotations)


class _Parser:
    def __init__(self, source: Source, *, fast: bool = True) -> None:
        self.source = source
        self.file = source.name
        self.warnings: list[Diagnostic] = []
        self.fast = fast
        # Within one file, the same stack effect text (``(left, right -- res)``) and the same
        # items recur; they are immutable, so each is made once.
        self._stacks: dict[str, StackEffect | None] = {}
        self._stack_pieces: dict[str, StackItem | CacheEntry | None] = {}
        # `line_of`'s last answer: the offset asked about and its line.
        self._line_offset = 0
        self._line = 1
        #: The stack effect of a header without one (``inst(NAME) {``), shared likewise.
        self._no_stack = StackEffect()

    # -- helpers -------------------------------------------------------------------

    def line_of(self, offset: int) -> int:
        """The 1-based line of ``offset``, counted from the offset asked about last.

        The fast path asks in source order, so the file's newlines are counted about once
        (``str.count``, in C) and no table of line starts is built for it.
        """
        before = self._line_offset
        if offset >= before:
            line = self._line + self.source.text.count("\n", before, offset)
        else:
            line = self._line - self.source.text.count("\n", offset, before)
        self._line_offset = offset
        self._line = line
        return line

    def warn(self, message: str, offset: int) -> None:
        line, column = self.source.position(offset)
        self.warnings.append(Diagnostic("warning", message, self.file, line, column, self.source.line_text(line)))

    def region(self) -> tuple[int, int]:
        text = self.source.text
        begin = marker_line(text, _BEGIN_MARKER)
        if begin is None:
            raise DSLSyntaxError(
                "no '// BEGIN BYTECODES //' line: is this an instruction-definition file (Python/bytecodes.c)?",
                file=self.file,
                line=1,
                column=1,
                source_line=self.source.line_text(1),
            )
        end = marker_line(text, _END_MARKER, begin[1])
        if end is None:
            line, col = self.source.position(begin[0])
            raise DSLSyntaxError(
                "'// BEGIN BYTECODES //' is never closed by a '// END BYTECODES //' line",
                file=self.file,
                line=line,
                column=col,
                source_line=self.source.line_text(line),
            )
        return begin[1], end[0]

    # -- top level -----------------------------------------------------------------

    def parse(self) -> ParsedFile:
        start, end = self.region()
        first_line = self.line_of(start)
        lx = Lexer(self.source, start, end)
        self.lx = lx
        defs: list[Definition] = []
        while True:
            lx.skip_space()
            if lx.pos >= end:
                break
            if lx.text[lx.pos] == "#":
                self.skip_preprocessor_line()
                continue
            definition = self.definition()
            if definition is not None:
                defs.append(definition)
        return ParsedFile(
            file=self.file,
            sha256=self.source.sha256,
            definitions=tuple(defs),
            warnings=tuple(self.warnings),
            region=(first_line, self.line_of(end)),
        )

    def skip_preprocessor_line(self) -> None:
        lx = self.lx
        self.warn("preprocessor line between definitions is ignored", lx.pos)
        nl = lx.text.find("\n", lx.pos, lx.end)
        lx.pos = lx.end if nl == -1 else nl + 1

    def definition(self) -> Definition | None:
        # definition: annotation* KIND '(' ...
        lx = self.lx
        start = lx.pos
        if self.fast:
            found = self.fast_definition(start)
            if found is not None:
                return found
            lx.pos = start
        annotations: list[str] = []
        while True:
            tok = lx.next()
            if tok.kind != IDENT:
                self.skip_unknown(
                    start, f"expected a definition (inst, op, macro, family, pseudo or label), found {describe(tok)}"
                )
                return None
            if tok.text in KINDS and lx.peek().text == "(":
                return self.kind_body(tok, tuple(annotations), start)
            after = lx.peek()
            if after.text == "(":
                if tok.text != "replicate":
                    self.skip_unknown(
                        start,
                        f"unknown definition kind '{tok.text}': skipped "
                        "(the analyzer knows inst, op, macro, family, pseudo, label)",
                    )
                    return None
                annotations.append(self.replicate(tok))
                continue
            if tok.text not in KNOWN_ANNOTATIONS:
                self.warn(f"unknown annotation '{tok.text}' (kept, not interpreted)", tok.offset)
            annotations.append(tok.text)

    def fast_definition(self, start: int) -> Definition | None:
        """A plain ``inst``/``op``/``macro`` read by regular expressions (see `_FAST_HEADER_RE`).

        Returns ``None``, having changed nothing, for anything the token parser must read.
        """
        lx = self.lx
        text = lx.text
        header = _FAST_HEADER_RE.match(text, start, lx.end)
        if header is None:
            return None
        ann, kind, name, effect_text, macro_name = header.group("ann", "kind", "name", "effect", "macro")
        annotations: tuple[str, ...] = ()
        if ann:
            found_annotations = _fast_annotations(ann)
            if found_annotations is None:
                return None  # the token parser warns about the unknown word
            annotations = found_annotations
        if kind is None:
            if macro_name is not None:
                return self.fast_macro(macro_name, annotations, start, header)
            return self.fast_other(annotations, start, header)
        if effect_text is None:
            stack = self._no_stack
        else:
            found = self.fast_stack(effect_text)
            if found is None:
                return None
            stack = found
        brace = header.end() - 1
        close = find_body_end(lx, brace)
        lx.pos = close
        line = self.line_of(start)
        body_line = self.line_of(brace)
        end_line = self.line_of(close - 1)
        body = text[brace + 1 : close - 1]
        return InstDef(kind, name, annotations, stack, body, self.file, line, end_line, body_line, strip_comments(body))

    def fast_stack(self, effect_text: str) -> StackEffect | None:
        """`_fast_stack_effect` of a text, made once per file."""
        if effect_text in self._stacks:
            return self._stacks[effect_text]
        found = self._stacks[effect_text] = _fast_stack_effect(effect_text, self._stack_pieces)
        return found

    def fast_macro(self, name: str, annotations: tuple[str, ...], start: int, header: re.Match[str]) -> Macro | None:
        """The ``macro`` that `_FAST_HEADER_RE` matched, or ``None`` if its parts are not plain."""
        text, offset = header.group("parts"), header.start("parts")
        parts: list[MacroPart] = []
        first_line = self.line_of(start)
        line = line_start = 0
        at, sep = 0, "+"
        while sep == "+":
            m = _FAST_PART_RE.match(text, at)
            if m is None:
                return None
            part, negative, size, sep = m.groups()
            part_offset = offset + at
            part_line = self.line_of(part_offset)
            if part_line != line:
                line, line_start = part_line, self.source.text.rfind("\n", 0, part_offset) + 1
            column = part_offset - line_start + 1
            if size is not None:
                parts.append(MacroPart("cache", part, line, column, -int(size) if negative else int(size)))
            elif part == "flush":
                parts.append(MacroPart("flush", part, line, column))
            else:
                parts.append(MacroPart("uop", part, line, column))
            at = m.end()
        if at != len(text):
            return None
        end = header.end()
        self.lx.pos = end
        return Macro(name, tuple(parts), self.file, first_line, self.line_of(end - 1), annotations)

    def fast_other(self, annotations: tuple[str, ...], start: int, header: re.Match[str]) -> Definition | None:
        """The ``family``, ``pseudo`` or ``label`` that `_FAST_HEADER_RE` matched (annotations
        are kept by a label only, as in the token parser), or ``None`` for the token parser."""
        line = self.line_of(start)
        end = header.end()
        family, pseudo, label = header.group("family", "pseudo", "label")
        if label is not None:
            brace = end - 1
            close = find_body_end(self.lx, brace)
            self.lx.pos = close
            return Label(
                label,
                annotations,
                self.lx.text[brace + 1 : close - 1],
                self.file,
                line,
                self.line_of(close - 1),
            )
        if family is not None:
            size = header["size"]
            members, lines = self.fast_names(header, "members")
            self.lx.pos = end
            return Family(
                family,
                " ".join(size.split()) if size is not None else None,
                members,
                self.file,
                line,
                self.line_of(header.end("members")),
                lines,
            )
        assert pseudo is not None
        effect_text, flags_text, sequence = header.group("pseudo_effect", "flags", "sequence")
        stack = None
        if effect_text is not None:
            stack = self.fast_stack(effect_text)
            if stack is None:
                return None
        flags: tuple[str, ...] = ()
        if flags_text is not None:
            flags = tuple(f.strip() for f in " ".join(flags_text.split()).split(",") if f.strip())
        group = "targets" if sequence is None else "sequence"
        targets, lines = self.fast_names(header, group)
        self.lx.pos = end
        return Pseudo(
            pseudo,
            stack,
            flags,
            targets,
            sequence is not None,
            self.file,
            line,
            self.line_of(header.end(group)),
            lines,
        )

    def fast_names(self, header: re.Match[str], group: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
        """The names of a `_NAME_LIST` that `_FAST_HEADER_RE` matched as ``group``, and their lines."""
        text, offset = header.group(group), header.start(group)
        names: list[str] = []
        lines: list[int] = []
        at = 0
        while (m := _LIST_ITEM_RE.match(text, at)) is not None:
            names.append(m.group(1))
            lines.append(self.line_of(offset + m.start(1)))
            at = m.end()
        return tuple(names), tuple(lines)

    def replicate(self, tok: Token) -> str:
        # replicate: 'replicate' '(' NUMBER [':' NUMBER] ')'
        lx = self.lx
        lx.expect("(", "'(' after replicate")
        first = lx.next()
        if first.kind != NUMBER:
            raise lx.error(f"expected a count in replicate(N), found {describe(first)}", first.offset)
        text = first.text
        if lx.accept(":"):
            second = lx.next()
            if second.kind != NUMBER:
                raise lx.error(
                    f"expected a number after ':' in replicate(a:b), found {describe(second)}", second.offset
                )
            text += ":" + second.text
        lx.expect(")", "')' to close replicate(...)")
        return f"replicate({text})"

    def skip_unknown(self, start: int, message: str) -> None:
        """Warn and skip a construct: to after a ';' or a balanced '{...}' at depth 0."""
        lx = self.lx
        self.warn(message, start)
        lx.pos = start
        depth = 0
        while True:
            tok = lx.next()
            if tok.kind == EOF:
                return
            if tok.kind == STRING:
                continue
            if tok.text in "([":
                depth += 1
            elif tok.text in ")]":
                depth -= 1
            elif tok.text == "{" and depth == 0:
                lx.pos = find_body_end(lx, tok.offset)
                lx.accept(";")
                return
            elif tok.text == ";" and depth <= 0:
                return

    def kind_body(self, kw: Token, annotations: tuple[str, ...], start: int) -> Definition:
        line = self.source.line_of(start)
        if kw.text in ("inst", "op"):
            return self.inst_def(kw.text, annotations, line)
        if kw.text == "macro":
            return self.macro(annotations, line)
        if kw.text == "family":
            return self.family(line)
        if kw.text == "pseudo":
            return self.pseudo(line)
        return self.label(annotations, line)

    # -- definitions ---------------------------------------------------------------

    def body(self) -> tuple[str, int, int]:
        """Read ``{ ... }``; return (inner text, line of '{', line of '}')."""
        lx = self.lx
        brace = lx.expect("{", "'{' to open the body")
        end = find_body_end(lx, brace.offset)
        lx.pos = end
        return lx.text[brace.offset + 1 : end - 1], self.source.line_of(brace.offset), self.source.line_of(end - 1)

    def inst_def(self, kind: str, annotations: tuple[str, ...], line: int) -> InstDef:
        # inst_def: ('inst' | 'op') '(' NAME [',' stack_effect] ')' '{' body '}'
        lx = self.lx
        lx.expect("(", f"'(' after {kind}")
        name = lx.expect_name(f"the {'instruction' if kind == 'inst' else 'uop'} name").text
        stack = self._no_stack
        if lx.accept(","):
            stack = self.stack_effect()
        lx.expect(")", f"')' to close the {kind}({name}, ...) header")
        body, body_line, end_line = self.body()
        return InstDef(kind, name, annotations, stack, body, self.file, line, end_line, body_line, strip_comments(body))

    def stack_effect(self) -> StackEffect:
        # stack_effect: '(' [input (',' input)*] '--' [output (',' output)*] ')'
        lx = self.lx
        open_tok = lx.expect("(", "'(' to open the stack effect")
        inputs: list[StackItem] = []
        caches: list[CacheEntry] = []
        outputs: list[StackItem] = []
        if not lx.accept("--"):
            while True:
                item = self.stack_item(allow_cache=True)
                if isinstance(item, CacheEntry):
                    caches.append(item)
                else:
                    inputs.append(item)
                if lx.accept(","):
                    continue
                tok = lx.next()
                if tok.text == "--":
                    break
                raise lx.error(
                    f"expected ',' or '--' in stack effect, found {describe(tok)}"
                    + (" (a stack effect reads '(inputs -- outputs)')" if tok.text == ")" else ""),
                    tok.offset,
                )
        if not lx.accept(")"):
            while True:
                item = self.stack_item(allow_cache=False)
                assert isinstance(item, StackItem)
                outputs.append(item)
                if lx.accept(","):
                    continue
                tok = lx.next()
                if tok.text == ")":
                    break
                raise lx.error(
                    f"expected ',' or ')' after output '{item.name}' in stack effect "
                    f"opened at column {self.source.position(open_tok.offset)[1]}, "
                    f"found {describe(tok)}",
                    tok.offset,
                )
        return StackEffect(tuple(inputs), tuple(outputs), tuple(caches))

    def stack_item(self, *, allow_cache: bool) -> StackItem | CacheEntry:
        # input: NAME '/' NUMBER            (cache entry, inputs only)
        #      | NAME [':' type] ['[' expr ']'] ['if' '(' expr ')']
        lx = self.lx
        name = lx.expect_name("a stack item name")
        if lx.accept("/"):
            size = lx.next()
            if size.kind != NUMBER:
                raise lx.error(f"expected the size of cache entry '{name.text}/N', found {describe(size)}", size.offset)
            if not allow_cache:
                raise lx.error(f"cache entry '{name.text}/{size.text}' is only allowed among the inputs", name.offset)
            return CacheEntry(name.text, int(size.text, 0))
        type_text = None
        if lx.accept(":"):
            tname = lx.expect_name(f"a type after '{name.text}:'")
            type_text = tname.text
            while lx.accept("*"):
                type_text += "*"
        size_text = None
        if (bracket := lx.accept("[")) is not None:
            size_text = self.balanced_text(bracket, "]")
        cond = None
        if lx.peek().text == "if":
            lx.next()
            paren = lx.expect("(", "'(' after 'if' in a conditional stack item")
            cond = self.balanced_text(paren, ")")
        return StackItem(name.text, size_text, cond, type_text)

    def balanced_text(self, open_tok: Token, close: str) -> str:
        """Source text up to the bracket matching ``open_tok``; the lexer moves past it."""
        lx = self.lx
        depth = 1
        while True:
            tok = lx.next()
            if tok.kind == EOF:
                raise lx.error(f"'{open_tok.text}' is never closed by '{close}'", open_tok.offset)
            if tok.kind == STRING:
                continue
            if tok.text in "([{":
                depth += 1
            elif tok.text in ")]}":
                depth -= 1
                if depth == 0:
                    if tok.text != close:
                        raise lx.error(
                            f"expected '{close}' to close '{open_tok.text}', found {describe(tok)}", tok.offset
                        )
                    return " ".join(lx.text[open_tok.offset + 1 : tok.offset].split())

    def macro(self, annotations: tuple[str, ...], line: int) -> Macro:
        # macro: 'macro' '(' NAME ')' '=' part ('+' part)* ';'
        # part: NAME | NAME '/' ['-'] NUMBER | 'flush'
        lx = self.lx
        lx.expect("(", "'(' after macro")
        name = lx.expect_name("the macro name").text
        lx.expect(")", f"')' after macro({name}")
        lx.expect("=", f"'=' after macro({name})")
        parts: list[MacroPart] = []
        while True:
            tok = lx.expect_name(f"a uop name or cache entry in macro({name})")
            pline, pcol = self.source.position(tok.offset)
            if lx.accept("/"):
                neg = lx.accept("-") is not None
                size = lx.next()
                if size.kind != NUMBER:
                    raise lx.error(
                        f"expected the size of cache entry '{tok.text}/N' in macro({name}), found {describe(size)}",
                        size.offset,
                    )
                value = -int(size.text, 0) if neg else int(size.text, 0)
                parts.append(MacroPart("cache", tok.text, pline, pcol, value))
            elif tok.text == "flush":
                parts.append(MacroPart("flush", tok.text, pline, pcol))
            else:
                parts.append(MacroPart("uop", tok.text, pline, pcol))
            nxt = lx.next()
            if nxt.text == "+":
                continue
            if nxt.text == ";":
                break
            raise lx.error(
                f"expected '+' or ';' after '{tok.text}' in macro({name}), found {describe(nxt)}", nxt.offset
            )
        return Macro(name, tuple(parts), self.file, line, self.source.line_of(nxt.offset), annotations)

    def name_list(self, close: str, what: str) -> tuple[list[str], list[int], int]:
        """``NAME (',' NAME)* [',']`` up to ``close``; return names, their lines, end offset."""
        lx = self.lx
        names: list[str] = []
        lines: list[int] = []
        while True:
            tok = lx.next()
            if tok.text == close and tok.kind != STRING:
                return names, lines, tok.offset
            if tok.kind != IDENT:
                raise lx.error(f"expected {what} or '{close}', found {describe(tok)}", tok.offset)
            names.append(tok.text)
            lines.append(self.source.line_of(tok.offset))
            sep = lx.next()
            if sep.text == close:
                return names, lines, sep.offset
            if sep.text != ",":
                raise lx.error(f"expected ',' or '{close}' after '{tok.text}', found {describe(sep)}", sep.offset)

    def family(self, line: int) -> Family:
        # family: 'family' '(' NAME [',' expr] ')' '=' '{' NAME (',' NAME)* [','] '}' ';'
        lx = self.lx
        paren = lx.expect("(", "'(' after family")
        name = lx.expect_name("the family name").text
        size = None
        if lx.accept(","):
            start = lx.skip_space()
            depth = 0
            while True:
                tok = lx.next()
                if tok.kind == EOF:
                    raise lx.error("family header is never closed by ')'", paren.offset)
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    if depth == 0:
                        size = " ".join(lx.text[start : tok.offset].split())
                        break
                    depth -= 1
        else:
            lx.expect(")", f"')' after family({name}")
        lx.expect("=", f"'=' after family({name}, ...)")
        lx.expect("{", f"'{{' to open the member list of family({name})")
        members, lines, close = self.name_list("}", "a specialization name")
        lx.expect(";", f"';' after the member list of family({name})")
        return Family(name, size, tuple(members), self.file, line, self.source.line_of(close), tuple(lines))

    def pseudo(self, line: int) -> Pseudo:
        # pseudo: 'pseudo' '(' NAME [',' (stack_effect | flags)] [',' flags] ')'
        #         '=' ('{' NAME (',' NAME)* [','] '}' | '[' NAME (',' NAME)* ']') ';'
        # flags: '(' NAME (',' NAME)* ')'
        lx = self.lx
        lx.expect("(", "'(' after pseudo")
        name = lx.expect_name("the pseudo-instruction name").text
        stack = None
        flags: tuple[str, ...] = ()
        while lx.accept(","):
            if self.group_has_dashes():
                if stack is not None:
                    raise lx.error(f"pseudo({name}) has two stack effects", lx.skip_space())
                stack = self.stack_effect()
            else:
                open_tok = lx.expect("(", f"'(' to open the flags of pseudo({name})")
                flags = tuple(f.strip() for f in self.balanced_text(open_tok, ")").split(",") if f.strip())
        lx.expect(")", f"')' to close the pseudo({name}, ...) header")
        lx.expect("=", f"'=' after pseudo({name}, ...)")
        tok = lx.next()
        if tok.text not in ("{", "["):
            raise lx.error(
                f"expected '{{' or '[' to open the targets of pseudo({name}), found {describe(tok)}", tok.offset
            )
        close = "}" if tok.text == "{" else "]"
        targets, lines, end = self.name_list(close, "a target instruction name")
        lx.expect(";", f"';' after the targets of pseudo({name})")
        return Pseudo(
            name, stack, flags, tuple(targets), close == "]", self.file, line, self.source.line_of(end), tuple(lines)
        )

    def group_has_dashes(self) -> bool:
        """Whether the parenthesized group ahead contains '--' (a stack effect, not flags)."""
        lx = self.lx
        saved = lx.pos
        try:
            tok = lx.next()
            if tok.text != "(":
                return False
            depth = 1
            while depth:
                tok = lx.next()
                if tok.kind == EOF:
                    return False
                if tok.text == "(":
                    depth += 1
                elif tok.text == ")":
                    depth -= 1
                elif tok.text == "--" and depth == 1:
                    return True
            return False
        finally:
            lx.pos = saved

    def label(self, annotations: tuple[str, ...], line: int) -> Label:
        # label: ['spilled'] 'label' '(' NAME ')' '{' body '}'
        lx = self.lx
        lx.expect("(", "'(' after label")
        name = lx.expect_name("the label name").text
        lx.expect(")", f"')' after label({name}")
        body, _, end_line = self.body()
        return Label(name, annotations, body, self.file, line, end_line)
