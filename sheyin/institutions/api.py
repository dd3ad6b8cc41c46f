"""Registry over the integration API (R2.0): a bank's outlets and their status, its own record, and the
public list of operating outlets (R10.3). Reads go through the scoped selectors, writes through the
services — the same rules as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from sheyin.accounts.permissions import require
from sheyin.accounts.scope import assignments_of
from sheyin.api.auth import ANY_AUTH
from sheyin.api.problems import VIA_API, ApiProblem
from sheyin.api.schemas import NO_CONTROL, InputSchema, PageParams, PhoneNumber, SafeText, page_of, paginate

from . import selectors, services
from .models import Outlet, OutletStatus

router = Router(tags=["institutions"])
public_router = Router(tags=["public"])

# What a bank's head-office client may do here (never more than its bank administrator).
CLIENT_PERMISSIONS = {"institutions.view", "institutions.edit_outlet"}

CODE_PATTERN = r"^[A-Za-z0-9]{1,20}$"


class DistrictOut(Schema):
    code: str
    name: str = Field(..., alias="district_name")


class BankBriefOut(Schema):
    name: str
    short_name: str


class OutletOut(Schema):
    code: str
    name: str
    status: OutletStatus
    bank: BankBriefOut
    district: DistrictOut
    address: str
    lon: float
    lat: float
    opening_hours: str
    phone: str
    windows: int
    terminals: int
    online_counters: int
    document_cameras: int
    card_machines: int
    updated_at: dt.datetime


class PublicOutletOut(Schema):
    """No person is named here: only what the outlet's plaque and window already publish (R10.3)."""

    code: str
    name: str
    bank: str = Field(..., alias="bank.short_name")
    district: DistrictOut
    address: str
    lon: float
    lat: float
    opening_hours: str
    phone: str
    windows: int
    terminals: int
    online_counters: int


class BankOut(Schema):
    name: str
    short_name: str
    uscc: str
    status: str
    address: str
    outlets_by_status: dict[str, int]


class OutletFilters(Schema):
    district: str | None = Field(
        None, pattern=r"^\d{6}$", description="District code (GB/T 2260), e.g. 110105."
    )
    status: OutletStatus | None = None
    q: SafeText = Field("", description="Part of the name, address or outlet code.")


class PublicOutletFilters(Schema):
    district: str | None = Field(
        None, pattern=r"^\d{6}$", description="District code (GB/T 2260), e.g. 110105."
    )
    q: SafeText = Field("", description="Part of the name or address.")


class ContactIn(InputSchema):
    opening_hours: str | None = Field(None, min_length=1, max_length=100, pattern=NO_CONTROL)
    phone: PhoneNumber | None = Field(None, description="A Chinese fixed-line, mobile or service number.")


OutletPage = page_of(OutletOut)
PublicOutletPage = page_of(PublicOutletOut)


def _filter(
    qs: QuerySet[Outlet], f: OutletFilters | PublicOutletFilters, fields: tuple[str, ...]
) -> QuerySet[Outlet]:
    if f.district:
        qs = qs.filter(district__code=f.district)
    status = getattr(f, "status", None)
    if status:
        qs = qs.filter(status=status)
    if f.q.strip():
        cond = Q()
        for name in fields:
            cond |= Q(**{f"{name}__icontains": f.q.strip()})
        qs = qs.filter(cond)
    return qs


@router.get("/outlets", response=OutletPage, auth=ANY_AUTH, operation_id="institutions_outlets_list")
def outlets(request: HttpRequest, page: Query[PageParams], filters: Query[OutletFilters]) -> dict[str, Any]:
    """The caller's outlets (a bank client: its own bank's, every status), filterable and paginated."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "institutions.view")
    qs = _filter(selectors.outlets_for(principal), filters, ("name", "address", "code"))
    return paginate(qs.order_by("code"), page)


@router.get("/outlets/{code}", response=OutletOut, auth=ANY_AUTH, operation_id="institutions_outlets_get")
def outlet(
    request: HttpRequest, code: str = Path(..., pattern=CODE_PATTERN, examples=["WD1101050001"])
) -> Outlet:
    """One outlet in the caller's scope (404 outside it: another bank's outlet does not exist for you)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "institutions.view")
    return get_object_or_404(selectors.outlets_for(principal), code=code)


@router.patch(
    "/outlets/{code}/contact", response=OutletOut, auth=ANY_AUTH, operation_id="institutions_outlets_contact"
)
def outlet_contact(
    request: HttpRequest,
    payload: ContactIn,
    code: str = Path(..., pattern=CODE_PATTERN, examples=["WD1101050001"]),
) -> Outlet:
    """Update an outlet's opening hours and public phone (through the same service as the edit page)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "institutions.view")
    target = get_object_or_404(selectors.outlets_for(principal), code=code)
    data = payload.model_dump(exclude_none=True)
    if not data:  # nothing to change: the outlet as it is (a PATCH of no field is no write)
        return target
    services.outlet_update(outlet=target, data=data, by=principal, reason=str(VIA_API))
    return selectors.outlets_for(principal).get(pk=target.pk)


@router.get("/banks/me", response=BankOut, auth=ANY_AUTH, operation_id="institutions_banks_me")
def my_bank(request: HttpRequest) -> dict[str, Any]:
    """The caller's own bank (a bank client's; a bank or outlet user's), with outlet counts by status."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "institutions.view")
    bank_ids = {a.bank_id for a in assignments_of(principal) if getattr(a, "bank_id", None)}
    bank = selectors.banks_for(principal).filter(pk__in=bank_ids).first() if len(bank_ids) == 1 else None
    if bank is None:  # an agency user has no bank of their own
        raise ApiProblem("not_found")
    counts = dict.fromkeys(OutletStatus.values, 0)
    rows = selectors.outlets_for(principal).filter(bank=bank).values("status").annotate(n=Count("pk"))
    for row in rows.order_by():
        counts[row["status"]] = row["n"]
    return {
        "name": bank.name,
        "short_name": bank.short_name,
        "uscc": bank.uscc,
        "status": bank.status,
        "address": bank.address,
        "outlets_by_status": counts,
    }


@public_router.get("/outlets", response=PublicOutletPage, auth=None, operation_id="public_outlets_list")
def public_outlets(
    request: HttpRequest, page: Query[PageParams], filters: Query[PublicOutletFilters]
) -> dict[str, Any]:
    """Operating cooperation outlets (no authentication; no personal data)."""
    qs = _filter(selectors.public_outlets(), filters, ("name", "address"))
    return paginate(qs.order_by("district__code", "code"), page)
