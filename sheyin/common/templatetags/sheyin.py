from __future__ import annotations

from typing import Any

from django import template

from sheyin.common.masking import mask_id_number, mask_name, mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        params[key] = value
    return params.urlencode()


register.filter("mask_id", mask_id_number)
register.filter("mask_phone", mask_phone)
register.filter("mask_name", mask_name)


@register.filter
def status_class(value: str) -> str:
    return {
        "operating": "success", "active": "success", "success": "success", "accepted": "info",
        "applying": "warning", "suspended": "secondary", "terminated": "dark", "ended": "dark",
        "failure": "danger", "denied": "danger", "prospect": "light",
    }.get(str(value), "secondary")  # fmt: skip
