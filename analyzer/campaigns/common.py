"""Helpers shared by campaigns: evidence lines, escaping calls and the difficulty score."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Evidence, make_evidence
from analyzer.campaigns.memo import per_analysis
from analyzer.cbody import Body, body_of, is_escaping_call
from analyzer.model import InstDef

__all__ = [
    "body_lines",
    "definition_evidence",
    "definition_evidences",
    "difficulty_of",
    "escaping_calls",
    "family_name",
]

#: Calls that cannot run arbitrary code: DSL macros, stack-ref and refcount-free helpers,
#: type checks. An approximation of the non-escaping list in
#: Tools/cases_generator/analyzer.py; used only to score difficulty.
NON_ESCAPING_PREFIXES = (
    "PyStackRef_",
    "_PyStackRef_",
    "Py_Is",
    "Py_SIZE",
    "Py_TYPE",
    "Py_INCREF",
    "Py_XINCREF",
    "Py_NewRef",
    "_Py_NewRef",
    "Py_REFCNT",
    "_Py_IsImmortal",
    "_Py_ID",
    "PyTuple_GET",
    "PyList_GET",
    "_PyList_ITEMS",
    "_PyTuple_ITEMS",
    "PyLong_Check",
    "PyFloat_Check",
    "PyUnicode_Check",
    "PyTuple_Check",
    "PyList_Check",
    "PyDict_Check",
    "PySlice_Check",
    "PyType_Check",
    "PyFunction_Check",
    "PyCFunction_Check",
    "PyMethod_Check",
    "PyBool_Check",
    "PyLong_CheckExact",
    "PyFloat_CheckExact",
    "PyUnicode_CheckExact",
    "PyTuple_CheckExact",
    "PyList_CheckExact",
    "PyDict_CheckExact",
    "PyFloat_AS_DOUBLE",
    "_PyLong_Is",
    "_PyLong_Both",
    "_PyLong_IsCompact",
    "_PyLong_CompactValue",
    "_PyFrame_",
    "_Py_EnterRecursive",
    "_Py_LeaveRecursive",
    "FT_ATOMIC_",
    "_Py_atomic_",
    "PyCell_GET",
    "PyType_HasFeature",
    "_PyObject_InlineValues",
    "_PyObject_GetManagedDict",
    "_PyDictOrValues",
    "DK_",
    "PyTuple_GET_SIZE",
    "PyList_GET_SIZE",
    "GETLOCAL",
    "SETLOCAL",
    "PyStackRef",
    "Py_Unreachable",
    "Py_UNREACHABLE",
    "_Py_CODEUNIT",
    "JUMPBY",
    "SKIP_OVER",
    "STAT_INC",
    "UPDATE_MISS_STATS",
    "OPCODE_DEOPT",
    "CURRENT_",
    "TIER",
    "LOCK_",
    "UNLOCK_",
    "_PyCode_CODE",
    "_PyInterpreterFrame",
    "frame_",
    "INSTR_",
    "GOTO_",
    "LLTRACE",
    "OPT_STAT",
    "RECORD_",
    "PyLong_FromLong",
    "_PyLong_FromMedium",
)

#: DSL macros and C keywords that look like calls.
DSL_WORDS = frozenset(
    {
        "if",
        "for",
        "while",
        "switch",
        "return",
        "sizeof",
        "assert",
        "DEOPT_IF",
        "EXIT_IF",
        "ERROR_IF",
        "ERROR_NO_POP",
        "DEAD",
        "INPUTS_DEAD",
        "DECREF_INPUTS",
        "SYNC_SP",
        "SAVE_STACK",
        "RELOAD_STACK",
        "DISPATCH",
        "DISPATCH_INLINED",
        "DISPATCH_GOTO",
        "AT_END_EXIT_IF",
        "HANDLE_PENDING_AND_DEOPT_IF",
        "GO_TO_INSTRUCTION",
        "CHECK_EVAL_BREAKER",
        "LOAD_IP",
        "LOAD_SP",
        "JUMP_TO_LABEL",
        "JUMP_TO_PREDICTED",
        "CALL_STAT_INC",
        "DEOPT_IF_NOT",
        "TIER1_TO_TIER2",
        "defined",
        "Py_UNUSED",
        "likely",
        "unlikely",
        "PREDICTED",
        "ADD_OP",
        "REPLACE_OP",
    }
)


def escaping_calls(uop: InstDef) -> tuple[str, ...]:
    """Names of calls in ``uop``'s body that may run arbitrary Python code, sorted and unique.

    A decref escapes too (it may run a destructor). Approximate; see NON_ESCAPING_PREFIXES.
    Read from the body's tokens (`analyzer.cbody`), so comments and strings never count.
    """
    return _escaping(body_of(uop))


def _escaping(body: Body) -> tuple[str, ...]:
    return tuple(sorted([name for name in body.call_names if _escapes(name)]))


@lru_cache(maxsize=4096)
def _escapes(name: str) -> bool:
    """`analyzer.cbody.is_escaping_call` with `NON_ESCAPING_PREFIXES` and `DSL_WORDS`: judged
    once per name (a few hundred) rather than once per call of every body, as the hundred
    prefixes make each judgement slow."""
    return is_escaping_call(name, NON_ESCAPING_PREFIXES, DSL_WORDS)


def body_lines(uop: InstDef) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` for each line of the body, comments blanked out."""
    for i, text in enumerate(uop.code.split("\n")):
        yield uop.body_line + i, text


