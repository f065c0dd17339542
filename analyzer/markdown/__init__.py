"""Mega-issue Markdown: one renderer for the CLI, the site's download and the API."""

from __future__ import annotations

from analyzer.markdown.guide import render_guide
from analyzer.markdown.megaissue import (
    CPYTHON_REPOSITORY,
    GITHUB_ISSUE_BODY_LIMIT,
    ClaimInfo,
    render_megaissue,
    render_megaissue_parts,
    task_id,
)

__all__ = [
    "CPYTHON_REPOSITORY",
    "GITHUB_ISSUE_BODY_LIMIT",
    "ClaimInfo",
    "render_guide",
    "render_megaissue",
    "render_megaissue_parts",
    "task_id",
]
