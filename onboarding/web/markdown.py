"""Markdown to HTML for the site (guides, mega-issue preview): markdown-it-py with pygments.

The same Markdown the analyzer writes for GitHub is shown here; raw HTML in it (the
hidden task IDs) is not rendered, and fenced code is highlighted by pygments.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from mdit_py_plugins.tasklists import tasklists_plugin
from pygments import highlight
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from onboarding.web.highlight import _formatter


def _highlight(code: str, lang: str, attrs: str) -> str:
    del attrs
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        return ""  # markdown-it escapes and wraps it itself
    body = highlight(code, lexer, _formatter(nowrap=True))
    # Starting with "<pre" tells markdown-it to use this as is instead of wrapping it again.
    return f'<pre class="highlight"><code>{body}</code></pre>'


# "gfm-like" (tables, strikethrough, autolinks) with raw HTML off: guides are data, not markup.
_MD = MarkdownIt("gfm-like", {"html": False, "highlight": _highlight, "linkify": True}).use(tasklists_plugin)


#: Hidden bot IDs (``<!-- task:SLUG:NAME -->``) that GitHub hides and this page would show.
_HIDDEN_ID_RE = re.compile(r"\s*<!-- task:[^>]*-->")


def markdown_to_html(text: str) -> str:
    """HTML for ``text`` (GitHub-flavoured Markdown); safe to mark safe: raw HTML is escaped."""
    return _MD.render(_HIDDEN_ID_RE.sub("", text))
