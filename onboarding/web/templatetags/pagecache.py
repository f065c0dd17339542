"""``{% memoize %}``: a template fragment rendered once per data version (signed-in pages too).

Usage::

    {% load pagecache %}
    {% memoize "task-list" request.get_full_path %} ... {% endmemoize %}

The first argument names the fragment; the others are the values it varies on apart from the
data (a query string, a campaign's slug, a contributor's id when the fragment lists *their*
rows). The rendered HTML is kept by `onboarding.web.pagecache.memoize`, so it is rebuilt after
every write to the site's data and never served stale. Like Django's ``{% cache %}`` tag, the
fragment must not show anything about the person looking that is not among the vary-on values:
no ``user``, no ``{% csrf_token %}``, no flash messages. Nothing inside the fragment is
evaluated on a hit (the view's lazy context, e.g. a callable or a queryset, costs nothing).
"""

from __future__ import annotations

import json

from django import template
from django.template.base import FilterExpression, Node, NodeList, Parser, Token
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from onboarding.web.pagecache import memoize

register = template.Library()


class MemoizeNode(Node):
    def __init__(self, nodelist: NodeList, name: FilterExpression, vary_on: list[FilterExpression]) -> None:
        self.nodelist = nodelist
        self.name = name
        self.vary_on = vary_on

    def render(self, context: Context) -> SafeString:
        parts = [str(self.name.resolve(context)), *(str(value.resolve(context)) for value in self.vary_on)]
        html = memoize("fragment:" + json.dumps(parts), lambda: str(self.nodelist.render(context)))
        return mark_safe(html)


@register.tag("memoize")
def do_memoize(parser: Parser, token: Token) -> MemoizeNode:
    """``{% memoize NAME [VARY_ON ...] %}...{% endmemoize %}`` (see the module docstring)."""
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError(f"{bits[0]!r} tag needs a fragment name")
    nodelist = parser.parse(("endmemoize",))
    parser.delete_first_token()
    return MemoizeNode(nodelist, parser.compile_filter(bits[1]), [parser.compile_filter(bit) for bit in bits[2:]])
