"""Display helpers for catalogue pages: labels instead of codes, and colour that is never alone."""

from __future__ import annotations

from typing import Any

from django import template

from sheyin.catalogue.choices import Channel
from sheyin.catalogue.diff import display, field_label, line_changes

register = template.Library()

PHASE_CLASS = {
    "draft": "secondary",
    "in_review": "warning",
    "scheduled": "info",
    "in_force": "success",
    "superseded": "light",
    "discarded": "light",
}
CHANNEL_ICON = {"T": "display", "O": "pc-display", "W": "person-workspace"}


@register.filter
def phase_class(value: Any) -> str:
    return PHASE_CLASS.get(str(value), "secondary")


@register.filter
def show(value: Any, field: str) -> str:
    return display(field, value)


@register.filter
def label_of(field: str) -> str:
    return field_label(field)


@register.filter
def channel_items(value: str) -> list[dict[str, str]]:
    """[{code, label, icon}] for each channel letter, for badges that carry text and an icon."""
    return [
        {"code": c, "label": str(Channel(c).label), "icon": CHANNEL_ICON[c]}
        for c in value or ""
        if c in CHANNEL_ICON
    ]


@register.simple_tag
def materials_change(old: str, new: str) -> dict[str, list[str]]:
    removed, added = line_changes(old, new)
    return {"removed": removed, "added": added}


@register.filter
def sanitised(value: str) -> str:
    """Guides are sanitised when written; sanitising again on output costs little and guards old rows."""
    from django.utils.safestring import mark_safe

    from sheyin.catalogue.richtext import sanitise

    return mark_safe(sanitise(value))  # sanitised by nh3 just above
