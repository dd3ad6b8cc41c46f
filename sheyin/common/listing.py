"""List pages: search, filters, pagination and Excel export over an already-scoped queryset."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

PAGE_SIZE = 20
EXPORT_LIMIT = 50_000


@dataclass
class Column:
    label: Any
    value: Callable[[Any], Any]


@dataclass
class ListSpec:
    search_fields: Sequence[str] = ()
    filters: dict[str, str] = field(default_factory=dict)  # GET parameter -> lookup
    order_by: Sequence[str] = ("-pk",)


def apply(qs: QuerySet, request: HttpRequest, spec: ListSpec) -> QuerySet:
    q = request.GET.get("q", "").strip()[:100]
    if q and spec.search_fields:
        cond = Q()
        for f in spec.search_fields:
            cond |= Q(**{f"{f}__icontains": q})
        qs = qs.filter(cond)
    for param, lookup in spec.filters.items():
        value = request.GET.get(param, "").strip()
        if value:
            qs = qs.filter(**{lookup: value})
    return qs.order_by(*spec.order_by)


def paginate(qs: QuerySet, request: HttpRequest, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def xlsx_response(filename: str, title: str, columns: Sequence[Column], rows: Any) -> HttpResponse:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=str(title)[:31])
    header = []
    for col in columns:
        header.append(str(col.label))
    ws.append(header)
    for i, obj in enumerate(rows):
        if i >= EXPORT_LIMIT:
            break
        ws.append([_cell(col.value(obj)) for col in columns])
    buf = io.BytesIO()
    wb.save(buf)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    resp = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    resp["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
    return resp


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


BOLD = Font(bold=True)
