"""Campaign ``refcount``: uops that release references inline (gh-134584).

Source: CPython issue gh-134584, "Eliminate redundant refcounting in the JIT", and the
conversions merged for it between 2025-08 and 2026-06 (docs/DSL-NOTES.md sections 5, 8
and 9). A uop that decrefs inside its own body hides the decref from the tier 2
optimizer. A converted uop instead forwards each reference it consumed through a named
output (``(left, right -- res, l, r)`` with ``l = left; r = right; INPUTS_DEAD();``) and
every macro that uses it releases those outputs with ``POP_TOP``-family uops, which the
optimizer turns into ``_POP_TOP_NOP`` when the reference is borrowed or immortal.

Rules, per ``inst``/``op`` of bytecodes.c:

* ``todo``: the body releases a reference it was handed on its success path:
  ``DECREF_INPUTS()``; ``PyStackRef_CLOSE``/``XCLOSE``/``CLOSE_SPECIALIZED`` of an input,
  of a local copy of an input, or of a value it replaces in a local slot (the old
  ``STORE_FAST``); a consuming helper (``_Py_*_StackRefSteal``, ``*_ConsumeInputs``, or one
  of `CONSUMING_HELPERS` whose name does not say so, such as ``_PyEval_GetIter``, when the
  body then marks the input ``DEAD``); or, before stack refs (3.13 era),
  ``Py_DECREF``/``Py_XDECREF``/``_Py_DECREF_SPECIALIZED`` of an input.
* ``done``: no such release, at least one output carries a consumed input (or a replaced
  local) out of the uop, and the macros using it have ``POP_TOP``-family parts after it
  (or the uop is a ``tier2``-only variant, such as ``_BINARY_OP_ADD_INT_INPLACE``, of a
  converted uop that the optimizer substitutes it for). Two releases do not keep a task
  open, because CPython's maintainers counted such uops converted: a release made only on
  an error path (``if (err) { PyStackRef_CLOSE(dict_st); ERROR_IF(1); }`` in
  ``_STORE_SUBSCR_DICT``, converted in December 2025), and the release of the value the
  result replaces in a kept input's slot when the macros release the kept inputs with
  ``POP_TOP``-family uops (the variadic calls of gh-148171, April 2026); both are listed
  in the evidence as notes.
* ``not_applicable``: everything else (no consumed inputs, ownership moved into an output
  or a new container, and the ``POP_TOP``-family uops themselves, which release by design).

Task identity: a finding is named after the instruction whose work the definition does
(``inst(IS_OP)`` and later ``op(_IS_OP)`` in ``macro(IS_OP)`` are both the ``IS_OP``
task; ``_SWAP_FAST`` in ``STORE_FAST = _SWAP_FAST + POP_TOP`` is ``STORE_FAST``), so a
task keeps its name when CPython splits an instruction into a macro. Uops that no single
instruction owns keep their uop name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Evidence, Finding, make_evidence, make_finding
from analyzer.campaigns.common import definition_evidences, difficulty_of, family_name
from analyzer.cbody import CLOSE_CALLS, DECREF_CALLS, Body, body_of
from analyzer.model import InstDef, Macro

__all__ = ["POP_TOP_FAMILY_RE", "RefcountFacts", "facts_of", "find", "is_pop_top_family"]

#: Macro parts that release one reference each: POP_TOP, _POP_TOP and its typed variants
#: (_POP_TOP_INT, _FLOAT, _UNICODE, _NOP, _OPARG). Not _POP_TOP_LOAD_CONST_INLINE*, which
#: the optimizer inserts for constants (DSL-NOTES.md section 8).
POP_TOP_FAMILY_RE = re.compile(r"^_?POP_TOP(?:_(?!LOAD_CONST)[A-Z0-9]+)?$")

#: ``args[0]``: one element of an array input (an assignment's right-hand side).
_ELEMENT_RE = re.compile(r"^([A-Za-z_]\w*)\s*\[\s*(\d+)\s*\]$")
#: ``DECREF_INPUTS()`` and its float-reusing variant: release every input.
DECREF_INPUTS_CALLS = ("DECREF_INPUTS", "DECREF_INPUTS_AND_REUSE_FLOAT")


@dataclass(frozen=True, slots=True)
class ConsumingHelper:
    """A CPython helper that consumes (closes or steals) some of the stack references it is
    passed, although its name does not say so. ``arguments`` are the consumed positions;
    ``source`` is where CPython shows it, for a reader to check."""

    name: str
    arguments: tuple[int, ...]
    source: str


#: Helpers that consume an argument, with the CPython lines that show it. A call to one of
#: them is a release hidden in the helper when the body then marks the input ``DEAD``.
CONSUMING_HELPERS: dict[str, ConsumingHelper] = {
    h.name: h
    for h in (
        ConsumingHelper(
            "_PyEval_GetIter",
            (0,),
            # gh-145668 (python/cpython#147967, April 2026) moved GET_ITER's work into this
            # helper in Python/ceval.c. main-2026-06 Python/bytecodes.c:3770-3771 passes
            # `iterable` to it and marks it DEAD at once, with no output carrying it; the code
            # it replaced, 3.15a-2026-02 Python/bytecodes.c:3214-3215, closed `iterable` with
            # PyStackRef_CLOSE right after PyObject_GetIter. (The helper's own ceval.c line is
            # not in the stored sources this was checked against.)
            "Python/ceval.c (gh-145668); main-2026-06 Python/bytecodes.c:3770-3771",
        ),
    )
}


#: Name endings of CPython's consuming helpers (`is_consuming_helper`).
_STEALS = "_StackRefSteal"
_CONSUMES = "_ConsumeInputs"


@lru_cache(maxsize=4096)
def is_consuming_helper(name: str) -> bool:
    """Whether a call to ``name`` consumes the references it is passed, by CPython's naming
    convention: ``_Py*_StackRefSteal`` (steals its stack references) or ``*_ConsumeInputs``."""
    return (name.startswith("_Py") and name.endswith(_STEALS)) or (
        name.endswith(_CONSUMES) and len(name) > len(_CONSUMES)
    )


def is_pop_top_family(name: str) -> bool:
    """Whether a macro part is a ``POP_TOP``-family release uop."""
    return POP_TOP_FAMILY_RE.match(name) is not None


@dataclass(slots=True)
class RefcountFacts:
    """What the body of one definition does with its references, with the lines that show it."""

    consumed: tuple[str, ...]
    releases: list[Evidence] = field(default_factory=list)
    forwards: list[Evidence] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    how: set[str] = field(default_factory=set)
    #: Names of the inputs (or replaced slot values) released inline; empty when only
    #: ``DECREF_INPUTS()`` releases them (all of them).
    released: set[str] = field(default_factory=set)
    #: Variable closed inline -> the input whose reference it holds (``temp`` -> ``callable``,
    #: ``arg`` -> ``args[0]`` for one element of an array input).
    closed: dict[str, str] = field(default_factory=dict)
    #: ``DECREF_INPUTS()`` releases every consumed input.
    releases_all: bool = False
    #: Lines of the releases made only on the way to the error handler (`Body.on_error_path`).
    on_error: set[int] = field(default_factory=set)
    #: Lines of the releases of a peeked input's old value after the body put its result in
    #: that input's slot (``temp = callable; callable = res; PyStackRef_CLOSE(temp);``).
    replaced: set[int] = field(default_factory=set)

    def inline_releases(self) -> list[Evidence]:
        """The releases that keep the task open: not on an error path, not of a replaced value."""
        return [e for e in self.releases if e.line not in self.on_error and e.line not in self.replaced]


_ON_ERROR_NOTE = (
    " only on the error path (just before the jump to the error handler); CPython keeps such "
    "releases in converted uops, so it is not a task"
)
_REPLACED_NOTE = (
    " inline, as CPython's converted variadic calls do (gh-148171); the inputs themselves stay on the "
    "stack for the POP_TOP-family uops after it"
)


#: The release calls `facts_of` reads: `DECREF_INPUTS_CALLS`, and those of `Body.releases`
#: (`analyzer.cbody` ``CLOSE_CALLS`` and ``DECREF_CALLS``).
_RELEASE_CALLS = frozenset({*DECREF_INPUTS_CALLS, *CLOSE_CALLS, *DECREF_CALLS})
#: What the name of every consuming helper contains (`CONSUMING_HELPERS`, `is_consuming_helper`).
_HELPER_WORDS = (_STEALS, _CONSUMES, *CONSUMING_HELPERS)


def facts_of(uop: InstDef) -> RefcountFacts:
    """Read releases and forwards from ``uop``'s body (`analyzer.cbody`: comments and strings
    never count); the ``DEAD`` marks that a converted uop's evidence shows are read by `find`."""
    stack = uop.stack
    peeks = stack.peeks()
    named = stack.named_inputs()
    consumed = tuple([i.name for i in named if i.name not in peeks])
    facts = RefcountFacts(consumed)
    outputs = {o.name for o in stack.outputs if o.name != "unused"} - peeks
    # Which questions the body is asked at all: most bodies release nothing, and only a body
    # with outputs can forward (the names it calls are known cheaply; a helper's name is
    # looked for in the code, comments and strings blanked, rather than in every call name).
    code = uop.code
    body = body_of(uop)
    may_release = not body.call_names.isdisjoint(_RELEASE_CALLS)
    may_consume = False
    for word in _HELPER_WORDS:
        if word in code:
            may_consume = True
            break
    may_forward = bool(outputs) and (bool(consumed) or "GETLOCAL" in code)
    if not (may_release or may_consume or may_forward):
        return facts
    file = uop.file
    # Peeked inputs count too: closing one means releasing the value its slot held
    # before the uop replaced it (``temp = callable; callable = res; CLOSE(temp)``).
    input_alias = {i.name: i.name for i in named}
    slot_alias: set[str] = set()
    arrays = {i.name for i in named if i.is_array}
    for assignment in body.assignments:
        lhs, rhs = assignment.target, assignment.value
        if lhs in outputs:
            if rhs in consumed or rhs in slot_alias:
                line = assignment.line
                facts.forwarded.append(lhs)
                facts.forwards.append(
                    make_evidence(file, line, body.line_text(line), f"output `{lhs}` carries the reference out")
                )
        elif rhs in input_alias:
            input_alias[lhs] = input_alias[rhs]
        elif arrays and (element := _ELEMENT_RE.match(rhs)) and element.group(1) in arrays:
            input_alias[lhs] = f"{element.group(1)}[{element.group(2)}]"
        elif rhs.startswith("GETLOCAL("):
            slot_alias.add(lhs)
    if may_release:
        _read_releases(uop, body, facts, input_alias, slot_alias)
    if may_consume:
        _read_helpers(uop, body, facts, input_alias)
    if len(facts.releases) > 1:
        facts.releases.sort(key=lambda e: e.line)
    return facts


