from __future__ import annotations

import json
from typing import Any

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from sheyin.common.masking import mask_id_number, mask_name, mask_phone
from sheyin.common.nav import NavGroup, menu_html

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


STATUS_CLASS = {
        "operating": "success", "active": "success", "success": "success", "accepted": "info",
        "applying": "warning", "suspended": "secondary", "terminated": "dark", "ended": "dark",
        "failure": "danger", "denied": "danger", "prospect": "light",
        "completed": "success", "approved": "success", "done": "success", "closed": "success",
        "awaiting_review": "warning", "pending": "warning", "submitted": "warning", "open": "warning",
        "overdue": "danger", "rejected": "danger", "returned": "danger", "draft": "info",
        "cancelled": "secondary", "withdrawn": "secondary", "proposed": "warning",
        "queued": "info", "running": "warning", "failed": "danger", "confirmed": "success",
        "assigned": "info", "in_progress": "warning", "resolved": "success", "filed": "success",
        "revoked": "dark", "expired": "secondary", "signed": "success", "handed_over": "info",
}  # fmt: skip
# Bootstrap's light and warning badges need dark text (colour contrast, WCAG 2.1 AA).
DARK_TEXT = {"light", "warning", "info"}


# What Django's json_script escapes: no `</script>` or `<!--` can appear inside the element.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def data_json(value: Any, element_id: str) -> str:
    """`json_script` for large data (a dashboard's thousands of map points): the same escaping of `<`, `>`
    and `&`, but Chinese kept as UTF-8 and no spaces, so the page carries about half the bytes (a name is
    3 bytes a character instead of 6 as an escape) and is encoded faster."""
    text = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return format_html(
        '<script id="{}" type="application/json">{}</script>',
        element_id,
        mark_safe(text.translate(_SCRIPT_ESCAPES)),
    )


@register.filter
def status_class(value: str) -> str:
    """The one status → colour map of every list and page (issue 18 item 3)."""
    return STATUS_CLASS.get(str(value), "secondary")


@register.simple_tag
def status_tag(value: Any, label: Any = "") -> str:
    """A status badge in the colour of `status_class`: `{% status_tag obj.status obj.get_status_display %}`."""
    colour = status_class(str(value))
    return format_html('<span class="badge text-bg-{}">{}</span>', colour, label or value)


@register.inclusion_tag("includes/scope_filters.html", takes_context=True)
def scope_filters(context: dict[str, Any]) -> dict[str, Any]:
    """The district, bank and outlet selects of a list's filter form, only those the user's scope makes
    meaningful (more than one record to choose from). They depend on each other: the banks offered are
    those with outlets in the chosen district, the outlets those of the chosen district and bank
    (static/sheyin/filters.js refreshes them as the choice changes; without script, submitting does)."""
    lq = context.get("list_query")
    if lq is None:
        return {"selects": []}
    return {"selects": [(f, lq.scope_options(f.name)) for f in lq.scope_fields]}


@register.simple_tag(takes_context=True)
def sort_th(context: dict[str, Any], key: str, label: Any, classes: str = "") -> str:
    """A column header of a list: a sort link with an arrow and aria-sort when the list declares `key`
    as sortable (ListSpec.sorts), plain text otherwise."""
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
        state, arrow, nxt = "none", "⇅", key  # a faint mark: this column can be sorted
    params = context["request"].GET.copy()
    params["sort"] = nxt
    params.pop("page", None)
    return format_html(
        '<th scope="col" aria-sort="{}"{}><a class="link-body-emphasis text-decoration-none text-nowrap" href="?{}">{} '
        '<span class="{}" aria-hidden="true">{}</span></a></th>',
        state,
        cls,
        params.urlencode(),
        label,
        "text-body-secondary small" if state == "none" else "",
        arrow,
    )


@register.simple_tag
def nav_menu(groups: list[NavGroup] | None) -> str:
    """The shell's menu groups (drawn once per distinct menu and language: common/nav.py)."""
    return menu_html(groups or [])
