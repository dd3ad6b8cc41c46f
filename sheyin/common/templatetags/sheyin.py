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
        "completed": "success", "approved": "success", "done": "success", "closed": "success",
        "awaiting_review": "warning", "pending": "warning", "submitted": "warning", "open": "warning",
        "overdue": "danger", "rejected": "danger", "returned": "danger", "draft": "info",
        "cancelled": "secondary", "withdrawn": "secondary",
    }.get(str(value), "secondary")  # fmt: skip


@register.simple_tag(takes_context=True)
def sort_th(context: dict[str, Any], key: str, label: Any, classes: str = "") -> str:
    """A column header of a list: a sort link with an arrow and aria-sort when the list declares `key`
    as sortable (ListSpec.sorts), plain text otherwise."""
    from django.utils.html import format_html

    lq = context.get("list_query")
    cls = format_html(' class="{}"', classes) if classes else ""
    if lq is None or key not in lq.spec.sorts:
        return format_html('<th scope="col"{}>{}</th>', cls, label)
    current = lq.sort
    if current == key:
        state, arrow, nxt = "ascending", "▲", f"-{key}"
    elif current == f"-{key}":
        state, arrow, nxt = "descending", "▼", key
    else:
        state, arrow, nxt = "none", "", key
    params = context["request"].GET.copy()
    params["sort"] = nxt
    params.pop("page", None)
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="link-body-emphasis text-decoration-none" href="?{}">{} '
        '<span aria-hidden="true">{}</span></a></th>',
        state,
        cls,
        params.urlencode(),
        label,
        arrow,
    )