def _death_evidence(uop: InstDef) -> list[Evidence]:
    """The ``DEAD(x)`` and ``INPUTS_DEAD()`` marks of ``uop``'s body: evidence of a converted uop."""
    body = body_of(uop)
    return [
        make_evidence(uop.file, call.line, body.line_text(call.line), "ownership marked moved")
        for call in body.dead_marks()
    ]


def _read_releases(
    uop: InstDef, body: Body, facts: RefcountFacts, input_alias: dict[str, str], slot_alias: set[str]
) -> None:
    """`facts_of`'s ``DECREF_INPUTS()`` and ``PyStackRef_CLOSE``/``Py_DECREF``-family releases."""
    file = uop.file
    if facts.consumed:
        for call in body.calls_to(*DECREF_INPUTS_CALLS):
            facts.releases.append(
                make_evidence(file, call.line, body.line_text(call.line), "releases every input inline")
            )
            facts.how.add(call.name)
            if body.on_error_path(call.start):
                facts.on_error.add(call.line)
            facts.releases_all = True
    peeks = uop.stack.peeks()
    for call, target in body.releases():
        alias = input_alias.get(target)
        if alias is not None:
            note = f"releases input `{alias}` inline"
            facts.released.add(alias)
            facts.closed[target] = alias
        elif target in slot_alias:
            note = f"releases the value it replaces (`{target}`) inline"
            facts.released.add(target)
        else:
            continue
        facts.how.add(call.name)
        if body.on_error_path(call.start):
            facts.on_error.add(call.line)
            note += _ON_ERROR_NOTE
        elif target != alias and alias in peeks and any(a.target == alias for a in body.assignments):
            # The value of a peeked input whose slot the body reassigned (with the result).
            facts.replaced.add(call.line)
            note = f"note: releases the value its result replaces in `{alias}`'s slot{_REPLACED_NOTE}"
        facts.releases.append(make_evidence(file, call.line, body.line_text(call.line), note))


