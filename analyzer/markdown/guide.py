"""A step-by-step guide for one task, built from the real definitions (DESIGN.md section 5).

Generic: the campaign (``analyzer.campaigns.base.Campaign``) supplies its conversion steps as
`GuideStep` data, its pull request verb and its worked-example labels; this module numbers
the steps and renders them around the parts every guide shares (the definition and the
lines that decide the task, regeneration, the nearest test, the pull request, the example).
"""

from __future__ import annotations

from analyzer.analysis import Analysis
from analyzer.campaigns import Finding, get
from analyzer.campaigns.base import Block, Code, GuideStep
from analyzer.history import Conversion, example_lead
from analyzer.markdown.megaissue import CPYTHON_REPOSITORY, permalink
from analyzer.model import InstDef
from analyzer.testopt import TestOptIndex

__all__ = ["render_guide", "render_steps"]


def _c_block(text: str) -> list[str]:
    return ["```c", text.rstrip(), "```"]


def _block(block: Block) -> list[str]:
    if isinstance(block, Code):
        return [f"```{block.language}", block.text.rstrip(), "```", ""]
    return [block.text, ""]


def render_steps(steps: list[GuideStep] | tuple[GuideStep, ...], first: int) -> list[str]:
    """Markdown lines of ``steps`` numbered from ``first``: ``### N. title``, then each block
    (a paragraph, or a fenced code block) followed by a blank line."""
    out: list[str] = []
    for n, step in enumerate(steps, first):
        out += [f"### {n}. {step.title}", ""]
        for block in step.blocks:
            out += _block(block)
    return out


def _nearest_tests(
    finding: Finding, uop: InstDef, tests: TestOptIndex | None, example: Conversion | None, hint: str
) -> list[str]:
    if tests is None:
        return [
            "No `Lib/test/test_capi/test_opt.py` was scanned with this snapshot; look there for a test "
            "that builds a trace through a similar instruction and asserts on `get_opnames(ex)`."
        ]
    names = [uop.name, uop.tier2_name]
    if example is not None:
        names.append(example.after.uop)
    for name in names:
        found = tests.tests_for(name)
        if found:
            best = found[0]
            return [
                f"`{best.test_class}.{best.test_name}` (line {best.line}) already asserts on `{name}`; "
                "copy its shape: run a loop past the tier 2 threshold, take the executor and assert the "
                "uops you expect" + (f" ({hint})." if hint else "."),
                "",
                f"Run it with `{tests.command(best)}`, then the whole file with `./python -m test test_capi.test_opt`.",
            ]
    return [
        "No existing test mentions this uop. Add one to `TestUopsOptimization` in "
        "`Lib/test/test_capi/test_opt.py` that runs the instruction in a hot loop and asserts on the "
        "executor's uops, then run `./python -m test test_capi.test_opt`."
    ]


def render_guide(
    finding: Finding,
    analysis: Analysis,
    *,
    commit: str | None = None,
    tests: TestOptIndex | None = None,
    example: Conversion | None = None,
    repository: str = CPYTHON_REPOSITORY,
    snapshots: tuple[str, str] | None = None,
) -> str:
    """The guide for one task as Markdown: where, current and target stack effect, macros,
    optimizer case, regeneration, nearest test, PR title, and a worked example when given.

    ``snapshots`` names the (older, newer) snapshots the ``example`` was mined from (labels,
    or folder names) so that the example says where it came from (`analyzer.history.example_lead`);
    without it the example says "between the two scanned snapshots". ``finding`` must come
    from ``analysis``; raises `KeyError` if its uop is not defined there.
    """
    campaign = get(finding.campaign)
    uop = analysis.ops.get(finding.uop) or analysis.insts[finding.uop]
    link = permalink(finding, commit, repository)
    where = f"`{finding.file}` lines {finding.line}-{finding.end_line}" + (f" ([permalink]({link}))" if link else "")
    out = [
        f"## `{finding.name}`: {campaign.title} ({campaign.issue})",
        "",
        f"Status: **{finding.status}** · difficulty: **{finding.difficulty}**"
        + (f" · family `{finding.family}`" if finding.family else ""),
        "",
        finding.summary,
        "",
        "Why this difficulty:",
        "",
        *[f"- {r}" for r in finding.reasons],
        "",
        "### 1. Find the definition" if finding.status == "todo" else "### The definition",
        "",
        f"{where}:",
        "",
        *_c_block(analysis.definition_text(uop)),
        "",
    ]
    if finding.evidence:
        out += ["The lines that decide this task:", ""]
        out += [f"- line {e.line}: `{e.text}`" + (f" ({e.note})" if e.note else "") for e in finding.evidence]
        out.append("")
    if finding.status != "todo":
        out += _settled(finding, uop, tests)
        return "\n".join(out)
    steps = list(campaign.guide_steps(finding, analysis))
    out += render_steps(steps, 2)
    step = 2 + len(steps)
    out += [
        f"### {step}. Regenerate the generated cases",
        "",
        "Run `make regen-cases` from the top of the CPython checkout, rebuild with "
        "`./configure --enable-experimental-jit && make -j`, and check that "
        "`Python/generated_cases.c.h` and `Python/executor_cases.c.h` changed as you expect.",
        "",
    ]
    step += 1
    out += [f"### {step}. Test it", "", *_nearest_tests(finding, uop, tests, example, campaign.test_hint), ""]
    step += 1
    verb = campaign.pr_verb
    out += [
        f"### {step}. Open the pull request",
        "",
        f"Title it `{campaign.issue}: {verb} {finding.name}` (CPython's convention is `gh-NNNNNN: summary`), "
        "add a NEWS entry with `blurb` if a maintainer asks for one, and paste the PR URL into your claim.",
        "",
    ]
    if example is not None:
        lead, after_label = campaign.example_labels
        out += [
            "### Worked example",
            "",
            f"`{example.name}` had the same shape and {example_lead(lead, snapshots)}",
            "",
            *_c_block(example.before_text),
            "",
            after_label,
            "",
            *_c_block(example.after_text),
            "",
        ]
    return "\n".join(out)


def _settled(finding: Finding, uop: InstDef, tests: TestOptIndex | None) -> list[str]:
    """The end of the guide for a task that needs no work: ``done`` or ``not_applicable``."""
    if finding.status == "done":
        lines = [
            "### Nothing left to do",
            "",
            "This task is done in this snapshot; the lines above show how. It is a good model for the open "
            "tasks of the same shape.",
            "",
        ]
    else:
        lines = ["### Nothing to do", "", "This campaign does not apply to this definition.", ""]
    covered = [t for name in (uop.name, uop.tier2_name) for t in tests.tests_for(name)] if tests else []
    if tests is not None and covered:
        best = covered[0]
        lines += [
            f"`{best.test_class}.{best.test_name}` (line {best.line}) asserts on it: `{tests.command(best)}`.",
            "",
        ]
    return lines
