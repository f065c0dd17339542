"""The libcst walk behind `analyzer.testopt.scan_test_opt`, kept apart so libcst loads only when used."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

import libcst as cst
import libcst.matchers as m
from libcst.metadata import MetadataWrapper, PositionProvider

from analyzer.errors import SourceError
from analyzer.testopt import NAME_PATTERN, TestCase, UopAssertion

__all__ = ["collect"]

#: test.support.script_helper functions that run their string arguments as ``python -c``.
_SCRIPT_RUNNERS = frozenset({"assert_python_ok", "assert_python_failure", "run_python_until_end", "spawn_python"})
#: subprocess functions that may receive a ``-c`` script.
_SUBPROCESS_CALLS = frozenset({"run", "Popen", "call", "check_call", "check_output"})

_TEST_PREFIX = "test_"
_TEST_BASE_SUFFIX = "TestCase"
_ERROR_AT = re.compile(r"^(?:parser error: )?error at (?P<line>\d+):(?P<column>\d+): ")
_TOKENIZER_ERROR = "tokenizer error: "
_QUOTED_NAME = re.compile(r"""(?P<quote>["'])(?P<name>_[A-Z][A-Z0-9_]*)(?P=quote)""")
#: Stands in for ``{expression}`` parts when an f-string script is parsed.
_FSTRING_PLACEHOLDER = "_"

_StringNode: TypeAlias = cst.SimpleString | cst.ConcatenatedString | cst.FormattedString
_STOP = (
    cst.BaseSmallStatement,
    cst.BaseCompoundStatement,
    cst.SimpleStatementLine,
    cst.Decorator,
    cst.Param,
    cst.Module,
)


def collect(text: str, path: str, known: frozenset[str] | None) -> tuple[list[TestCase], list[UopAssertion]]:
    """Test methods and uop uses of test_opt.py ``text`` (see `analyzer.testopt.scan_test_opt`).

    Raises `SourceError` naming ``path`` when libcst cannot parse the text.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    module = _parse(text, lines, path)
    collector = _Collector(lines, known)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(collector)
    return collector.tests, collector.assertions


def _line_text(lines: list[str], line: int) -> str:
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def _parse(text: str, lines: list[str], path: str) -> cst.Module:
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        detail = exc.message
        at = _ERROR_AT.match(detail)
        position: tuple[int, int] | None
        if at:
            position = int(at["line"]), int(at["column"])
            detail = detail[at.end() :]
        elif detail.startswith(_TOKENIZER_ERROR):
            # libcst's tokenizer reports every error at 1:0; find the real place.
            position = _tokenizer_error_position(text, path)
        else:
            position = exc.raw_line, exc.raw_column + 1
        expected = "expected CPython's Lib/test/test_capi/test_opt.py"
        if position is None:
            message = f"not Python that libcst can parse ({detail}); {expected}"
        else:
            line, column = position
            shown = _line_text(lines, line).expandtabs(8)
            caret = " " * (max(column, 1) - 1) + "^"
            message = (
                f"line {line}, column {column}: not Python that libcst can parse ({detail}); "
                f"{expected}\n    {shown}\n    {caret}"
            )
        raise SourceError(message, path=path) from None


def _tokenizer_error_position(text: str, path: str) -> tuple[int, int] | None:
    """1-based ``(line, column)`` of a tokenizer error, from CPython's own compiler."""
    nul = text.find("\0")
    if nul != -1:
        line = text.count("\n", 0, nul) + 1
        return line, nul - (text.rfind("\n", 0, nul) + 1) + 1
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        if exc.lineno:
            return exc.lineno, exc.offset or 1
    return None


def _is_uop(value: object, known: frozenset[str] | None) -> bool:
    return isinstance(value, str) and NAME_PATTERN.fullmatch(value) is not None and (known is None or value in known)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = _dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def _callee(call: cst.Call) -> str:
    """The last name of the called function: ``assertIn`` for ``self.assertIn(...)``."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _runs_script(call: cst.Call) -> bool:
    name = _callee(call)
    if name in _SCRIPT_RUNNERS:
        return True
    return name in _SUBPROCESS_CALLS and _dotted(call.func) == f"subprocess.{name}"


def _mentions_pairwise(node: cst.CSTNode) -> bool:
    return bool(m.findall(node, m.Name("pairwise")))


class _StringFinder(cst.CSTVisitor):
    """Outermost string literals and the variable names read in an expression."""

    def __init__(self) -> None:
        self.strings: list[_StringNode] = []
        self.names: list[str] = []

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        self.strings.append(node)
        return False

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        self.strings.append(node)
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        self.strings.append(node)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.names.append(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


class _ScriptCalls(cst.CSTVisitor):
    """Arguments of subprocess-running calls and plain ``name = value`` assignments."""

    def __init__(self) -> None:
        self.arguments: list[cst.BaseExpression] = []
        self.assigned: dict[str, list[cst.BaseExpression]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if _runs_script(node):
            self.arguments.extend(arg.value for arg in node.args)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.assigned.setdefault(target.target.value, []).append(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self.assigned.setdefault(node.target.value, []).append(node.value)


def _script_strings(function: cst.FunctionDef) -> list[_StringNode]:
    """String literals in ``function`` that end up as subprocess script text.

    Follows local variables back through assignments, so ``template = "..."`` then
    ``assert_python_ok("-c", template.format(...))`` marks the template.
    """
    calls = _ScriptCalls()
    function.body.visit(calls)
    pending = list(calls.arguments)
    seen: set[str] = set()
    strings: list[_StringNode] = []
    while pending:
        finder = _StringFinder()
        pending.pop().visit(finder)
        strings.extend(finder.strings)
        for name in finder.names:
            if name not in seen:
                seen.add(name)
                pending.extend(calls.assigned.get(name, ()))
    return strings


def _script_text(node: _StringNode) -> str | None:
    """The script a string literal holds; f-string expressions become a placeholder name."""
    if isinstance(node, cst.FormattedString):
        parts: list[str] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            else:
                parts.append(_FSTRING_PLACEHOLDER)
        return "".join(parts)
    value = node.evaluated_value
    return value if isinstance(value, str) else None


class _ScriptLiterals(cst.CSTVisitor):
    """Uop-name literals in a parsed script, with their 1-based line in the script."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, known: frozenset[str] | None) -> None:
        super().__init__()
        self.known = known
        self.found: list[tuple[str, int]] = []

    def _record(self, node: cst.SimpleString | cst.ConcatenatedString) -> bool:
        value = node.evaluated_value
        if isinstance(value, str) and _is_uop(value, self.known):
            self.found.append((value, self.get_metadata(PositionProvider, node).start.line))
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        return self._record(node)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        return self._record(node)


def _names_in_script(script: str, known: frozenset[str] | None) -> list[tuple[str, int]]:
    """``(uop, line in script)`` for each uop-name literal; a regex when libcst cannot parse."""
    code = textwrap.dedent(script)
    try:
        module = cst.parse_module(code)
    except cst.ParserSyntaxError:
        return [
            (match["name"], code.count("\n", 0, match.start()) + 1)
            for match in _QUOTED_NAME.finditer(code)
            if _is_uop(match["name"], known)
        ]
    finder = _ScriptLiterals(known)
    MetadataWrapper(module, unsafe_skip_copy=True).visit(finder)
    return finder.found


@dataclass
class _OpenTest:
    node: cst.FunctionDef
    test_class: str
    line: int
    end_line: int
    scripts: set[int]
    uops: set[str]


class _Collector(cst.CSTVisitor):
    """Walks the module once: test methods, their uop literals and each literal's form."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, lines: list[str], known: frozenset[str] | None) -> None:
        super().__init__()
        self.lines = lines
        self.known = known
        self.tests: list[TestCase] = []
        self.assertions: list[UopAssertion] = []
        # The nodes from the module down to the one being visited; cheaper than
        # libcst's ParentNodeProvider, and forms only ever look at ancestors.
        self._path: list[cst.CSTNode] = []
        self._test_classes: set[str] = set()
        self._classes: list[tuple[str, bool]] = []
        self._function_depth = 0
        self._open: _OpenTest | None = None

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._path.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self._path.pop()

    # -- scopes ---------------------------------------------------------------------------

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = (_dotted(arg.value) for arg in node.bases)
        is_test = self._function_depth == 0 and any(
            base.rsplit(".", 1)[-1].endswith(_TEST_BASE_SUFFIX) or base in self._test_classes for base in bases
        )
        if is_test:
            self._test_classes.add(node.name.value)
        self._classes.append((node.name.value, is_test))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_test_class = self._function_depth == 0 and bool(self._classes) and self._classes[-1][1]
        if in_test_class and node.name.value.startswith(_TEST_PREFIX):
            self._open = _OpenTest(
                node=node,
                test_class=self._classes[-1][0],
                line=self.get_metadata(PositionProvider, node.name).start.line,
                end_line=self.get_metadata(PositionProvider, node).end.line,
                scripts={id(string) for string in _script_strings(node)},
                uops=set(),
            )
        self._function_depth += 1

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._function_depth -= 1
        test = self._open
        if test is not None and test.node is original_node:
            self.tests.append(
                TestCase(
                    test_class=test.test_class,
                    test_name=original_node.name.value,
                    line=test.line,
                    end_line=test.end_line,
                    uops=tuple(sorted(test.uops)),
                )
            )
            self._open = None

    # -- string literals ------------------------------------------------------------------

    def visit_SimpleString(self, node: cst.SimpleString) -> bool:
        self._string(node)
        return False

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> bool:
        self._string(node)
        return False

    def visit_FormattedString(self, node: cst.FormattedString) -> bool:
        if self._open is not None and id(node) in self._open.scripts:
            self._script(node)
            return False
        return True

    def _string(self, node: cst.SimpleString | cst.ConcatenatedString) -> None:
        if self._open is None:
            return
        if id(node) in self._open.scripts:
            self._script(node)
            return
        value = node.evaluated_value
        if isinstance(value, str) and _is_uop(value, self.known):
            line = self.get_metadata(PositionProvider, node).start.line
            self._record(value, line, self._form_of(node))

    def _script(self, node: _StringNode) -> None:
        script = _script_text(node)
        if script is None:
            return
        position = self.get_metadata(PositionProvider, node)
        start, end = position.start.line, position.end.line
        for name, script_line in _names_in_script(script, self.known):
            line = self._line_holding(name, start + script_line - 1, start, end)
            self._record(name, line, "subprocess")

    def _line_holding(self, name: str, guess: int, start: int, end: int) -> int:
        """``guess`` if that line shows ``name``, else the first line of the string that does.

        The guess is wrong only when escapes (a backslash-newline) or implicit
        concatenation change the line count between the source and the script value.
        """
        word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
        if start <= guess <= end and word.search(_line_text(self.lines, guess)):
            return guess
        for line in range(start, end + 1):
            if word.search(_line_text(self.lines, line)):
                return line
        return start

    def _record(self, uop: str, line: int, form: str) -> None:
        test = self._open
        assert test is not None
        test.uops.add(uop)
        self.assertions.append(
            UopAssertion(
                uop=uop,
                test_class=test.test_class,
                test_name=test.node.name.value,
                line=line,
                form=form,
            )
        )

    # -- forms ----------------------------------------------------------------------------

    def _depth(self, node: cst.CSTNode) -> int:
        """Where ``node``, an ancestor of the node being visited, sits in ``_path``."""
        for depth in range(len(self._path) - 1, -1, -1):
            if self._path[depth] is node:
                return depth
        raise LookupError("not an ancestor of the visited node")

    def _parent(self, node: cst.CSTNode) -> cst.CSTNode:
        return self._path[self._depth(node) - 1]

    def _ancestors(self, node: cst.CSTNode) -> Iterable[tuple[cst.CSTNode, cst.CSTNode]]:
        """``(child, parent)`` pairs from ``node`` up to and including the enclosing statement."""
        for depth in range(self._depth(node), 0, -1):
            child, parent = self._path[depth], self._path[depth - 1]
            yield child, parent
            if isinstance(parent, _STOP):
                return

    def _form_of(self, literal: cst.CSTNode) -> str:
        """How the innermost meaningful construct around ``literal`` uses the name."""
        for child, parent in self._ancestors(literal):
            if isinstance(parent, _STOP):
                return "other"
            form = self._form_at(child, parent)
            if form is not None:
                return form
        return "other"

    def _form_at(self, child: cst.CSTNode, parent: cst.CSTNode) -> str | None:
        if isinstance(parent, cst.Call) and isinstance(child, cst.Arg):
            return self._call_form(parent, child)
        if isinstance(parent, cst.Tuple):
            return self._tuple_form(parent)
        if isinstance(parent, cst.ComparisonTarget) and child is parent.comparator:
            return self._comparison_form(parent.operator, self._parent(parent), member=False)
        if isinstance(parent, cst.Comparison) and child is parent.left:
            return self._comparison_form(parent.comparisons[0].operator, parent, member=True)
        return None

    @staticmethod
    def _call_form(call: cst.Call, arg: cst.Arg) -> str:
        callee = _callee(call)
        if callee == "count_ops":
            return "count_ops"
        if isinstance(call.func, cst.Attribute) and callee in ("count", "index"):
            return callee
        if callee in ("assertIn", "assertNotIn"):
            return callee if call.args and arg is call.args[0] else "other"
        return "other"

    def _tuple_form(self, pair: cst.Tuple) -> str | None:
        holder = self._parent(pair)
        if isinstance(holder, cst.Arg):
            call = self._parent(holder)
            if (
                isinstance(call, cst.Call)
                and _callee(call) in ("assertIn", "assertNotIn")
                and any(_mentions_pairwise(arg) for arg in call.args if arg is not holder)
            ):
                return "pairwise"
        if (
            isinstance(holder, cst.Comparison)
            and holder.left is pair
            and isinstance(holder.comparisons[0].operator, (cst.In, cst.NotIn))
            and _mentions_pairwise(holder.comparisons[0].comparator)
        ):
            return "pairwise"
        plain = (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)
        if any(not isinstance(element.value, plain) for element in pair.elements):
            return "operand"
        return None

    def _comparison_form(self, operator: cst.BaseCompOp, comparison: cst.CSTNode, *, member: bool) -> str:
        if isinstance(operator, (cst.Equal, cst.NotEqual)):
            in_filter = any(isinstance(p, cst.CompIf) for _, p in self._ancestors(comparison))
            return "count" if in_filter else "other"
        if member and isinstance(operator, (cst.In, cst.NotIn)):
            asserted = self._asserted(comparison)
            if asserted is None:
                return "other"
            return "assertIn" if isinstance(operator, cst.In) == asserted else "assertNotIn"
        return "other"

    def _asserted(self, comparison: cst.CSTNode) -> bool | None:
        """True under ``assert``/``assertTrue``, False under ``assertFalse``, else None."""
        polarity = True
        for child, parent in self._ancestors(comparison):
            if isinstance(parent, cst.UnaryOperation) and isinstance(parent.operator, cst.Not):
                polarity = not polarity
            elif isinstance(parent, cst.Call) and isinstance(child, cst.Arg):
                callee = _callee(parent)
                if callee == "assertTrue":
                    return polarity
                if callee == "assertFalse":
                    return not polarity
                return None
            elif isinstance(parent, cst.Assert):
                return polarity
        return None