def _read_helpers(uop: InstDef, body: Body, facts: RefcountFacts, input_alias: dict[str, str]) -> None:
    """`facts_of`'s releases hidden in consuming helpers (`CONSUMING_HELPERS`, `is_consuming_helper`)."""
    helpers = [n for n in body.call_names if n in CONSUMING_HELPERS or is_consuming_helper(n)]
    if not helpers:
        return
    file = uop.file
    dead: set[str] | None = None
    for call in body.calls_to(*helpers):
        helper = CONSUMING_HELPERS.get(call.name)
        if helper is not None:
            if dead is None:
                dead = {c.first for c in body.calls_to("DEAD")}
                if body.calls_to("INPUTS_DEAD"):
                    dead |= set(input_alias)
            given = {call.args[i] for i in helper.arguments if i < len(call.args)}
            for name in sorted(given & set(input_alias) & dead):
                facts.released.add(input_alias[name])
                facts.how.add(call.name)
                facts.releases.append(
                    make_evidence(
                        file,
                        call.line,
                        body.text(call.start, body.statement_end(call.start)),
                        f"`{call.name}` consumes `{name}`, then the body marks it DEAD (a release hidden in the "
                        f"helper; {helper.source})",
                    )
                )
            continue
        if not is_consuming_helper(call.name):
            continue
        if passed := body.names_in(call.start, body.statement_end(call.start)) & set(input_alias):
            facts.released.update(input_alias[name] for name in passed)
            text = body.text(call.start, body.statement_end(call.start))
            facts.releases.append(
                make_evidence(file, call.line, text, f"`{call.name}` consumes inputs (decref hidden in the helper)")
            )
            facts.how.add(call.name)
            if body.on_error_path(call.start):
                facts.on_error.add(call.line)


