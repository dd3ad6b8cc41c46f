"""The one spreadsheet writer every export goes through (Excel and CSV).

Whatever a cell holds is data, never a formula and never markup: text that a spreadsheet would read as a
formula (a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return, the OWASP CSV-injection list) is
written as a string cell (``data_type`` "s"; in CSV, prefixed with a single quote), and the control
characters XML forbids are removed, so a stored value can never break an export. Header rows are bold,
filled and frozen; file names are sent in Chinese (RFC 5987) with an ASCII fallback.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl refuses them with IllegalCharacterError).
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_ALIGN = Alignment(vertical="center", wrap_text=True)
MIN_WIDTH, MAX_WIDTH = 8, 60


def clean_text(value: str) -> str:
    return ILLEGAL.sub("", value)


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_START)


def plain(value: Any) -> Any:
    """A value a cell can hold: None as empty, aware datetimes in local time, text cleaned, the rest as
    text."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal):
        return value
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date | dt.time):
        return value
    return clean_text(str(value))


def cell(ws: Any, value: Any, *, header: bool = False) -> WriteOnlyCell:
    """A write-only cell for `ws.append()`: text stays text."""
    v = plain(value)
    c = WriteOnlyCell(ws, value=v)
    if isinstance(v, str):
        c.data_type = "s"  # openpyxl turns a leading '=' into a formula otherwise
    if header:
        c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    return c


def put(ws: Any, row: int, column: int, value: Any) -> Any:
    """Set one cell of an ordinary (not write-only) worksheet; text stays text."""
    c = ws.cell(row=row, column=column)
    v = plain(value)
    c.value = v
    if isinstance(v, str):
        c.data_type = "s"
    return c


def style_header(ws: Any, row: int = 1) -> None:
    """Bold, filled header row, frozen below it (ordinary worksheets)."""
    for c in ws[row]:
        c.font, c.fill, c.alignment = HEADER_FONT, HEADER_FILL, HEADER_ALIGN
    ws.freeze_panes = ws.cell(row=row + 1, column=1).coordinate


def width_for(text: Any) -> float:
    s = str(text or "")
    units = sum(2 if ord(ch) > 0x2E7F else 1 for ch in s)  # CJK characters take two columns
    return float(max(MIN_WIDTH, min(MAX_WIDTH, units + 2)))


def set_widths(ws: Any, header: Sequence[Any], samples: Iterable[Sequence[Any]] = ()) -> None:
    widths = [width_for(h) for h in header]
    for row in samples:
        for i, v in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], width_for(v if not isinstance(v, dt.datetime) else "2026-01-01 00:00"))
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w


def write_sheet(wb: Workbook, title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> int:
    """One sheet of a write-only workbook: the formatted, frozen header and the rows. Column widths come
    from the header and the first rows. Returns the number of rows written."""
    ws = wb.create_sheet(title=clean_text(str(title))[:31] or "Sheet")
    it = iter(rows)
    head: list[Sequence[Any]] = []
    for row in it:
        head.append([plain(v) for v in row])
        if len(head) >= 50:
            break
    set_widths(ws, [str(h) for h in header], head)
    ws.freeze_panes = "A2"
    ws.append([cell(ws, str(h), header=True) for h in header])
    n = 0
    for row in head:
        ws.append([cell(ws, v) for v in row])
        n += 1
    for row in it:
        ws.append([cell(ws, v) for v in row])
        n += 1
    return n


def workbook_bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def xlsx_bytes(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    wb = Workbook(write_only=True)
    write_sheet(wb, title, header, rows)
    return workbook_bytes(wb)


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with BOM (Excel opens it in Chinese); formula-like text prefixed with a quote (OWASP)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([csv_value(h) for h in header])
    for row in rows:
        w.writerow([csv_value(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def csv_value(value: Any) -> Any:
    v = plain(value)
    if isinstance(v, str) and is_formula_like(v):
        return "'" + v
    return v


def content_disposition(name: str, fallback: str, ext: str, *, inline: bool = False) -> str:
    """`attachment; filename="fallback.ext"; filename*=UTF-8''名称.ext` (RFC 6266/5987)."""
    safe_fallback = re.sub(r"[^A-Za-z0-9._-]+", "-", fallback).strip("-") or "export"
    full = clean_text(name).replace("/", "-").replace("\\", "-")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{safe_fallback}.{ext}\"; filename*=UTF-8''{quote(full + '.' + ext, safe='')}"


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def file_response(body: bytes, *, name: str, fallback: str, ext: str = "xlsx") -> HttpResponse:
    content_type = XLSX_TYPE if ext == "xlsx" else ("text/csv; charset=utf-8" if ext == "csv" else ext)
    resp = HttpResponse(body, content_type=content_type)
    resp["Content-Disposition"] = content_disposition(name, fallback, ext)
    resp["Cache-Control"] = "private, no-store"
    return resp


def append(ws: Any, values: Sequence[Any]) -> None:
    """`ws.append()` for an ordinary worksheet through the same rules: text stays text, cleaned."""
    ws.append([plain(v) for v in values])
    for c in ws[ws.max_row]:
        if isinstance(c.value, str):
            c.data_type = "s"
