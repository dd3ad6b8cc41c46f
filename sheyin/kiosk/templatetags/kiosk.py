from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals and thousands separators; 0 as "-"."""
    if not fen:
        return "-"
    return f"{fen // 100:,}.{fen % 100:02d}"


@register.filter
def yuan0(fen: int | None) -> str:
    if not fen:
        return "-"
    return f"{fen // 100:,}"


@register.simple_tag
def kiosk_idle_seconds() -> int:
    from sheyin.kiosk.services import idle_seconds

    return idle_seconds()