def definition_evidence(uop: InstDef) -> Evidence:
    """The header line: the definition's name and stack effect."""
    words = " ".join(uop.annotations)
    header = f"{words + ' ' if words else ''}{uop.kind}({uop.name}, {uop.stack})"
    return make_evidence(uop.file, uop.line, header, "definition and stack effect")


def definition_evidences(analysis: Analysis) -> dict[InstDef, Evidence]:
    """`definition_evidence` of every ``inst`` and ``op`` of bytecodes.c, made once per analysis:
    the refcount and optimizer campaigns both cite every header."""
    return per_analysis(
        analysis,
        "definition-evidence",
        lambda: {uop: definition_evidence(uop) for uop in (*analysis.insts.values(), *analysis.ops.values())},
    )


def family_name(analysis: Analysis, instructions: tuple[str, ...] | list[str]) -> str | None:
    """The family of the first instruction that belongs to one, else ``None``."""
    for name in instructions:
        fam = analysis.family_of(name)
        if fam is not None:
            return fam.name
    return None


#: Score limits: at most EASY_MAX is easy, at most MEDIUM_MAX is medium, above is hard.
EASY_MAX = 1
MEDIUM_MAX = 3
#: Body length (lines) above which a uop is long, and very long.
LONG_BODY = 25
VERY_LONG_BODY = 60


def difficulty_of(
    analysis: Analysis, uop: InstDef, *, own: Sequence[tuple[int, str]] = ()
) -> tuple[str, tuple[str, ...]]:
    """``(difficulty, reasons)`` from the code: inputs, arrays, escaping calls, users, length.

    Each reason names a fact a person can check in the definition. Scoring: +1 per input
    beyond the first (at most 2), +3 for an array input, +1 for escaping calls, +1 when
    more than one macro uses the uop, +1 for preprocessor conditionals in the body, +1/+2
    for a body over 25/60 lines; then each ``(score, reason)`` of ``own``, the campaign's
    own facts (the refcount campaign adds +1 when an optimizer case must change too).
    """
    (score, reasons), (later, after) = _code_difficulty(uop)
    score += later
    users = analysis.macro_names_using(uop.name)
    if len(users) > 1:
        score += 1
        shown = ", ".join(users[:5]) + (", ..." if len(users) > 5 else "")
        reasons += (f"used by {len(users)} macros: {shown}",)
    reasons += after
    for points, reason in own:
        score += points
        reasons += (reason,)
    level = "easy" if score <= EASY_MAX else "medium" if score <= MEDIUM_MAX else "hard"
    return level, reasons


@lru_cache(maxsize=4096)
def _code_difficulty(uop: InstDef) -> tuple[tuple[int, tuple[str, ...]], tuple[int, tuple[str, ...]]]:
    """The facts of `difficulty_of` that depend on the definition alone, as ``(score, reasons)``
    before and after the macro-users fact: computed once per definition for every campaign."""
    score = 0
    reasons: list[str] = []
    stack = uop.stack
    peeks = stack.peeks()
    named = stack.named_inputs()
    inputs = [i for i in named if i.name not in peeks] if peeks else named
    if inputs:
        extra = min(len(inputs) - 1, 2)
        score += extra
        reasons.append(
            f"{len(inputs)} stack input{'s' if len(inputs) != 1 else ''} to handle: "
            + ", ".join(f"`{i}`" for i in inputs)
        )
    else:
        reasons.append("no stack inputs consumed")
    arrays = [i for i in named if i.is_array]
    if arrays:
        score += 3
        reasons.append("array input " + ", ".join(f"`{i}`" for i in arrays) + ": every element must be handled")
    body = body_of(uop)
    calls = _escaping(body)
    if calls:
        score += 1
        shown = ", ".join(f"`{c}`" for c in calls[:4]) + (", ..." if len(calls) > 4 else "")
        reasons.append(f"escaping call{'s' if len(calls) > 1 else ''}: {shown}")
    before = (score, tuple(reasons))
    score = 0
    reasons = []
    if body.has_preprocessor_conditionals:
        score += 1
        reasons.append("body has preprocessor conditionals (#if/#ifdef): change every arm")
    length = uop.end_line - uop.line + 1
    if length > VERY_LONG_BODY:
        score += 2
        reasons.append(f"long definition: {length} lines")
    elif length > LONG_BODY:
        score += 1
        reasons.append(f"definition of {length} lines")
    return before, (score, tuple(reasons))
