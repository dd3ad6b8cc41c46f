"""Outlet staff over the integration API (R2.0, R7.3, R9.1): the roster, training, exam passes and grant
status, read in the caller's scope through the same selectors as the pages. ID numbers only ever leave
masked (never decrypted here) and phone numbers masked, as on the roster page.

Read-only: the roster is kept on the pages by the outlet and its bank administrator, and training, exams
and grants are the district's (R7.2); none of these writes is offered to a bank's systems.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema

from sheyin.accounts.permissions import require
from sheyin.api.auth import ANY_AUTH
from sheyin.api.schemas import PageParams, SafeText, page_of, paginate

from . import selectors
from .models import Enrolment, ExamAttempt, PermissionGrant, StaffMember
from .workflow import EnrolmentStatus, GrantStatus, Post, StaffStatus

router = Router(tags=["staffing"])

CLIENT_PERMISSIONS = {"staffing.view"}

OUTLET_CODE = r"^[A-Za-z0-9]{1,20}$"
ID = Path(..., ge=1, le=2_147_483_647)


class StaffOutletOut(Schema):
    code: str
    name: str


class StaffRefOut(Schema):
    id: int
    name: str
    employee_no: str


class GrantOut(Schema):
    id: int
    staff: StaffRefOut
    outlet: StaffOutletOut
    channels: list[str] = Field(..., alias="channel_list", description="T terminal, O online, W window.")
    categories: list[str] = Field(..., alias="category_list")
    status: GrantStatus
    in_force: bool = Field(..., description="Active and within its validity today.")
    valid_from: dt.date | None
    valid_until: dt.date | None
    decided_at: dt.datetime | None
    ended_at: dt.datetime | None
    revoke_reason: str

    @staticmethod
    def resolve_in_force(obj: PermissionGrant) -> bool:
        return obj.is_current()


class StaffOut(Schema):
    id: int
    employee_no: str
    name: str
    id_number_masked: str = Field(..., description="Masked ID number (the clear number is never sent).")
    phone_masked: str
    post: Post
    status: StaffStatus
    outlet: StaffOutletOut
    bank: str = Field(..., alias="bank.short_name")
    district: str = Field(..., alias="district.code")
    left_on: dt.date | None
    grant_until: dt.date | None = Field(..., description="End of the grant in force today; null if none.")

    @staticmethod
    def resolve_phone_masked(obj: StaffMember) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_grant_until(obj: StaffMember) -> dt.date | None:
        current = [g.valid_until for g in getattr(obj, "active_grants", []) if g.is_current()]
        return max((d for d in current if d is not None), default=None)


class CheckOut(Schema):
    code: str
    label: str
    ok: bool
    message: str


class ExamPassOut(Schema):
    course: str = Field(..., alias="course.title")
    score: Decimal | None
    valid_until: dt.date | None
    certificate_no: str


class StaffDetailOut(StaffOut):
    training_hours: Decimal = Field(..., description="Hours attended within the training window.")
    training_hours_required: int
    latest_pass: ExamPassOut | None
    grant_checks: list[CheckOut] = Field(..., description="Every prerequisite of a grant and its state.")
    grants: list[GrantOut] = Field(..., alias="grant_history", description="The latest 20 grants.")


class EnrolmentOut(Schema):
    id: int
    staff: StaffRefOut
    outlet: str = Field(..., alias="staff.outlet.code")
    course_code: str = Field(..., alias="session.course.code")
    course: str = Field(..., alias="session.course.title")
    starts_at: dt.datetime = Field(..., alias="session.starts_at")
    status: EnrolmentStatus
    hours_earned: Decimal
    attended_on: dt.date | None


class ExamOut(Schema):
    id: int
    staff: StaffRefOut
    outlet: str = Field(..., alias="staff.outlet.code")
    course_code: str = Field(..., alias="course.code")
    course: str = Field(..., alias="course.title")
    mode: str
    status: str
    score: Decimal | None
    passed: bool
    valid_until: dt.date | None
    certificate_no: str
    finished_at: dt.datetime | None


class StaffFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    status: StaffStatus | None = None
    post: Post | None = None
    granted: bool | None = Field(
        None, description="Only staff with (true) or without (false) a grant in force."
    )
    q: SafeText = Field("", description="Part of the name or employee number.")


class RecordFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    staff: int | None = Field(None, ge=1, le=2_147_483_647, description="Staff member id.")


class EnrolmentFilters(RecordFilters):
    status: EnrolmentStatus | None = None


class ExamFilters(RecordFilters):
    passed: bool | None = None


class GrantFilters(RecordFilters):
    status: GrantStatus | None = None


StaffPage = page_of(StaffOut)
EnrolmentPage = page_of(EnrolmentOut)
ExamPage = page_of(ExamOut)
GrantPage = page_of(GrantOut)


def _staff(principal: Any) -> QuerySet[StaffMember]:
    live = PermissionGrant.objects.filter(status=GrantStatus.ACTIVE)
    return selectors.staff_for(principal).prefetch_related(Prefetch("grants", live, to_attr="active_grants"))


def _records(qs: QuerySet[Any], f: RecordFilters) -> QuerySet[Any]:
    if f.outlet:
        qs = qs.filter(staff__outlet__code=f.outlet)
    if f.staff:
        qs = qs.filter(staff_id=f.staff)
    return qs


@router.get("/staff", response=StaffPage, auth=ANY_AUTH, operation_id="staffing_staff_list")
def staff(request: HttpRequest, page: Query[PageParams], filters: Query[StaffFilters]) -> dict[str, Any]:
    """The roster in the caller's scope (a bank: its outlets' staff), with the grant in force."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    qs = _staff(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.post:
        qs = qs.filter(post=filters.post)
    if filters.q.strip():
        qs = qs.filter(Q(name__icontains=filters.q.strip()) | Q(employee_no__icontains=filters.q.strip()))
    if filters.granted is not None:
        # "In force" as the grant itself defines it (PermissionGrant.is_current), read from the scope.
        current = [g.staff_id for g in selectors.grants_for(principal).filter(status=GrantStatus.ACTIVE)
                   if g.is_current()]  # fmt: skip
        qs = qs.filter(pk__in=current) if filters.granted else qs.exclude(pk__in=current)
    return paginate(qs.order_by("outlet__code", "name", "pk"), page)


