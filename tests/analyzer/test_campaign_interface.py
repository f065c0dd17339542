"""The campaign interface: a campaign defined here, registered for one test, runs through the
generic findings, mega-issue, guide and history code (analyzer/campaigns/base.py)."""

from __future__ import annotations

import dataclasses
import inspect
import io
import re
import tokenize
from pathlib import Path

import pytest

from analyzer.analysis import Analysis, analyze_tree
from analyzer.campaigns import REGISTRY, get, run_all
from analyzer.campaigns.base import Campaign, Code, Evidence, Finding, GuideStep, Paragraph, make_evidence, make_finding
from analyzer.history import Conversion, conversions_between, worked_example
from analyzer.markdown import render_guide, render_megaissue
from analyzer.source import Source, SourceTree
from tests.conftest import ROOT

OLD = """// BEGIN BYTECODES //
        op(_GUARD_A, (value -- value)) {
            DEOPT_IF(!PyLong_CheckExact(value));
        }
        op(_GUARD_B, (value -- value)) {
            // DEOPT_IF(x) in a comment is no guard
            DEOPT_IF(value == NULL);
        }
        op(_PLAIN, (value -- res)) {
            res = value;
        }
        macro(A) = _GUARD_A + _PLAIN;
// END BYTECODES //
"""
NEW = OLD.replace("DEOPT_IF(!PyLong", "EXIT_IF(!PyLong")


def tree_of(text: str) -> Analysis:
    return analyze_tree(SourceTree(None, Source.from_text(text, name="Python/bytecodes.c"), None, None))


def find_guards(analysis: Analysis) -> list[Finding]:
    """todo: a uop that deopts (``DEOPT_IF``); done: one that side-exits (``EXIT_IF``)."""
    found = []
    for op in analysis.ops.values():
        code = re.sub(r"//[^\n]*", "", op.code)
        status = "todo" if "DEOPT_IF(" in code else "done" if "EXIT_IF(" in code else "not_applicable"
        evidence = tuple(
            Evidence(op.file, op.body_line + i, text.strip(), "guard")
            for i, text in enumerate(code.split("\n"))
            if "_IF(" in text
        )
        found.append(
            Finding(
                campaign="tiny",
                name=op.name,
                kind=op.kind,
                status=status,
                file=op.file,
                line=op.line,
                end_line=op.end_line,
                difficulty="easy",
                reasons=("one guard",),
                evidence=evidence,
                uop=op.name,
                summary=f"`{op.name}` {status}",
            )
        )
    return found


def steps(finding: Finding, analysis: Analysis) -> list[GuideStep]:
    return [
        GuideStep("Turn the deopt into a side exit", (Paragraph("Replace `DEOPT_IF` with `EXIT_IF`:"),)),
        GuideStep("Check the stats", (Code(f"./python -X uops {finding.name}", "sh"),)),
    ]


def pick_last(finding: Finding, analysis: Analysis, conversions: object) -> Conversion | None:
    found = sorted(conversions, key=lambda c: c.name)  # type: ignore[attr-defined]
    return found[-1] if found else None


TINY = Campaign(
    slug="tiny",
    title="Side exits instead of deopts",
    issue="gh-1",
    summary="Guards that deopt.",
    find=find_guards,
    intro="A campaign defined inside a test.",
    guide_steps=steps,
    pr_verb="Use a side exit in",
    how_to=("Read the guide.", "Edit the guard."),
    example_texts=lambda old, new, before, after: (f"old {before.uop}", f"new {after.uop}"),
    example_labels=("became a side exit. Was:", "Is:"),
    choose_example=pick_last,
)


@pytest.fixture
def tiny(monkeypatch: pytest.MonkeyPatch) -> Campaign:
    monkeypatch.setitem(REGISTRY, "tiny", TINY)
    return TINY


def test_a_registered_campaign_runs_with_the_others(tiny):
    results = run_all(tree_of(OLD))
    assert "tiny" in results and get("tiny") is tiny
    statuses = {f.name: f.status for f in results["tiny"].findings}
    assert statuses == {"_GUARD_A": "todo", "_GUARD_B": "todo", "_PLAIN": "not_applicable"}


def test_the_generic_megaissue_renders_its_intro_how_to_and_checklist(tiny):
    text = render_megaissue(run_all(tree_of(OLD), ["tiny"])["tiny"])
    assert text.startswith("# Side exits instead of deopts (gh-1)\n\nA campaign defined inside a test.\n")
    assert "2. Read the guide.\n3. Edit the guard.\n4. Open a pull request whose title starts with `gh-1: `" in text
    assert "- [ ] `_GUARD_A` · easy · `Python/bytecodes.c#L2-L4` <!-- task:tiny:_GUARD_A -->" in text
    assert "_PLAIN`" not in text


def test_the_generic_guide_numbers_the_campaigns_steps_and_uses_its_example(tiny):
    old, new = tree_of(OLD), tree_of(NEW)
    conversions = conversions_between(old, new, "tiny")
    assert [(c.name, c.before_text, c.after_text) for c in conversions] == [
        ("_GUARD_A", "old _GUARD_A", "new _GUARD_A")
    ]
    finding = next(f for f in run_all(new, ["tiny"])["tiny"].findings if f.name == "_GUARD_B")
    example = worked_example(finding, new, conversions)
    assert example is conversions[0]
    guide = render_guide(finding, new, example=example)
    assert "### 2. Turn the deopt into a side exit\n\nReplace `DEOPT_IF` with `EXIT_IF`:\n" in guide
    assert "### 3. Check the stats\n\n```sh\n./python -X uops _GUARD_B\n```\n" in guide
    assert "### 4. Regenerate the generated cases" in guide and "### 5. Test it" in guide
    assert "Title it `gh-1: Use a side exit in _GUARD_B`" in guide
    assert "`_GUARD_A` had the same shape and became a side exit. Was:\n\n```c\nold _GUARD_A\n```\n\nIs:\n" in guide
    # Only the code line is evidence: the comment above it never matches.
    assert "- line 7: `DEOPT_IF(value == NULL);` (guard)" in guide and "line 6" not in guide


