from __future__ import annotations

from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist

from sheyin.cooperation.workflow import EVENT_LABELS
from sheyin.institutions.services import outlet_field_label

register = template.Library()

COLORS = {
    "draft": "secondary",
    "submitted": "warning",
    "returned": "danger",
    "reviewed": "info",
    "reviewing": "info",
    "inspected": "primary",
    "layout_review": "info",
    "rectifying": "warning",
    "approved": "success",
    "accepted": "info",
    "rejected": "danger",
    "withdrawn": "dark",
    "active": "success",
    "expired": "dark",
    "terminated": "dark",
    "cancelled": "dark",
    "completed": "success",
    "pending": "warning",
    "valid": "success",
    "recovered": "danger",
    "proposed": "warning",
    "scheduled": "primary",
    "effective": "danger",
    "closed": "secondary",
    "open": "warning",
    "published": "success",
    "retired": "secondary",
    "applying": "warning",
    "operating": "success",
    "suspended": "secondary",
    "prospect": "light",
    "ended": "dark",
}


@register.filter
def coop_status(value: Any) -> str:
    return COLORS.get(str(value), "secondary")


@register.filter
def event_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


@register.filter
def outlet_field(name: str) -> str:
    """An outlet field's name in the page's language (change requests store the field, not the words)."""
    try:
        return outlet_field_label(name)
    except FieldDoesNotExist:  # a field no longer on the model: its stored name
        return name


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.simple_tag
def verify_path(number: str) -> str:
    """The public plaque verification address (/verify/plaque/<n>/ once mounted)."""
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse("verify:verify_plaque", args=[number])
    except NoReverseMatch:
        return reverse("cooperation:verify_plaque", args=[number])
