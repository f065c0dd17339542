"""Template filters of the site."""

from __future__ import annotations

import datetime as dt
import re

from django import template
from django.conf import settings
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


@register.simple_tag
def source_repository_url() -> str:
    """The project's source repository (``settings.SOURCE_REPOSITORY_URL``), or ``""`` when unset."""
    return str(getattr(settings, "SOURCE_REPOSITORY_URL", ""))


@register.filter
def timeuntil_or_ago(when: object) -> str:
    """``"in 3 days"`` for a future datetime, ``"2 hours ago"`` for a past one (Django's timesince)."""
    from django.utils import timezone
    from django.utils.timesince import timesince, timeuntil

    if not isinstance(when, dt.datetime):
        return ""
    return f"in {timeuntil(when)}" if when > timezone.now() else f"{timesince(when)} ago"


#: The keyword that opens a DSL definition (after any annotations such as ``pure`` or ``override``).
_DEFINITION_KEYWORD = re.compile(r"^\s*(?:\w+(?:\([^)]*\))?\s+)*?(inst|op|macro|pseudo|family|label)\s*\(")


@register.filter
def definition_kind(task: object) -> str:
    """The kind the task's stored definition code shows (``op`` for ``op(_BINARY_SLICE, ...)``).

    A macro's task shows the code of its uop, an ``op``; the label must say what the code
    shows. Falls back to ``task.kind`` when the definition is empty or not recognised.
    """
    definition = str(getattr(task, "definition", "") or "")
    match = _DEFINITION_KEYWORD.match(definition)
    return match.group(1) if match else str(getattr(task, "kind", ""))


@register.filter
def change_date(change: object) -> object:
    """A status change's date: its snapshot's date when a scan made it, else when it happened."""
    from onboarding.campaigns.selectors import change_date as selector

    return selector(change)  # type: ignore[arg-type]
