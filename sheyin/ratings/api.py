"""好差评 over the integration API (R9.5): ratings of the outlets in the caller's scope and their statistics,
read through the same selector and the same `statistics.figures` as the pages (one definition of every
rate). A rater's contact details (name, phone, address hash) never leave here, not even masked.

Read-only: ratings are given by the public on the rating page; handling bad reviews is the outlet's and
the district's work on the pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from sheyin.accounts.permissions import require
from sheyin.api.auth import ANY_AUTH
from sheyin.api.schemas import PageParams, page_of, paginate
from sheyin.catalogue.choices import Channel
from sheyin.institutions import selectors as registry
from sheyin.institutions.models import Agency, Bank, Outlet

from . import selectors, statistics
from .models import Rating

router = Router(tags=["ratings"])

CLIENT_PERMISSIONS = {"ratings.view", "ratings.view_statistics"}

OUTLET_CODE = r"^[A-Za-z0-9]{1,20}$"
MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"


class RatingOutletOut(Schema):
    code: str
    name: str


class RatingOut(Schema):
    """No contact details: only what the rating says about the service."""

    id: int
    created_at: dt.datetime
    outlet: RatingOutletOut
    district: str = Field(..., alias="district.code")
    bank: str = Field(..., alias="bank.short_name")
    channel: Channel
    item_name: str
    level: int = Field(
        ..., ge=1, le=5, description="The one overall question (整体满意度): 5 非常满意 … 1 非常不满意."
    )
    overall: int = Field(..., alias="level", description="Same as level (kept for existing clients).")
    efficiency: int
    skill: int
    attitude: int
    comment: str
    real_name: bool
    excluded: bool = Field(..., description="Set aside on a successful appeal: counts in no statistic.")


class RatingFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    level: int | None = Field(None, ge=1, le=5)
    channel: Channel | None = None
    rated_from: dt.date | None = Field(None, description="Rated on or after.")
    rated_to: dt.date | None = Field(None, description="Rated on or before.")


class StatisticsFilters(Schema):
    month_from: str | None = Field(
        None, pattern=MONTH, description="First month, YYYY-MM (default: this month)."
    )
    month_to: str | None = Field(
        None, pattern=MONTH, description="Last month, YYYY-MM (default: month_from)."
    )
    by: Literal["outlet", "bank", "district", "city"] = "outlet"
    monthly: bool = Field(False, description="One row per group and month.")
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Only this outlet (code).")
    district: str | None = Field(None, pattern=r"^\d{6}$", description="Only this district (code).")


class FigureOut(Schema):
    code: str | None = Field(
        None, description="Outlet or district code; the bank's short name; null for city."
    )
    name: str | None = None
    month: dt.date | None = Field(None, description="First day of the month (monthly rows).")
    ratings: int
    satisfied: int
    bad: int
    rectified_on_time: int
    real_name_bad: int
    called_back: int
    case_ratings: int
    completed: int = Field(..., description="Window cases completed in the period.")
    satisfaction_rate: float | None
    active_rate: float | None
    rectification_rate: float | None
    callback_rate: float | None


class StatisticsOut(Schema):
    start: dt.date
    end: dt.date
    by: str
    rows: list[FigureOut]


RatingPage = page_of(RatingOut)


def _month(value: str | None, default: dt.date) -> dt.date:
    if not value:
        return default.replace(day=1)
    year, month = value.split("-")
    return dt.date(int(year), int(month), 1)


@router.get("/ratings", response=RatingPage, auth=ANY_AUTH, operation_id="ratings_ratings_list")
def ratings(request: HttpRequest, page: Query[PageParams], filters: Query[RatingFilters]) -> dict[str, Any]:
    """Ratings of the outlets in the caller's scope, newest first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "ratings.view")
    qs = selectors.ratings_for(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.level:
        qs = qs.filter(level=filters.level)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.rated_from:
        qs = qs.filter(created_at__date__gte=filters.rated_from)  # local dates (USE_TZ), no arithmetic
    if filters.rated_to:
        qs = qs.filter(created_at__date__lte=filters.rated_to)
    return paginate(qs.order_by("-created_at", "-pk"), page)


@router.get("/ratings/{id}", response=RatingOut, auth=ANY_AUTH, operation_id="ratings_ratings_get")
def rating(request: HttpRequest, id: int = Path(..., ge=1, le=2_147_483_647)) -> Rating:
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "ratings.view")
    return get_object_or_404(selectors.ratings_for(principal), pk=id)


def _names(by: str, rows: list[dict[str, Any]]) -> None:
    ids = [r.get(statistics.GROUPS[by] or "") for r in rows]
    if by == "outlet":
        outlets = Outlet.objects.in_bulk([i for i in ids if i])
        for r in rows:
            o = outlets.get(r["outlet_id"])
            r["code"], r["name"] = (o.code, o.name) if o else (None, None)
    elif by == "district":
        agencies = Agency.objects.in_bulk([i for i in ids if i])
        for r in rows:
            a = agencies.get(r["district_id"])
            r["code"], r["name"] = (a.code, a.district_name or a.name) if a else (None, None)
    elif by == "bank":
        banks = Bank.objects.in_bulk([i for i in ids if i])
        for r in rows:
            b = banks.get(r["bank_id"])
            r["code"], r["name"] = (b.short_name, b.name) if b else (None, None)


@router.get("/statistics", response=StatisticsOut, auth=ANY_AUTH, operation_id="ratings_statistics_get")
def rating_statistics(request: HttpRequest, filters: Query[StatisticsFilters]) -> dict[str, Any]:
    """Counts and rates (satisfaction, active rating, rectification, call-back) over whole months, by
    outlet, bank, district or the whole scope, optionally per month. Same definitions as the statistics
    page (sheyin/ratings/statistics.py); the caller's scope applies."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "ratings.view_statistics")
    first = _month(filters.month_from, timezone.localdate())
    last = _month(filters.month_to, first)
    if last < first:
        first, last = last, first
    start, end = first, statistics.month_bounds(last)[1]
    narrow: dict[str, Any] = {}
    if filters.outlet:
        narrow["outlet_id"] = get_object_or_404(registry.outlets_for(principal), code=filters.outlet).pk
    if filters.district:
        narrow["district_id"] = get_object_or_404(registry.districts(), code=filters.district).pk
    rows = statistics.figures(
        start=start, end=end, by=filters.by, monthly=filters.monthly, user=principal, filters=narrow
    )
    _names(filters.by, rows)
    rows.sort(key=lambda r: (r.get("month") or dt.date.min, r.get("code") or ""))
    return {"start": start, "end": end, "by": filters.by, "rows": rows}
