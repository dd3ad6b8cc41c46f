"""Catalogue test data: users of the municipal center, valid item input, and versions in any state.

`published(...)` builds a published version straight in the tables (items first, then the status),
for tests that need history without going through the maker–checker services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue.excel import header
from sheyin.catalogue.models import CatalogueVersion, ServiceItem
from sheyin.catalogue.validation import FIELDS
from sheyin.catalogue.workflow import Status
from sheyin.institutions.tests.factories import municipal

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shanghai(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def officer(**kw: Any) -> Any:
    return user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal(), **kw)


def admin(**kw: Any) -> Any:
    return user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal(), **kw)


def item_data(**overrides: Any) -> dict[str, Any]:
    """Valid input for item_create (as the item form's cleaned_data)."""
    data: dict[str, Any] = {
        "code": "SY-Q-101",
        "name": "测试查询事项",
        "category": "query",
        "audience": "individual",
        "channels": ["T", "O", "W"],
        "materials": "居民身份证",
        "legal_basis": "《中华人民共和国社会保险法》",
        "time_limit_days": 0,
        "risk": "low",
        "needs_card_machine": False,
        "guide": "<p>在自助终端办理。</p>",
    }
    data.update(overrides)
    return data


def row(**overrides: Any) -> dict[str, Any]:
    """One stored item's fields (channels as letters)."""
    data = item_data(**overrides)
    if isinstance(data["channels"], list):
        data["channels"] = "".join(data["channels"])
    return data


def version(
    number: int, status: str = Status.DRAFT, items: list[dict[str, Any]] | None = None, **kw: Any
) -> CatalogueVersion:
    """A version with the given items, put into `status` after the items are written (as the services do)."""
    v = CatalogueVersion.objects.create(number=number, status=Status.DRAFT, **kw)
    for data in items or []:
        ServiceItem.objects.create(version=v, **data)
    if status != Status.DRAFT:
        CatalogueVersion.objects.filter(pk=v.pk).update(status=status)
        v.refresh_from_db()
    return v


def published(
    number: int, effective_from: dt.datetime, items: list[dict[str, Any]] | None = None, **kw: Any
) -> CatalogueVersion:
    v = version(number, items=items, **kw)
    CatalogueVersion.objects.filter(pk=v.pk).update(
        status=Status.PUBLISHED, effective_from=effective_from, published_at=effective_from
    )
    v.refresh_from_db()
    return v


def xlsx(rows: list[list[Any]], headers: list[str] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers or [header(f) for f in FIELDS])
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def sheet_row(**overrides: Any) -> list[Any]:
    """One valid import row, in the template's column order."""
    values: dict[str, Any] = {
        "code": "SY-Q-201",
        "name": "导入测试事项",
        "category": "查询打印",
        "audience": "个人",
        "channels": "T,O,W",
        "materials": "居民身份证",
        "legal_basis": "《中华人民共和国社会保险法》",
        "time_limit_days": 0,
        "risk": "低",
        "needs_card_machine": "否",
        "guide": "在自助终端办理。",
    }
    values.update(overrides)
    return [values[f] for f in FIELDS]
