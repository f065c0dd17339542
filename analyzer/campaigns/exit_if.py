"""Campaign ``exit-if``: guards should exit, not deoptimize (gh-145692).

Source: CPython issue gh-145692, "Excessive numbers of `DEOPT_IF`s in bytecodes.c" (Mark
Shannon, March 2026), and its pull request gh-145751 with Ken Jin's review. In tier 1 the
two macros are synonyms; in the JIT a ``DEOPT_IF`` drops back into the interpreter for good,
while an ``EXIT_IF`` takes a side exit that can warm up and be compiled itself. A
``DEOPT_IF`` should become an ``EXIT_IF`` when it is in a guard (``_GUARD_*``, ``_CHECK_*``)
or in the guard part of a larger uop that the JIT runs. It stays, and the finding is not
applicable with the reason, when

- the code is tier 1 only: the definition is annotated ``tier1``, ``specializing`` or
  ``replaced``, no instruction with a tier 2 expansion uses it (`tier2_coverage`), or the site
  sits in an ``#if TIER_ONE`` block;
- the interpreter must handle something first: ``HANDLE_PENDING_AND_DEOPT_IF`` and checks of
  the eval breaker or the Emscripten signal clock; a frame-evaluation hook (PEP 523,
  ``IS_PEP523_HOOKED``); a full data stack (``_PyThreadState_HasStackSpace``) or recursion
  limit (``py_recursion_remaining``), which only the interpreter's generic path can grow or
  raise;
- it is an error exit: a C call's negative result (``result < 0``, ``result <= 0``: "we lost
  a race with another thread and need the slow path");
- an optimization is no longer valid: the executor was invalidated (``vm_data.valid``), or a
  keys-version check of the frame's own globals or builtins dict (``GLOBALS()``,
  ``BUILTINS()``), which is the same dict every time the code runs, so once its version has
  moved on the check can never pass again and only re-specializing helps;
- the uop takes a per-object lock (``LOCK_OBJECT``, free-threaded build): nothing a side trace
  could do fixes a failure to lock (gh-145751 review), and CPython's cases generator accepts
  only one of ``EXIT_IF``/``DEOPT_IF``/``HANDLE_PENDING_AND_DEOPT_IF`` per uop
  (``Tools/cases_generator/analyzer.py``, ``compute_properties``), so every exit of such a uop
  stays. The same one-kind rule makes the eval-breaker, error and invalidation reasons apply
  to every ``DEOPT_IF`` of their uop.

Identity: one finding per exit site (``DEOPT_IF``, ``EXIT_IF``, ``AT_END_EXIT_IF``,
``HANDLE_PENDING_AND_DEOPT_IF``) of an ``inst`` or ``op`` body, named ``UOP:N`` where ``N``
counts the definition's exit sites in source order from 1. Lines move with every commit and
conditions get reworded, but converting a site keeps its place among its uop's exits, so the
same name finds the ``DEOPT_IF`` that became an ``EXIT_IF`` in a later snapshot. A site that
is an ``EXIT_IF`` (or ``AT_END_EXIT_IF``) is ``done``. A site that disappears (its uop split
or removed) is retired by the scan. The finding's ``line``/``end_line`` span its definition
(the permalink shows the whole uop); the site's own line is in its summary and evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from analyzer.analysis import Analysis
from analyzer.campaigns.base import Campaign, Code, Finding, GuideStep, Paragraph, make_evidence, make_finding
from analyzer.campaigns.tier2_coverage import tier2_instructions
from analyzer.cbody import body_of
from analyzer.model import InstDef, direct_slot_init

__all__ = ["CAMPAIGN", "SLUG", "ExitSite", "exit_sites", "find", "guide_steps", "runs_in_tier2"]

SLUG = "exit-if"

#: Exit macros that already take a side exit.
SIDE_EXITS = ("EXIT_IF", "AT_END_EXIT_IF")
#: Annotations of definitions that never run in a tier 2 trace (DSL-NOTES.md section 4).
TIER1_ANNOTATIONS = ("tier1", "specializing", "replaced")

_WORD = r"\b{}\b"
#: Conditions the interpreter must act on before jitted code may continue: (pattern, reason).
_INTERPRETER_FIRST = (
    (
        re.compile(r"\beval_breaker\b|\b_Py_emscripten_signal_clock\b"),
        "the eval breaker: the interpreter must handle pending events before jitted code continues",
    ),
    (
        re.compile(r"\bIS_PEP523_HOOKED\b"),
        "a PEP 523 frame-evaluation hook is set: the interpreter must call it",
    ),
    (
        re.compile(r"\b_PyThreadState_HasStackSpace\b"),
        "the data stack is full: only the interpreter's generic path can push a new stack chunk",
    ),
    (
        re.compile(r"\bpy_recursion_remaining\b"),
        "the recursion limit: the interpreter's generic path raises RecursionError",
    ),
)
_ERROR_RESULT_RE = re.compile(r"^\s*!?\s*[A-Za-z_][A-Za-z0-9_]*\s*<=?\s*0\s*$")
_INVALIDATED_RE = re.compile(r"\bvm_data\s*\.\s*valid\b")
_PREPROCESSOR_RE = re.compile(r"^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$")


@direct_slot_init  # the model's cheaper ``__init__``: one site per exit macro of every body
@dataclass(frozen=True, slots=True)
class ExitSite:
    """One exit macro in a definition body.

    ``ordinal`` counts the definition's exit sites from 1 in source order; ``macro`` is
    ``DEOPT_IF``, ``EXIT_IF``, ``AT_END_EXIT_IF`` or ``HANDLE_PENDING_AND_DEOPT_IF``;
    ``condition`` its argument (whitespace collapsed); ``guarded_by`` the condition of the
    enclosing ``if`` for an unconditional ``DEOPT_IF(true)`` (else empty); ``tier1_block`` whether it sits
    in an ``#if TIER_ONE`` region.
    """

    definition: InstDef
    ordinal: int
    macro: str
    line: int
    condition: str
    guarded_by: str
    tier1_block: bool

    @property
    def name(self) -> str:
        return f"{self.definition.name}:{self.ordinal}"

    @property
    def deopts(self) -> bool:
        return self.macro not in SIDE_EXITS

    @property
    def effective_condition(self) -> str:
        """The condition that decides the exit (the enclosing ``if``'s for ``DEOPT_IF(true)``)."""
        return self.guarded_by if self.condition in ("true", "1") and self.guarded_by else self.condition


def _tier1_lines(definition: InstDef) -> frozenset[int]:
    """Body lines inside an ``#if TIER_ONE`` arm."""
    inside: set[int] = set()
    if "TIER_ONE" not in definition.code:
        return frozenset()
    stack: list[bool] = []
    for i, text in enumerate(definition.code.split("\n")):
        m = _PREPROCESSOR_RE.match(text)
        if m is not None:
            word, rest = m.group(1), m.group(2)
            if word in ("if", "ifdef", "ifndef"):
                stack.append(word != "ifndef" and "TIER_ONE" in rest and "!" not in rest)
            elif word in ("elif", "else") and stack:
                stack[-1] = False
            elif word == "endif" and stack:
                stack.pop()
            continue
        if any(stack):
            inside.add(definition.body_line + i)
    return frozenset(inside)


@cache
def _sites_of(definition: InstDef) -> tuple[ExitSite, ...]:
    if "_IF" not in definition.code:  # a substring test first: most bodies have no exit at all
        return ()
    body = body_of(definition)
    tier1 = _tier1_lines(definition)
    sites = []
    for n, call in enumerate(body.guards(), start=1):
        condition = " ".join(call.first.split())
        sites.append(
            ExitSite(
                definition=definition,
                ordinal=n,
                macro=call.name,
                line=call.line,
                condition=condition,
                # Only an unconditional exit needs the ``if`` around it to say why it exits.
                guarded_by=body.guarding_condition(call.start) if condition in ("true", "1") else "",
                tier1_block=call.line in tier1,
            )
        )
    return tuple(sites)


def exit_sites(analysis: Analysis) -> Iterator[ExitSite]:
    """Every exit site of every ``inst`` and ``op`` in bytecodes.c, in source order."""
    for definition in analysis.bytecodes.definitions:
        if isinstance(definition, InstDef):
            yield from _sites_of(definition)


def runs_in_tier2(analysis: Analysis, definition: InstDef, viable: frozenset[str]) -> str | None:
    """``None`` when the JIT may run ``definition``; else why it is tier 1 only.

    ``viable`` holds the instructions with a tier 2 expansion (`tier2_instructions`). An
    ``op`` that no macro uses is assumed to run in tier 2 (the optimizer emits such uops).
    """
    for word in TIER1_ANNOTATIONS:
        if word in definition.annotations:
            return f"`{definition.name}` is annotated `{word}`: tier 2 never runs it"
    if definition.kind == "inst":
        if definition.name not in viable:
            return f"`{definition.name}` has no tier 2 expansion: it only runs in the interpreter"
        return None
    users = analysis.macro_names_using(definition.name)
    if users and viable.isdisjoint(users):
        shown = ", ".join(f"`{m}`" for m in users[:3]) + (", ..." if len(users) > 3 else "")
        return f"only instructions without a tier 2 expansion use `{definition.name}` ({shown})"
    return None


@direct_slot_init
@dataclass(frozen=True, slots=True)
class _Verdict:
    status: str
    reason: str
    #: Whether the reason binds every DEOPT_IF of the uop (one kind of exit per uop).
    whole_uop: bool = False
    line: int | None = None


def _site_verdict(site: ExitSite) -> _Verdict | None:
    """Why this DEOPT_IF must stay, judged from the site alone; ``None`` when it could exit."""
    if site.macro == "HANDLE_PENDING_AND_DEOPT_IF":
        return _Verdict("not_applicable", "the interpreter handles pending events first", whole_uop=True)
    condition = site.effective_condition
    for pattern, reason in _INTERPRETER_FIRST:
        if pattern.search(condition):
            return _Verdict("not_applicable", reason, whole_uop="eval breaker" in reason)
    if _INVALIDATED_RE.search(condition):
        return _Verdict(
            "not_applicable", "the executor was invalidated: it must be rebuilt, not extended", whole_uop=True
        )
    if _ERROR_RESULT_RE.match(condition):
        return _Verdict(
            "not_applicable",
            f"an error exit (`{condition}`): a failed call goes to the interpreter's slow path",
            whole_uop=True,
        )
    return None


def _uop_verdict(definition: InstDef) -> _Verdict | None:
    """A reason that binds every DEOPT_IF of the uop, read from its whole body."""
    body = body_of(definition)
    called = body.call_names  # asked first: most bodies call neither
    if "LOCK_OBJECT" in called:
        line = body.calls_to("LOCK_OBJECT")[0].line
        return _Verdict(
            "not_applicable",
            "the uop takes a per-object lock (`LOCK_OBJECT`): a side trace cannot fix a failed or held lock, "
            "and a uop has one kind of exit",
            whole_uop=True,
            line=line,
        )
    if ("GLOBALS" in called or "BUILTINS" in called) and body.mentions("dk_version"):
        own = body.calls_to("GLOBALS", "BUILTINS")[0]
        line = own.line
        return _Verdict(
            "not_applicable",
            f"a keys-version check of the frame's own {own.name.lower()} dict (`{own.name}()`): it is "
            "the same dict every run, so once the version moved on the check never passes again; re-specialize",
            whole_uop=True,
            line=line,
        )
    return None


def find(analysis: Analysis) -> Iterator[Finding]:
    """One finding per exit site of bytecodes.c (module docstring)."""
    viable = tier2_instructions(analysis)
    by_definition: dict[str, list[ExitSite]] = {}
    for site in exit_sites(analysis):
        by_definition.setdefault(site.definition.name, []).append(site)
    for sites in by_definition.values():
        yield from _definition_findings(analysis, sites, viable)


def _definition_findings(analysis: Analysis, sites: list[ExitSite], viable: frozenset[str]) -> Iterator[Finding]:
    definition = sites[0].definition
    tier1 = runs_in_tier2(analysis, definition, viable)
    deopting = [s for s in sites if s.deopts]
    verdicts = {s.ordinal: _site_verdict(s) for s in deopting}
    # What binds the whole uop decides only a DEOPT_IF that the JIT runs and no reason of its own keeps.
    undecided = tier1 is None and any(not s.tier1_block and verdicts[s.ordinal] is None for s in deopting)
    binding = _uop_verdict(definition) if undecided else None
    if binding is None and undecided:
        first = next((s for s in sites if (v := verdicts.get(s.ordinal)) is not None and v.whole_uop), None)
        if first is not None:
            reason = verdicts[first.ordinal].reason  # type: ignore[union-attr]
            binding = _Verdict(
                "not_applicable",
                f"it shares the uop with `{first.name}`, which must stay ({reason}), and a uop has one kind of exit",
                whole_uop=True,
                line=first.line,
            )
    staying = [s for s in deopting if verdicts[s.ordinal] is not None]
    header = f"{' '.join(definition.annotations) + ' ' if definition.annotations else ''}"
    header += f"{definition.kind}({definition.name}, {definition.stack})"
    users = analysis.macro_names_using(definition.name)
    macros = () if definition.kind == "inst" else users
    family = next((f.name for m in (*macros, definition.name) if (f := analysis.family_of(m))), None)
    # The same for every site.
    header_evidence = make_evidence(definition.file, definition.line, header, "the definition")
    for site in sites:
        evidence = [make_evidence(definition.file, site.line, f"{site.macro}({site.condition});", "the exit site")]
        if site.guarded_by:
            evidence.append(
                make_evidence(definition.file, site.line, f"if ({site.guarded_by})", "the enclosing condition")
            )
        evidence.append(header_evidence)
        where = f"`{definition.name}` line {site.line}"
        verdict = verdicts.get(site.ordinal)
        if not site.deopts:
            status, summary = "done", f"{where} exits with `{site.macro}`: the JIT can attach a side exit"
        elif tier1 is not None or site.tier1_block:
            status = "not_applicable"
            summary = f"{where}: tier 1 only; " + (tier1 or "the site is inside `#if TIER_ONE`")
        elif verdict is not None:
            status, summary = verdict.status, f"{where} stays `{site.macro}`: {verdict.reason}"
        elif binding is not None:
            status, summary = binding.status, f"{where} stays `{site.macro}`: {binding.reason}"
            if binding.line is not None:
                text = analysis.tree.bytecodes.line_text(binding.line).strip()
                evidence.append(make_evidence(definition.file, binding.line, text, "decides the whole uop"))
        else:
            status = "todo"
            summary = f"{where}: `DEOPT_IF({site.condition})` guards a uop the JIT runs; make it `EXIT_IF`"
        difficulty, reasons = _difficulty(site, deopting, staying if status == "todo" else [], len(users))
        yield make_finding(
            campaign=SLUG,
            name=site.name,
            kind=definition.kind,
            status=status,
            file=definition.file,
            line=definition.line,
            end_line=definition.end_line,
            difficulty=difficulty,
            reasons=reasons,
            evidence=tuple(evidence),
            uop=definition.name,
            family=family,
            summary=summary,
            macros=macros,
        )


def _difficulty(
    site: ExitSite, deopting: Sequence[ExitSite], staying: Sequence[ExitSite], users: int
) -> tuple[str, tuple[str, ...]]:
    """``deopting``: the uop's ``DEOPT_IF`` sites; ``staying``: those that must stay; ``users``:
    how many macros use the uop."""
    score = 0
    reasons: list[str] = []
    others = [s for s in deopting if s is not site and s not in staying]
    if others:
        reasons.append(
            f"`{site.definition.name}` has {len(others) + 1} `DEOPT_IF`s to convert together "
            "(one kind of exit per uop): " + ", ".join(s.name for s in (site, *others))
        )
        score += 1 if len(others) >= 2 else 0
    if staying:
        score += 3
        reasons.append(
            "the uop also has exits that must stay `DEOPT_IF` ("
            + ", ".join(s.name for s in staying)
            + "): split the uop so the guard part can use `EXIT_IF`"
        )
    if users > 3:
        score += 1
        reasons.append(f"used by {users} instructions: check each still specializes and exits as expected")
    if site.guarded_by:
        reasons.append(f"unconditional exit inside `if ({site.guarded_by})`")
    if not reasons:
        reasons.append("one exit in a uop the JIT runs: a one-word change plus a test")
    level = "easy" if score <= 1 else "medium" if score <= 3 else "hard"
    return level, tuple(reasons)


def guide_steps(finding: Finding, analysis: Analysis) -> Sequence[GuideStep]:
    """The plan for one ``todo`` site: the change, the uop's other exits, the optimizer and the test."""
    definition = analysis.ops.get(finding.uop) or analysis.insts.get(finding.uop)
    if definition is None:
        return (GuideStep("Change the exit", (Paragraph(finding.summary),)),)
    sites = _sites_of(definition)
    site = next((s for s in sites if s.name == finding.name), None)
    if site is None:
        return (GuideStep("Change the exit", (Paragraph(finding.summary),)),)
    old = analysis.tree.bytecodes.line_text(site.line)
    new = old.replace(site.macro, "EXIT_IF", 1)
    steps = [
        GuideStep(
            "Make the guard exit",
            (
                Paragraph(
                    f"At {definition.file}:{site.line}, in `{definition.name}`, replace `{site.macro}` with "
                    "`EXIT_IF`. Tier 1 behaves the same (the two are synonyms there); in a trace the failed "
                    "guard now takes a side exit that can warm up and be compiled, instead of falling back "
                    "to the interpreter for good."
                ),
                Code(f"-{old}\n+{new}", "diff"),
            ),
        )
    ]
    deopts = [s for s in sites if s.deopts and s is not site]
    if deopts:
        steps.append(
            GuideStep(
                "Convert the uop's other exits with it",
                (
                    Paragraph(
                        "CPython's cases generator accepts only one of `EXIT_IF`, `DEOPT_IF` and "
                        "`HANDLE_PENDING_AND_DEOPT_IF` per uop (`Tools/cases_generator/analyzer.py`, "
                        "`compute_properties`). These exits of the same uop change in the same pull request; "
                        "if one of them must stay a `DEOPT_IF` (its task says why), split the uop instead:"
                    ),
                    *(Paragraph(f"- `{s.name}` (line {s.line}): `{s.macro}({s.effective_condition})`") for s in deopts),
                ),
            )
        )
    case = analysis.optimizer_cases.get(definition.tier2_name)
    users = analysis.macros_using(definition.name)
    uses = ", ".join(f"`{m.name}`" for m in users[:6]) + (", ..." if len(users) > 6 else "")
    steps.append(
        GuideStep(
            "Check the optimizer and the instructions that use it",
            (
                Paragraph(
                    (
                        f"`{definition.tier2_name}` has a case in `Python/optimizer_bytecodes.c` "
                        f"(line {case.line}); it needs no change for the new exit, but if it removes the guard "
                        "when the type is known, keep that."
                    )
                    if case is not None
                    else f"`{definition.tier2_name}` has no optimizer case: nothing to change there."
                ),
                Paragraph(f"Instructions using it: {uses}." if users else "It is an instruction of its own."),
            ),
        )
    )
    steps.append(
        GuideStep(
            "Show the side exit in a test",
            (
                Paragraph(
                    "In `Lib/test/test_capi/test_opt.py`, warm a loop up so the guard passes, then make it fail "
                    "(another type or value) and check that the executor's exit is taken and warms up "
                    f"instead of deoptimizing, for an instruction that uses `{definition.name}`."
                ),
            ),
        )
    )
    return tuple(steps)


CAMPAIGN = Campaign(
    slug=SLUG,
    stage="dsl",
    title="Guards should exit, not deoptimize",
    issue="gh-145692",
    summary="Turn the DEOPT_IFs of guards that the JIT runs into EXIT_IFs, so a failed guard becomes a side exit.",
    find=find,
    guide_steps=guide_steps,
    pr_verb="Use EXIT_IF in",
    how_to=(
        "Read the task's guide: it shows the exit site, the other exits of the same uop (a uop has one kind "
        "of exit) and the instructions that use it.",
        "Change `DEOPT_IF` to `EXIT_IF` in `Python/bytecodes.c`, run `make regen-cases` and rebuild with "
        "`./configure --enable-experimental-jit`.",
        "Add a test in `Lib/test/test_capi/test_opt.py` and run `./python -m test test_capi.test_opt`.",
    ),
    intro=(
        "In the specializing interpreter `DEOPT_IF` and `EXIT_IF` mean the same thing, so `bytecodes.c` uses "
        "them haphazardly. In the JIT they differ: a `DEOPT_IF` drops execution back into the interpreter "
        "unconditionally, while an `EXIT_IF` takes a side exit that can warm up and be compiled too. In a "
        "`CALL` or a `SEND` a `DEOPT_IF` can keep the code after it from ever being compiled. Each task below "
        "is one `DEOPT_IF` in a guard (or the guard part of a larger uop) that the JIT runs. Exits that must "
        "stay are listed as not applicable with the reason: tier 1 only code, error exits, exits where the "
        "interpreter must act first (the eval breaker), and optimizations that can no longer be valid."
    ),
)
