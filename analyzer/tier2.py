"""Which definitions the cases generator turns into tier 2 uops: CPython's ``Uop.why_not_viable``.

Restated in our own words from ``Tools/cases_generator/analyzer.py`` (``Uop.why_not_viable``,
``has_error_with_pop``/``has_error_without_pop``) over the body's tokens (`analyzer.cbody`),
so a word in a comment or a string never counts. Campaigns that ask "is this a tier 2 uop?"
(``optimizer``, ``tier2-coverage``) share it.
"""

from __future__ import annotations

from analyzer.cbody import body_of
from analyzer.model import InstDef

__all__ = [
    "ALWAYS_VIABLE",
    "MAX_NAMED_CACHES",
    "NON_POPPING_WORDS",
    "POPPING_WORDS",
    "TIER1_CONTROL_FLOW",
    "why_not_viable",
]

#: The one uop ``Uop.why_not_viable`` always accepts (it adjusts ``next_instr`` only in tier 1).
ALWAYS_VIABLE = "_SAVE_RETURN_OFFSET"
#: Names ``Uop.why_not_viable`` rejects for their tier 1 control flow.
TIER1_CONTROL_FLOW = ("INTERPRETER_EXIT", "JUMP_BACKWARD")
#: ``Uop.why_not_viable`` allows at most this many named (not ``unused``) cache entries.
MAX_NAMED_CACHES = 2
#: ``has_error_with_pop`` / ``has_error_without_pop`` in analyzer.py (older generators also
#: counted ``pop_1_error`` and ``resume_with_error`` as both).
POPPING_WORDS = ("ERROR_IF", "exception_unwind", "pop_1_error", "resume_with_error")
NON_POPPING_WORDS = ("ERROR_NO_POP", "exception_unwind", "pop_1_error", "resume_with_error")


def _first_line(uop: InstDef, words: tuple[str, ...]) -> int | None:
    """The line of the first identifier among ``words`` in ``uop``'s code, or ``None``."""
    code = uop.code
    for word in words:  # a substring test first: most bodies have none of the words
        if word in code:
            break
    else:
        return None
    body = body_of(uop)
    wanted = body.identifiers.intersection(words)
    if not wanted:
        return None
    return body.line_of(min(body.texts.index(w) for w in wanted))


def why_not_viable(uop: InstDef) -> tuple[str, int] | None:
    """Why the cases generator makes no tier 2 uop of ``uop`` (an ``op``, or an ``inst`` as its
    ``_NAME`` uop), in CPython's words, with the line that shows it; ``None`` when it makes one.

    ``line`` is in ``uop.file``: the header for name and annotation rules, the first use for
    body rules. Annotations ``tier1`` and ``specializing`` are the callers' to check.
    """
    name = uop.tier2_name
    if name == ALWAYS_VIABLE:
        return None
    if "INSTRUMENTED" in name:
        return "is instrumented", uop.line
    if "replaced" in uop.annotations:
        return "is replaced", uop.line
    if name in TIER1_CONTROL_FLOW:
        return "has tier 1 control flow", uop.line
    this_line = _first_line(uop, ("this_instr",))
    if this_line is not None:
        return "uses the 'this_instr' variable", this_line
    if len([c for c in uop.stack.caches if c.name != "unused"]) > MAX_NAMED_CACHES:
        return "has too many cache entries", uop.line
    popping = _first_line(uop, POPPING_WORDS)
    non_popping = _first_line(uop, NON_POPPING_WORDS) if popping is not None else None
    if popping is not None and non_popping is not None:
        return "has both popping and not-popping errors", max(popping, non_popping)
    return None
