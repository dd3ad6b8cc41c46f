"""Outlet applications over the integration API (R2.0, R4.2): read them in the caller's scope; a bank
administrator (personal token) may also open a draft and submit it, through the same services as the pages.

A bank's head-office client reads only: `outlet_application_create` records the applying user in a
`created_by` user column, which a client (not a user) cannot fill, so `cooperation.apply_outlet` is not
among the client permissions. Plans and photos (R4.2) are uploaded on the application page; submitting
without them is refused by the service with the missing items listed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from sheyin.accounts.permissions import require
from sheyin.accounts.scope import assignments_of
from sheyin.api.auth import ANY_AUTH
from sheyin.api.problems import ApiProblem
from sheyin.api.schemas import NO_CONTROL, PageParams, SafeText, page_of, paginate
from sheyin.institutions import selectors as registry
from sheyin.institutions.api import DistrictOut

from . import selectors, services
from .models import OutletApplication
from .workflow import OutletApplicationStatus

router = Router(tags=["cooperation"])

# A bank client reads applications; applying needs a user (see the module docstring).
CLIENT_PERMISSIONS = {"cooperation.view"}

ID = Path(..., ge=1, le=2_147_483_647, description="The application's id.")


class ApplicationOutletOut(Schema):
    code: str
    name: str
    status: str
    address: str


class ApplicationOut(Schema):
    id: int
    number: str
    status: OutletApplicationStatus
    bank: str = Field(..., alias="bank.short_name")
    district: DistrictOut
    outlet: ApplicationOutletOut
    printers: int
    floor_area_m2: int
    staff_planned: int
    guide_planned: int
    staffing_plan: str
    network_plan: str
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    admitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    return_reason: str
    decision_reason: str


class ApplicationDetailOut(ApplicationOut):
    missing: list[str] = Field(..., description="What the application still lacks before submission (R4.2).")
    layout_result: dict[str, Any] | None = Field(None, description="The layout check (R8.4) at submission.")


class ApplicationFilters(Schema):
    status: OutletApplicationStatus | None = None
    district: str | None = Field(None, pattern=r"^\d{6}$", description="District code, e.g. 110105.")
    outlet: str | None = Field(None, pattern=r"^[A-Za-z0-9]{1,20}$", description="Outlet code.")
    q: SafeText = Field("", description="Part of the application number or the outlet's name.")


def _text(max_length: int, min_length: int = 0) -> Any:
    return Field(..., min_length=min_length, max_length=max_length, pattern=NO_CONTROL)


class ApplicationIn(Schema):
    """The outlet (registered at once with status “applying”) and the application's own plan."""

    name: str = _text(100, 1)
    district: str = Field(..., pattern=r"^\d{6}$", description="District code, e.g. 110105.")
    address: str = _text(200, 1)
    lon: float = Field(..., ge=115.0, le=118.0, allow_inf_nan=False)
    lat: float = Field(..., ge=39.0, le=42.0, allow_inf_nan=False)
    opening_hours: str = _text(100, 1)
    phone: str = Field(..., pattern=r"^[0-9+()\- ]{1,30}$")
    windows: int = Field(..., ge=0, le=100)
    terminals: int = Field(..., ge=0, le=100)
    online_counters: int = Field(..., ge=0, le=100)
    document_cameras: int = Field(..., ge=0, le=100)
    card_machines: int = Field(..., ge=0, le=100)
    printers: int = Field(1, ge=0, le=100)
    floor_area_m2: int = Field(0, ge=0, le=100_000)
    staff_planned: int = Field(2, ge=0, le=100)
    guide_planned: int = Field(1, ge=0, le=100)
    staffing_plan: str = Field("", max_length=2000, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
    network_plan: str = Field("", max_length=200, pattern=NO_CONTROL)


ApplicationPage = page_of(ApplicationOut)


def _applications(principal: Any, f: ApplicationFilters) -> QuerySet[OutletApplication]:
    qs = selectors.applications_for(principal)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.district:
        qs = qs.filter(district__code=f.district)
    if f.outlet:
        qs = qs.filter(outlet__code=f.outlet)
    if f.q.strip():
        qs = qs.filter(Q(number__icontains=f.q.strip()) | Q(outlet__name__icontains=f.q.strip()))
    return qs


def _detail(principal: Any, pk: int) -> OutletApplication:
    app = get_object_or_404(selectors.applications_for(principal), pk=pk)
    app.missing = selectors.missing_items(app)  # type: ignore[attr-defined]
    return app


@router.get(
    "/applications", response=ApplicationPage, auth=ANY_AUTH, operation_id="cooperation_applications_list"
)
def applications(
    request: HttpRequest, page: Query[PageParams], filters: Query[ApplicationFilters]
) -> dict[str, Any]:
    """Outlet applications in the caller's scope (a bank: its own), newest first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "cooperation.view")
    return paginate(_applications(principal, filters).order_by("-created_at", "-id"), page)


@router.get(
    "/applications/{id}",
    response=ApplicationDetailOut,
    auth=ANY_AUTH,
    operation_id="cooperation_applications_get",
)
def application(request: HttpRequest, id: int = ID) -> OutletApplication:
    """One application in scope, with what it still lacks (404 outside the caller's scope)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "cooperation.view")
    return _detail(principal, id)


@router.post(
    "/applications",
    response={201: ApplicationDetailOut},
    auth=ANY_AUTH,
    operation_id="cooperation_applications_create",
)
def application_create(request: HttpRequest, payload: ApplicationIn) -> Status[OutletApplication]:
    """Open a draft application for a new outlet of the caller's bank (bank administrators, R4.2).

    The bank needs an active municipal agreement; the outlet's place must pass the registry's checks."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "cooperation.apply_outlet")
    bank_ids = {a.bank_id for a in assignments_of(principal) if getattr(a, "bank_id", None)}
    bank = registry.banks_for(principal).filter(pk__in=bank_ids).first() if len(bank_ids) == 1 else None
    if bank is None:
        raise ApiProblem("permission_denied")
    district = registry.districts().filter(code=payload.district).first()
    if district is None:
        # The registry's own message (an unknown code names no district agency).
        raise ValidationError({"district": _("所在区必须是区级经办机构。")})
    data = payload.model_dump()
    data["district"] = district
    app = services.outlet_application_create(bank=bank, data=data, by=principal)
    return Status(201, _detail(principal, app.pk))


@router.post(
    "/applications/{id}/submit",
    response=ApplicationDetailOut,
    auth=ANY_AUTH,
    operation_id="cooperation_applications_submit",
)
def application_submit(request: HttpRequest, id: int = ID) -> OutletApplication:
    """Submit a draft (or returned) application to the district (R4.2); refused while items are missing."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "cooperation.apply_outlet")
    app = get_object_or_404(selectors.applications_for(principal), pk=id)
    services.outlet_application_submit(application=app, by=principal)
    return _detail(principal, id)
