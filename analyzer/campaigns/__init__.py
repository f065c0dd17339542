"""Campaign registry: adding a campaign is one module in this package and one entry here."""

from __future__ import annotations

from analyzer.analysis import Analysis
from analyzer.campaigns import decompose, exit_if, optimizer, refcount, tier2_coverage
from analyzer.campaigns.base import Campaign, CampaignResult, Evidence, Finding

__all__ = ["REGISTRY", "Campaign", "CampaignResult", "Evidence", "Finding", "get", "run_all"]

#: Every campaign by slug, in the order reports list them.
REGISTRY: dict[str, Campaign] = {
    c.slug: c
    for c in (
        refcount.CAMPAIGN,
        optimizer.CAMPAIGN,
        exit_if.CAMPAIGN,
        decompose.CAMPAIGN,
        tier2_coverage.CAMPAIGN,
    )
}


def get(slug: str) -> Campaign:
    """The campaign called ``slug``. Raises `KeyError` naming the known slugs."""
    try:
        return REGISTRY[slug]
    except KeyError:
        raise KeyError(f"unknown campaign {slug!r} (known: {', '.join(REGISTRY)})") from None


def run_all(analysis: Analysis, slugs: list[str] | None = None) -> dict[str, CampaignResult]:
    """Run the named campaigns (default: all) on one analysis, keyed by slug."""
    return {slug: get(slug).run(analysis) for slug in (slugs or list(REGISTRY))}