@router.get("/staff/{id}", response=StaffDetailOut, auth=ANY_AUTH, operation_id="staffing_staff_get")
def staff_member(request: HttpRequest, id: int = ID) -> StaffMember:
    """One person on the roster with training hours, the latest valid pass and the grant checks (R9.1)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    member = get_object_or_404(_staff(principal), pk=id)
    member.training_hours = selectors.training_hours(member)  # type: ignore[attr-defined]
    member.training_hours_required = selectors.rules().training_hours_required  # type: ignore[attr-defined]
    member.latest_pass = selectors.latest_pass(member)  # type: ignore[attr-defined]
    member.grant_checks = selectors.grant_checks(member)  # type: ignore[attr-defined]
    member.grant_history = list(selectors.grants_for(principal).filter(staff=member)[:20])  # type: ignore[attr-defined]
    return member


@router.get("/training", response=EnrolmentPage, auth=ANY_AUTH, operation_id="staffing_training_list")
def training(
    request: HttpRequest, page: Query[PageParams], filters: Query[EnrolmentFilters]
) -> dict[str, Any]:
    """Training enrolments and attended hours of staff in scope, newest session first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    qs: QuerySet[Enrolment] = _records(selectors.enrolments_for(principal), filters)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-session__starts_at", "-pk"), page)


@router.get("/exams", response=ExamPage, auth=ANY_AUTH, operation_id="staffing_exams_list")
def exams(request: HttpRequest, page: Query[PageParams], filters: Query[ExamFilters]) -> dict[str, Any]:
    """Exam attempts of staff in scope (passes carry their validity and certificate number)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    qs: QuerySet[ExamAttempt] = _records(selectors.attempts_for(principal), filters)
    if filters.passed is not None:
        qs = qs.filter(passed=filters.passed)
    return paginate(qs.order_by("-started_at", "-pk"), page)


@router.get("/grants", response=GrantPage, auth=ANY_AUTH, operation_id="staffing_grants_list")
def grants(request: HttpRequest, page: Query[PageParams], filters: Query[GrantFilters]) -> dict[str, Any]:
    """Permission grants (R2.0, R9.1) of staff in scope, with whether each is in force today."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    qs: QuerySet[PermissionGrant] = selectors.grants_for(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.staff:
        qs = qs.filter(staff_id=filters.staff)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return paginate(qs.order_by("-created_at", "-pk"), page)


@router.get("/grants/{id}", response=GrantOut, auth=ANY_AUTH, operation_id="staffing_grants_get")
def grant(request: HttpRequest, id: int = ID) -> PermissionGrant:
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "staffing.view")
    return get_object_or_404(selectors.grants_for(principal), pk=id)
