"""Template helpers of the dashboards: numbers align right in tables, text left."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    """Counts, rates and missing figures ("—") align as numbers; names and labels as text."""
    if value is None or isinstance(value, bool):
        return value is None
    if isinstance(value, int | float):
        return True
    text = str(value)
    return (
        text == "—"
        or text.replace(",", "")
        .replace("%", "")
        .replace("+", "")
        .replace("-", "")
        .replace(".", "", 1)
        .isdigit()
    )
