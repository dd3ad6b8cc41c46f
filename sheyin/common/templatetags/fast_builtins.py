"""Drop-in replacements for two of Django's built-ins that every list row calls, loaded as template
builtins after Django's own (config/settings/base.py, TEMPLATES), so templates keep writing `{% url %}` and
`|date`. Each takes a fast path only where its output is provably the same as Django's, and otherwise hands
over to Django (docs/decisions/0129-faster-list-rows.md):

- `{% url 'app:detail' obj.pk %}` (or `{% url 'app:list' %}`) reverses a name once per process (and URLconf, script prefix, current
  app) with stand-in numbers, then fills in each row's integers; the first use of every name is checked
  against a real `reverse()` and a name whose converter writes integers differently is never taken fast.
- `|date:"Y-m-d H:i"` and the other fixed numeric formats are `strftime` on the local time Django has
  already converted to; named formats, month names and years before 1000 go to Django's filter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.conf import settings
from django.template import defaultfilters, defaulttags
from django.template.base import Parser, Token
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

# Stand-ins for the integer arguments: equal length, so none is a substring of another, and far beyond
# any primary key this system will see.
_STAND_INS = tuple(str(8_271_605_934_000_000 + i) for i in range(4))
_PATTERNS: dict[tuple[Any, ...], str | None] = {}


def _current_app(context: template.Context) -> str | None:
    request = getattr(context, "request", None)
    current = getattr(request, "current_app", None)
    if current is None:
        current = getattr(getattr(request, "resolver_match", None), "namespace", None)
    return current


def _fill(pattern: str, values: list[int]) -> str:
    for stand_in, value in zip(_STAND_INS, values, strict=False):
        pattern = pattern.replace(stand_in, str(value))
    return pattern


def fast_reverse(view_name: str, args: list[Any], current_app: str | None) -> str | None:
    """The URL of `view_name` with integer `args`, or None where the fast path does not apply."""
    if len(args) > len(_STAND_INS) or any(type(a) is not int or a < 0 for a in args):
        return None
    key = (view_name, len(args), get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), current_app)
    if key not in _PATTERNS:
        try:
            pattern = reverse(view_name, args=list(_STAND_INS[: len(args)]), current_app=current_app)
        except NoReverseMatch:
            pattern = None
        if pattern is not None and any(pattern.count(s) != 1 for s in _STAND_INS[: len(args)]):
            pattern = None
        if pattern is not None and _fill(pattern, args) != reverse(
            view_name, args=args, current_app=current_app
        ):
            pattern = None  # a converter that does not write integers as they are
        _PATTERNS[key] = pattern
    pattern = _PATTERNS[key]
    return None if pattern is None else _fill(pattern, args)


class FastURLNode(defaulttags.URLNode):
    def render(self, context: template.Context) -> str:
        if self.kwargs:
            return super().render(context)
        url = fast_reverse(self.view_name.resolve(context), [a.resolve(context) for a in self.args],
                           _current_app(context))  # fmt: skip
        if url is None:
            return super().render(context)
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser: Parser, token: Token) -> FastURLNode:
    node = defaulttags.url(parser, token)
    node.__class__ = FastURLNode
    return node  # type: ignore[return-value]


_NUMERIC = {
    "Y-m-d H:i": "%Y-%m-%d %H:%M",
    "Y-m-d H:i:s": "%Y-%m-%d %H:%M:%S",
    "Y-m-d": "%Y-%m-%d",
    "m-d H:i": "%m-%d %H:%M",
    "H:i": "%H:%M",
    "Y-m": "%Y-%m",
}


@register.filter(expects_localtime=True, is_safe=False)
def date(value: Any, arg: str | None = None) -> str:
    fmt = _NUMERIC.get(arg or "")
    # A time format on a bare date is Django's to refuse; years before 1000 it pads, strftime does not.
    if fmt is not None and isinstance(value, dt.date) and value.year >= 1000:  # noqa: SIM102
        if isinstance(value, dt.datetime) or "%H" not in fmt:
            return value.strftime(fmt)
    return defaultfilters.date(value, arg)
