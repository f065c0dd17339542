"""Campaign ``refcount`` (gh-134584): its rules (`rules`: findings) and its conversion plan
(`plan`: target stack effect, macros, optimizer case and guide steps)."""

from __future__ import annotations

from analyzer.campaigns.base import Campaign
from analyzer.campaigns.refcount import plan
from analyzer.campaigns.refcount.rules import POP_TOP_FAMILY_RE, RefcountFacts, facts_of, find, is_pop_top_family

__all__ = ["CAMPAIGN", "POP_TOP_FAMILY_RE", "RefcountFacts", "facts_of", "find", "is_pop_top_family", "plan"]


CAMPAIGN = Campaign(
    slug="refcount",
    stage="dsl",
    title="Eliminate redundant refcounting in the JIT",
    issue="gh-134584",
    # Follow-ups that convert more ops the same way (their titles: "Convert X to leave its inputs
    # on the stack to be cleaned up by _POP_TOP", "Eliminate redundant refcounting in the JIT from X").
    related_issues=("gh-145866", "gh-148171", "gh-143995", "gh-144005", "gh-144007", "gh-144540"),
    summary="Move decrefs out of uop bodies into POP_TOP-family uops that the optimizer can remove.",
    find=find,
    guide_steps=plan.guide_steps,
    pr_verb="Eliminate redundant refcounting from",
    test_hint="for refcount work: `_POP_TOP_NOP` where the value is borrowed or immortal",
    intro=(
        "Many uops release (decref) their inputs inside their own C body. The tier 2 optimizer "
        "cannot see those decrefs, so it cannot drop them even when it knows a value is borrowed, "
        "immortal or a small int. Each task below changes one uop so that it hands its input "
        "references back out as outputs (for example `(left, right -- res, l, r)`), and the "
        "instructions that use it release them with explicit `POP_TOP`-family uops. The optimizer "
        "then turns those into `_POP_TOP_NOP` (no code at all) or a typed, cheaper decref."
    ),
)
