"""Machine and human summaries of an analysis: the JSON contract and the text summary."""

from __future__ import annotations

from analyzer.analysis import Analysis
from analyzer.campaigns import CampaignResult

__all__ = ["JSON_SCHEMA_VERSION", "to_json", "to_text"]

#: Bumped when a key of the JSON output changes meaning or disappears.
JSON_SCHEMA_VERSION = 1


def to_json(analysis: Analysis, results: dict[str, CampaignResult]) -> dict[str, object]:
    """The JSON document of ``python -m analyzer --format json`` (README, "JSON output").

    Shape: ``{"schema": 1, "source": {"bytecodes", "optimizer", "sha256", "optimizer_sha256"},
    "counts": {kind: N}, "warnings": [...], "errors": [...], "campaigns": {slug: {"title",
    "issue", "evaluated", "note", "counts": {status: N}, "findings": [...]}}}``.
    """
    tree = analysis.tree
    return {
        "schema": JSON_SCHEMA_VERSION,
        "source": {
            "bytecodes": tree.bytecodes.path or tree.bytecodes.name,
            "optimizer": (tree.optimizer.path or tree.optimizer.name) if tree.optimizer else None,
            "test_opt": tree.test_opt,
            "sha256": tree.bytecodes.sha256,
            "optimizer_sha256": tree.optimizer.sha256 if tree.optimizer else None,
        },
        "counts": analysis.counts(),
        "warnings": [w.to_dict() for w in analysis.warnings],
        "errors": [e.to_dict() for e in analysis.errors],
        "campaigns": {
            slug: {
                "title": result.campaign.title,
                "issue": result.campaign.issue,
                "evaluated": result.evaluated,
                "note": result.note,
                "counts": {s: result.count(s) for s in ("todo", "done", "not_applicable")},
                "findings": [f.to_dict() for f in result.findings],
            }
            for slug, result in results.items()
        },
    }


def to_text(analysis: Analysis, results: dict[str, CampaignResult]) -> str:
    """A short human summary: definition counts, diagnostics, todo/done per campaign."""
    tree = analysis.tree
    counts = analysis.counts()
    lines = [
        f"{tree.bytecodes.path or tree.bytecodes.name} (sha256 {tree.bytecodes.sha256[:12]})",
        "definitions: " + ", ".join(f"{n} {k}" for k, n in counts.items()),
        f"optimizer: {tree.optimizer.path or tree.optimizer.name} ({len(analysis.optimizer_cases)} cases)"
        if tree.optimizer
        else "optimizer: none (no Python/optimizer_bytecodes.c)",
        f"warnings: {len(analysis.warnings)}, model errors: {len(analysis.errors)}",
    ]
    for slug, result in results.items():
        head = f"{slug} ({result.campaign.issue}, {result.campaign.title}):"
        if not result.evaluated:
            lines.append(f"{head} not evaluated: {result.note}")
            continue
        todo, done = result.count("todo"), result.count("done")
        total = todo + done
        pct = f"{100 * done / total:.0f}%" if total else "n/a"
        lines.append(
            f"{head} {todo} todo, {done} done ({pct} converted), {result.count('not_applicable')} not applicable"
        )
    return "\n".join(lines) + "\n"
