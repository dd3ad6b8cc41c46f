"""Read-only catalogue API for banks' systems and the public (R5.2, R10.3): the version in force at an
instant, its items, and the history of published versions. There is deliberately no write operation:
versions change only through the maker–checker pages, and a published version never changes."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema

from sheyin.api.schemas import IsoDateTime

from . import selectors
from .models import CatalogueVersion, ServiceItem

router = Router(tags=["catalogue"])


class VersionOut(Schema):
    number: int
    effective_from: dt.datetime
    published_at: dt.datetime
    summary: str


class ItemOut(Schema):
    code: str
    name: str
    category: str
    audience: str
    channels: list[str]
    materials: list[str]
    legal_basis: str
    time_limit_days: int
    risk: str
    needs_card_machine: bool
    guide_html: str


class CatalogueOut(Schema):
    version: VersionOut
    items: list[ItemOut]


def _version(v: CatalogueVersion) -> VersionOut:
    assert v.effective_from is not None and v.published_at is not None  # published versions have both
    return VersionOut(
        number=v.number, effective_from=v.effective_from, published_at=v.published_at, summary=v.summary
    )


def _item(i: ServiceItem) -> ItemOut:
    return ItemOut(
        code=i.code,
        name=i.name,
        category=i.category,
        audience=i.audience,
        channels=list(i.channels),
        materials=i.material_list,
        legal_basis=i.legal_basis,
        time_limit_days=i.time_limit_days,
        risk=i.risk,
        needs_card_machine=i.needs_card_machine,
        guide_html=i.guide,
    )


def _instant(at: dt.datetime | None) -> dt.datetime | None:
    """A time without an offset is read as Beijing time; every instant goes to the database in UTC
    (an odd offset such as -20:58 is valid ISO 8601 but not a PostgreSQL time zone)."""
    if at is None:
        return None
    try:
        aware = timezone.make_aware(at) if timezone.is_naive(at) else at
        return aware.astimezone(dt.UTC)
    except (OverflowError, ValueError) as exc:
        raise ValidationError({"at": _("时间超出可处理的范围。")}) from exc


@router.get("/", response=CatalogueOut, auth=None, operation_id="catalogue_in_force")
def catalogue_in_force(request: HttpRequest, at: IsoDateTime | None = None) -> CatalogueOut:
    """The version in force at `at` (default now; ISO 8601, a time without an offset is Beijing time),
    with all its items. 404 when no version is in force at that instant."""
    version = selectors.version_in_force(_instant(at))
    if version is None:
        raise Http404
    return CatalogueOut(version=_version(version), items=[_item(i) for i in version.items.order_by("code")])


@router.get("/items/{code}", response=ItemOut, auth=None, operation_id="catalogue_item_in_force")
def item_in_force(
    request: HttpRequest,
    code: str = Path(..., pattern=r"^[A-Za-z0-9-]{1,12}$", examples=["SY-B-001"]),
    at: IsoDateTime | None = None,
) -> ItemOut:
    """One item as the version in force at `at` states it; 404 when it is not listed then."""
    item = selectors.item_in_force(code.upper()[:12], _instant(at))
    if item is None:
        raise Http404
    return _item(item)


@router.get("/versions", response=list[VersionOut], auth=None, operation_id="catalogue_versions")
def versions(request: HttpRequest) -> list[VersionOut]:
    return [_version(v) for v in selectors.published_versions()]
