"""Syntax highlighting of a task's definition with pygments (C lexer), evidence lines marked."""

from __future__ import annotations

from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import CLexer

from onboarding.campaigns.models import Task

#: The pygments style; web/static/web/pygments.css is generated from it (see `pygments_css`).
PYGMENTS_STYLE = "default"
#: The style for dark mode; web/static/web/pygments-dark.css (see `pygments_css`).
PYGMENTS_DARK_STYLE = "github-dark"


def _formatter(style: str = PYGMENTS_STYLE, **options: object) -> HtmlFormatter:  # type: ignore[type-arg]
    return HtmlFormatter(style=style, cssclass="highlight", wrapcode=True, **options)


def highlight_definition(task: Task) -> str:
    """The task's stored definition as HTML, numbered from ``task.line``, evidence lines highlighted."""
    if not task.definition:
        return ""
    evidence_lines = sorted(
        {
            e["line"] - task.line + 1
            for e in task.evidence
            if e.get("file") == task.file and task.line <= e.get("line", 0) <= task.end_line
        }
    )
    formatter = _formatter(linenos="inline", linenostart=task.line, hl_lines=evidence_lines)
    return str(highlight(task.definition, CLexer(), formatter))


def pygments_css(*, dark: bool = False) -> str:
    """The stylesheet for `highlight_definition`'s HTML (regenerate pygments.css with it).

    ``dark=True`` gives the dark-mode sheet (pygments-dark.css, loaded for
    ``prefers-color-scheme: dark``).
    """
    return str(_formatter(PYGMENTS_DARK_STYLE if dark else PYGMENTS_STYLE).get_style_defs(".highlight"))
