from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def distance(metres: float | int | None) -> str:
    """850 米 / 1.2 公里 (metres under a kilometre, kilometres with one decimal above)."""
    if metres is None:
        return ""
    m = float(metres)
    if m < 1000:
        return _("%(m)d 米") % {"m": round(m)}
    return _("%(km).1f 公里") % {"km": m / 1000}


@register.filter
def filesize(n: int | None) -> str:
    n = int(n or 0)
    if n >= 1024 * 1024:
        return f"{n / 1048576:.1f} MB"
    return f"{max(1, round(n / 1024))} KB"


@register.simple_tag(takes_context=True)
def elderly(context: template.Context) -> bool:
    request = context.get("request")
    return bool(request is not None and request.COOKIES.get("sheyin_elderly") == "1")


@register.filter
def district_label(code: str, fallback: str = "") -> str:
    """A district's name in the current language (the registry stores the Chinese name)."""
    from django.utils.translation import get_language

    from sheyin.common.geo import districts

    d = districts().get(str(code))
    if d is None:
        return fallback or str(code)
    return d.name_en if (get_language() or "").startswith("en") else d.name


@register.simple_tag
def district_name_map() -> dict[str, str]:
    """Chinese district name → name in the current language, for the map's labels (ECharts nameMap)."""
    from django.utils.translation import get_language

    from sheyin.common.geo import districts

    english = (get_language() or "").startswith("en")
    return {d.name: (d.name_en if english else d.name) for d in districts().values()}