def test_the_worked_example_names_its_snapshots_even_in_a_campaigns_own_words(tiny):
    old, new = tree_of(OLD), tree_of(NEW)
    finding = next(f for f in run_all(new, ["tiny"])["tiny"].findings if f.name == "_GUARD_B")
    example = worked_example(finding, new, conversions_between(old, new, "tiny"))

    guide = render_guide(finding, new, example=example, snapshots=("3.15a-2026-02", "main-2026-06"))

    # The tiny campaign's lead does not say "between the two scanned snapshots": the names are added.
    assert (
        "`_GUARD_A` had the same shape and became a side exit. Was (between `3.15a-2026-02` and `main-2026-06`):"
        in guide
    )


def _string_literals(path) -> set[str]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {t.string.strip("\"'") for t in tokens if t.type == tokenize.STRING}


def test_no_campaign_slug_is_a_string_literal_outside_its_module_and_the_registry():
    own = {ROOT / "analyzer" / "campaigns" / "__init__.py"}
    for campaign in REGISTRY.values():
        module = Path(inspect.getsourcefile(campaign.find) or "")
        # A campaign is a module of analyzer/campaigns/ or a package there (refcount/).
        own |= {module} if module.parent.name == "campaigns" else set(module.parent.glob("*.py"))
    # Demo seed data names real campaigns on purpose (the PRs it invents belong to them).
    data = {ROOT / "onboarding" / "leaderboard" / "demo.py"}
    code = [p for d in ("analyzer", "onboarding") for p in (ROOT / d).rglob("*.py") if "migrations" not in p.parts]
    offenders = [
        (str(p.relative_to(ROOT)), slug)
        for p in code
        if p not in own | data
        for slug in REGISTRY.keys() & _string_literals(p)
    ]
    # Words that are not campaign slugs there: report.py's JSON names the optimizer_bytecodes.c
    # source file "optimizer" (README, schema 1); the bus factor names PEP 836's "optimizer" stage.
    homonyms = {("analyzer/report.py", "optimizer"), ("onboarding/contributors/busfactor.py", "optimizer")}
    assert [o for o in offenders if o not in homonyms] == []


def test_findings_and_evidence_stay_frozen_dataclasses_with_their_own_init():
    """Finding and Evidence use the model's cheaper __init__ (analyzer.model.direct_slot_init):
    same parameters and defaults, and still frozen, comparable, hashable and replaceable."""
    for cls in (Finding, Evidence):
        params = list(inspect.signature(cls).parameters.values())
        assert [(p.name, p.default) for p in params] == [
            (f.name, inspect.Parameter.empty if f.default is dataclasses.MISSING else f.default)
            for f in dataclasses.fields(cls)
        ]
    evidence = Evidence("Python/bytecodes.c", 3, "op(_X, (--))")
    assert evidence.note == "" and evidence == Evidence("Python/bytecodes.c", 3, "op(_X, (--))")
    assert hash(evidence) == hash(Evidence("Python/bytecodes.c", 3, "op(_X, (--))"))
    finding = Finding("c", "X", "op", "todo", "f", 1, 2, "easy", ("r",), (evidence,), "_X")
    assert (finding.family, finding.summary, finding.macros, finding.impact) == (None, "", (), None)
    assert dataclasses.replace(finding, impact=0.5).impact == 0.5 and finding.impact is None
    assert dataclasses.asdict(evidence) == {"file": "Python/bytecodes.c", "line": 3, "text": "op(_X, (--))", "note": ""}
    with pytest.raises(dataclasses.FrozenInstanceError):
        finding.status = "done"  # type: ignore[misc]


def test_make_finding_and_make_evidence_are_the_classes_with_the_same_parameters():
    """`make_finding` and `make_evidence` (the campaigns' cheaper constructors) take the classes'
    parameters and make the same frozen values."""
    ours = [(p.name, p.default) for p in inspect.signature(make_finding).parameters.values()]
    assert ours == [(p.name, p.default) for p in inspect.signature(Finding).parameters.values()]
    args = ("c", "X", "op", "todo", "f", 1, 2, "easy", ("r",), (), "_X", "FAM", "s", ("M",), 0.5)
    made = make_finding(*args)
    assert made == Finding(*args) and type(made) is Finding and repr(made) == repr(Finding(*args))
    assert [getattr(made, f.name) for f in dataclasses.fields(Finding)] == list(args)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.status = "done"  # type: ignore[misc]
    params = [(p.name, p.default) for p in inspect.signature(make_evidence).parameters.values()]
    assert params == [(p.name, p.default) for p in inspect.signature(Evidence).parameters.values()]
    evidence, reference = make_evidence("f", 3, "x;", "note"), Evidence("f", 3, "x;", "note")
    assert type(evidence) is Evidence and evidence == reference and make_evidence("f", 3, "x;").note == ""
    assert hash(evidence) == hash(reference) and repr(evidence) == repr(reference)
