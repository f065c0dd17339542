"""Template filters of the site."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_BACKTICKS = re.compile(r"`([^`\n]+)`")


@register.filter
def inline_code(text: str) -> SafeString:
    """Escape ``text`` and turn the analyzer's Markdown-style `backticks` into <code> elements."""
    return mark_safe(_BACKTICKS.sub(r"<code>\1</code>", escape(text)))