def _release_parts(macro: Macro, uop: str) -> list[str]:
    names = macro.uop_names()
    after = names[names.index(uop) + 1 :] if uop in names else []
    return [n for n in after if is_pop_top_family(n)]


def _classify(analysis: Analysis, uop: InstDef, facts: RefcountFacts) -> tuple[str, str, list[Evidence]]:
    """(status, summary, extra evidence) for one definition."""
    extra: list[Evidence] = []
    if "POP_TOP" in uop.name or uop.name.startswith("_POP_"):
        return "not_applicable", f"`{uop.name}` is a release uop: it decrefs by design", extra
    if facts.inline_releases():
        released = sorted(facts.released)
        how = ", ".join(f"`{h}`" for h in sorted(facts.how))
        what = ", ".join(f"`{r}`" for r in released) if released else "its inputs"
        return "todo", f"releases {what} inline with {how}", extra
    if facts.replaced and not facts.forwarded:
        return _swapped(analysis, uop, facts)
    if not facts.forwarded:
        if not facts.consumed:
            return "not_applicable", "consumes no stack references", extra
        return "not_applicable", "moves its references into outputs or containers; nothing to release", extra
    users = analysis.macros_using(uop.name) if uop.kind == "op" else ()
    forwarded = ", ".join(f"`{o}`" for o in dict.fromkeys(facts.forwarded))
    if not users and "tier2" in uop.annotations:
        # Decided in `find` once the uop it is a variant of is known to be converted.
        return _TIER2_VARIANT, f"forwards {forwarded}", extra
    missing = []
    for macro in users:
        parts = _release_parts(macro, uop.name)
        if parts:
            part = next(p for p in macro.parts if p.kind == "uop" and p.name == parts[0])
            extra.append(
                make_evidence(
                    macro.file,
                    part.line,
                    f"macro({macro.name}) ... + {' + '.join(parts)}",
                    f"`{macro.name}` releases the forwarded references",
                )
            )
        else:
            missing.append(macro.name)
    if not extra:
        # An output taken from an input that no macro pops is the uop's result, not a
        # forwarded reference (``next = none`` in _SEND_VIRTUAL).
        return "not_applicable", "moves its references into outputs; nothing to release", extra
    note = f" ({', '.join(missing)} without release uops)" if missing else ""
    return "done", f"forwards {forwarded}; the macros using it release them with POP_TOP-family uops{note}", extra


_TIER2_VARIANT = "tier2-variant"


def _swapped(analysis: Analysis, uop: InstDef, facts: RefcountFacts) -> tuple[str, str, list[Evidence]]:
    """Status of a uop whose only success-path release is of the value its result replaces.

    CPython counted such uops converted (gh-148171, April 2026: ``_CALL_BUILTIN_CLASS``,
    ``_CALL_BUILTIN_FAST``...): the inputs stay on the stack as outputs, the macros release
    them with ``_POP_TOP_OPARG``/``POP_TOP`` after the uop, and the result takes the slot of
    ``callable``, whose old value is closed inline. Done when every macro using the uop has
    ``POP_TOP``-family parts after it; otherwise still ``todo``.
    """
    extra: list[Evidence] = []
    users = analysis.macros_using(uop.name) if uop.kind == "op" else ()
    for macro in users:
        parts = _release_parts(macro, uop.name)
        if not parts:
            break
        part = next(p for p in macro.parts if p.kind == "uop" and p.name == parts[0])
        extra.append(
            make_evidence(
                macro.file,
                part.line,
                f"macro({macro.name}) ... + {' + '.join(parts)}",
                f"`{macro.name}` releases the inputs the uop keeps on the stack",
            )
        )
    else:
        if extra:
            slots = ", ".join(f"`{facts.closed[v]}`" for v in sorted(facts.closed) if facts.closed[v] != v)
            return (
                "done",
                "keeps its inputs on the stack for the POP_TOP-family uops after it and puts its result in "
                f"the slot of {slots}; note: the value it replaces there is still released inline, as in "
                "CPython's converted variadic calls (gh-148171)",
                extra,
            )
    how = ", ".join(f"`{h}`" for h in sorted(facts.how))
    return "todo", f"releases the value its result replaces inline with {how}; no release uops after it", []


