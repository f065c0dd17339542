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


@register.filter
def breakable(name: str) -> SafeString:
    """Escape a uop or instruction name and let it wrap after each underscore (``<wbr>``).

    ``CALL_METHOD_DESCRIPTOR_FAST_WITH_KEYWORDS`` then wraps between words in a narrow
    table cell instead of mid-word; copying the text gives the name unchanged.
    """
    return mark_safe("_<wbr>".join(escape(part) for part in str(name).split("_")))
