"""A month picker drawn as a select in the page's language.

The browser's own `<input type="month">` speaks the browser's language, not the page's ("December 2026"
on a Chinese page); a select of the recent months, labelled with the locale's year-month format, does not.
The submitted value stays `YYYY-MM`, so the views that read it are unchanged.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

register = template.Library()

MONTHS_OFFERED = 36


def recent_months(today: dt.date, count: int = MONTHS_OFFERED) -> list[dt.date]:
    """The first day of this month and of the `count - 1` months before it, newest first."""
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(dt.date(y, m, 1))
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out


@register.simple_tag
def month_select(name: str, selected: dt.date | None, element_id: str = "", classes: str = "") -> str:
    months = recent_months(timezone.localdate())
    chosen = selected.replace(day=1) if selected else months[0]
    if chosen not in months:  # a month older (or later) than the list still shows as chosen
        months.append(chosen)
        months.sort(reverse=True)
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (m.strftime("%Y-%m"), " selected" if m == chosen else "", date_format(m, "YEAR_MONTH_FORMAT"))
            for m in months
        ),
    )
    return format_html(
        '<select class="form-select form-select-sm {}" id="{}" name="{}">{}</select>',
        classes,
        element_id or name,
        name,
        options,
    )