def _variant_status(uop: InstDef, summary: str, done: set[str]) -> tuple[str, str]:
    """A tier 2 only forwarder is done when it is a variant of a converted uop.

    The optimizer substitutes ``_BINARY_OP_ADD_INT_INPLACE`` for ``_BINARY_OP_ADD_INT``
    inside ``BINARY_OP_ADD_INT``, whose ``_POP_TOP_INT`` uops then release what it forwards.
    """
    # The longest converted name that, followed by "_", starts this uop's name.
    name = uop.name
    base = next((name[:i] for i in range(len(name) - 1, 0, -1) if name[i] == "_" and name[:i] in done), None)
    if base is None:
        return "not_applicable", f"{summary}: a tier 2 only uop, but no converted uop it stands in for"
    return "done", (f"{summary}; tier 2 variant of converted `{base}`, whose macro's POP_TOP-family uops release them")


def _difficulty_facts(analysis: Analysis, uop: InstDef) -> list[tuple[int, str]]:
    """The refcount campaign's own difficulty: an optimizer case to update (+1), tier 1 only (0)."""
    facts = []
    if uop.tier2_name in analysis.optimizer_cases:
        facts.append((1, f"optimizer case `{uop.tier2_name}` must be updated to the new outputs"))
    if "tier1" in uop.annotations:
        # Annotation `tier1` (DSL-NOTES.md section 4): tier 2 traces never contain it.
        facts.append((0, "tier 1 only (`tier1`): JIT traces never run it, so converting it gains the JIT nothing"))
    return facts


def find(analysis: Analysis) -> Iterator[Finding]:
    """One finding per ``inst``/``op`` of bytecodes.c, named by task identity (see module doc)."""
    uops = [*analysis.insts.values(), *analysis.ops.values()]
    headers = definition_evidences(analysis)
    facts = {u.name: facts_of(u) for u in uops}
    classified = {u.name: _classify(analysis, u, facts[u.name]) for u in uops}
    done = {
        analysis.insts[n].tier2_name if n in analysis.insts else n
        for n, (status, _, _) in classified.items()
        if status == "done"
    }
    seen: set[str] = set()
    for uop in uops:
        status, summary, extra = classified[uop.name]
        if status == _TIER2_VARIANT:
            status, summary = _variant_status(uop, summary, done)
        instruction = analysis.instruction_of(uop)
        name = instruction if instruction and instruction not in seen else uop.name
        seen.add(name)
        kind = uop.kind if name == uop.name else "macro"
        evidence = [headers[uop]]
        if kind == "macro":
            macro = analysis.macros[name]
            evidence.append(
                make_evidence(
                    macro.file,
                    macro.line,
                    f"macro({name}) = {' + '.join(map(str, macro.parts))};",
                    f"instruction `{name}` is a macro over `{uop.name}`",
                )
            )
        found = facts[uop.name]
        evidence += found.releases
        if status == "done":
            evidence += found.forwards + extra + _death_evidence(uop)
        difficulty, reasons = difficulty_of(analysis, uop, own=_difficulty_facts(analysis, uop))
        macros = analysis.macro_names_using(uop.name)
        yield make_finding(
            campaign="refcount",
            name=name,
            kind=kind,
            status=status,
            file=uop.file,
            line=uop.line,
            end_line=uop.end_line,
            difficulty=difficulty,
            reasons=reasons,
            evidence=_unique(evidence),
            uop=uop.name,
            family=family_name(analysis, [name, *macros]),
            summary=summary,
            macros=macros,
        )


def _unique(items: list[Evidence]) -> tuple[Evidence, ...]:
    """``items`` in order without repeats of a file, line and note (the first one kept)."""
    if len(items) < 2:
        return tuple(items)
    seen: set[tuple[str, int, str]] = set()
    unique = []
    for e in items:
        key = (e.file, e.line, e.note)
        if key not in seen:
            seen.add(key)
            unique.append(e)
    return tuple(unique)
