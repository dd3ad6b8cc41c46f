"""Cases and archive handover over the integration API (R2.0, R9.2, Annex 10), read in the caller's scope
through the same selectors as the pages. The applicant appears masked only (name and ID number, as on the
case list); nothing that identifies a person in clear, and no scan, leaves here.

Read-only: a case is accepted at the staffed window by a staff member holding a grant in force (R2.3,
R9.1) and handover batches are made by the outlet manager, so no bank system can drive these services.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from sheyin.accounts.permissions import require
from sheyin.api.auth import ANY_AUTH
from sheyin.api.schemas import IsoDate, PageParams, SafeText, page_of, paginate
from sheyin.common.masking import mask_name

from . import selectors
from .models import ArchiveRecord, Case, HandoverBatch
from .workflow import ArchiveStatus, BatchStatus, CaseStatus

router = Router(tags=["casework"])

CLIENT_PERMISSIONS = {"casework.view", "casework.view_archives"}

OUTLET_CODE = r"^[A-Za-z0-9]{1,20}$"
ID = Path(..., ge=1, le=2_147_483_647)


class CaseOutletOut(Schema):
    code: str
    name: str


class CaseOut(Schema):
    id: int
    receipt_no: str
    outlet: CaseOutletOut
    district: str = Field(..., alias="district.code")
    item_code: str
    item_name: str
    item_category: str
    high_risk: bool
    applicant_name: str = Field(..., description="Masked: the family name only.")
    applicant_id_masked: str = Field(..., alias="applicant_masked")
    staff: str = Field(..., description="The window staff member who accepted the case.")
    status: CaseStatus
    called_at: dt.datetime
    submitted_at: dt.datetime | None
    ended_at: dt.datetime | None
    duration_minutes: int | None

    @staticmethod
    def resolve_applicant_name(obj: Case) -> str:
        return mask_name(obj.applicant_name)

    @staticmethod
    def resolve_staff(obj: Case) -> str:
        return str(obj.staff)


class CaseDetailOut(CaseOut):
    catalogue_version: int | None
    materials_checked: list[str]
    card_checked: bool
    core_reference: str
    result_message: str
    cancel_reason: str
    reviewed: bool = Field(..., description="Whether a second staff member reviewed it (R9.4).")

    @staticmethod
    def resolve_catalogue_version(obj: Case) -> int | None:
        return obj.catalogue_version.number if obj.catalogue_version else None

    @staticmethod
    def resolve_reviewed(obj: Case) -> bool:
        return obj.reviewer_id is not None


class ArchiveOut(Schema):
    id: int
    receipt_no: str = Field(..., alias="case.receipt_no")
    item_name: str = Field(..., alias="case.item_name")
    applicant_name: str
    applicant_id_masked: str = Field(..., alias="case.applicant_masked")
    outlet: CaseOutletOut
    status: ArchiveStatus
    materials: list[str]
    file_count: int
    batch: str | None = Field(None, description="Number of the handover batch, if any.")
    due_date: dt.date
    received_at: dt.datetime | None
    discrepancy: str
    overdue: bool

    @staticmethod
    def resolve_applicant_name(obj: ArchiveRecord) -> str:
        return mask_name(obj.case.applicant_name)

    @staticmethod
    def resolve_batch(obj: ArchiveRecord) -> str | None:
        return obj.batch.number if obj.batch else None


class HandoverOut(Schema):
    id: int
    number: str
    outlet: CaseOutletOut
    district: str = Field(..., alias="district.code")
    status: BatchStatus
    created_at: dt.datetime
    sent_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_date: dt.date | None
    late: bool
    note: str
    records: int = Field(..., alias="n_records")
    received: int = Field(..., alias="n_received")
    discrepancies: int = Field(..., alias="n_discrepancy")


class HandoverDetailOut(HandoverOut):
    items: list[ArchiveOut] = Field(..., alias="item_list")


class CaseFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    status: CaseStatus | None = None
    item: str | None = Field(None, pattern=r"^[A-Za-z0-9-]{1,12}$", description="Catalogue item code.")
    called_from: IsoDate | None = Field(None, description="Called on or after (YYYY-MM-DD).")
    called_to: IsoDate | None = Field(None, description="Called on or before (YYYY-MM-DD).")
    q: SafeText = Field("", description="Part of the receipt number.")


class ArchiveFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    status: ArchiveStatus | None = None


class HandoverFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    status: BatchStatus | None = None


CasePage = page_of(CaseOut)
ArchivePage = page_of(ArchiveOut)
HandoverPage = page_of(HandoverOut)


@router.get("/cases", response=CasePage, auth=ANY_AUTH, operation_id="casework_cases_list")
def cases(request: HttpRequest, page: Query[PageParams], filters: Query[CaseFilters]) -> dict[str, Any]:
    """Cases accepted at the outlets in the caller's scope (a bank: its own outlets'), newest first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "casework.view")
    qs: QuerySet[Case] = selectors.cases_for(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.item:
        qs = qs.filter(item_code=filters.item)
    if filters.called_from:
        qs = qs.filter(called_at__date__gte=filters.called_from)  # local dates (USE_TZ), no arithmetic
    if filters.called_to:
        qs = qs.filter(called_at__date__lte=filters.called_to)
    if filters.q.strip():
        qs = qs.filter(Q(receipt_no__icontains=filters.q.strip()))
    return paginate(qs.order_by("-called_at", "-pk"), page)


@router.get("/cases/{id}", response=CaseDetailOut, auth=ANY_AUTH, operation_id="casework_cases_get")
def case(request: HttpRequest, id: int = ID) -> Case:
    """One case in scope (404 outside it)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "casework.view")
    return get_object_or_404(selectors.cases_for(principal), pk=id)


@router.get("/archives", response=ArchivePage, auth=ANY_AUTH, operation_id="casework_archives_list")
def archives(request: HttpRequest, page: Query[PageParams], filters: Query[ArchiveFilters]) -> dict[str, Any]:
    """Case archives (Annex 10) in scope and where each stands in the handover, oldest deadline first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "casework.view_archives")
    qs: QuerySet[ArchiveRecord] = selectors.archives_for(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("due_date", "pk"), page)


@router.get("/handovers", response=HandoverPage, auth=ANY_AUTH, operation_id="casework_handovers_list")
def handovers(
    request: HttpRequest, page: Query[PageParams], filters: Query[HandoverFilters]
) -> dict[str, Any]:
    """Archive handover batches in scope, with counts of records received and with discrepancies."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "casework.view_archives")
    qs: QuerySet[HandoverBatch] = selectors.handovers_for(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-created_at", "-pk"), page)


@router.get(
    "/handovers/{id}", response=HandoverDetailOut, auth=ANY_AUTH, operation_id="casework_handovers_get"
)
def handover(request: HttpRequest, id: int = ID) -> HandoverBatch:
    """One batch in scope with its items (404 outside the scope)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "casework.view_archives")
    batch = get_object_or_404(selectors.handovers_for(principal), pk=id)
    items = selectors.archives_for(principal).filter(batch=batch).order_by("case__receipt_no")
    batch.item_list = list(items)  # type: ignore[attr-defined]
    return batch
