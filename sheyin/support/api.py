"""Problem tickets over the integration API (R9.2): the tickets of the outlets in the caller's scope, with
their deadlines and conversation, read through the same selector as the pages.

A bank's head-office system (or its administrator's token) raises a ticket for one of its own outlets
with `POST /tickets`; the same `ticket_raise` service routes it to the district's named contact.
Attachments are added on the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema
from ninja.responses import Status

from sheyin.accounts.permissions import require
from sheyin.api.auth import ANY_AUTH
from sheyin.api.schemas import (
    MULTI_LINE,
    NO_CONTROL,
    InputSchema,
    IsoDate,
    PageParams,
    SafeText,
    page_of,
    paginate,
)
from sheyin.institutions import selectors as registry

from . import selectors, services
from .models import Category, Ticket, TicketMessage
from .workflow import TicketStatus

router = Router(tags=["support"])

CLIENT_PERMISSIONS = {"support.view", "support.raise_for_outlet"}

OUTLET_CODE = r"^[A-Za-z0-9]{1,20}$"


class TicketOutletOut(Schema):
    code: str
    name: str


class TicketOut(Schema):
    id: int
    number: str
    outlet: TicketOutletOut
    district: str = Field(..., alias="district.code")
    category: Category
    title: str
    status: TicketStatus
    raised_at: dt.datetime
    reply_due: dt.date
    close_due: dt.date
    first_reply_at: dt.datetime | None
    closed_at: dt.datetime | None
    escalation: int = Field(..., description="0 none, 1 district head, 2 municipal center.")
    reply_overdue: bool
    close_overdue: bool


class TicketMessageOut(Schema):
    kind: str = Field(..., description="outlet, agency or system.")
    body: str
    at: dt.datetime


class TicketDetailOut(TicketOut):
    description: str
    resolution: str
    attachments: int = Field(
        ..., alias="attachments_count", description="Number of attachments (downloaded on the ticket page)."
    )
    messages: list[TicketMessageOut] = Field(..., alias="message_list")


class TicketFilters(Schema):
    outlet: str | None = Field(None, pattern=OUTLET_CODE, description="Outlet code.")
    status: TicketStatus | None = None
    category: Category | None = None
    raised_from: IsoDate | None = Field(None, description="Raised on or after (YYYY-MM-DD).")
    raised_to: IsoDate | None = Field(None, description="Raised on or before (YYYY-MM-DD).")
    q: SafeText = Field("", description="Part of the number or title.")


TicketPage = page_of(TicketOut)


@router.get("/tickets", response=TicketPage, auth=ANY_AUTH, operation_id="support_tickets_list")
def tickets(request: HttpRequest, page: Query[PageParams], filters: Query[TicketFilters]) -> dict[str, Any]:
    """Tickets of the outlets in the caller's scope, newest first."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "support.view")
    qs: QuerySet[Ticket] = selectors.tickets(principal)
    if filters.outlet:
        qs = qs.filter(outlet__code=filters.outlet)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.raised_from:
        qs = qs.filter(raised_at__date__gte=filters.raised_from)  # local dates (USE_TZ), no arithmetic
    if filters.raised_to:
        qs = qs.filter(raised_at__date__lte=filters.raised_to)
    q = filters.q.strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(title__icontains=q))
    return paginate(qs.order_by("-raised_at", "-pk"), page)


@router.get("/tickets/{id}", response=TicketDetailOut, auth=ANY_AUTH, operation_id="support_tickets_get")
def ticket(request: HttpRequest, id: int = Path(..., ge=1, le=2_147_483_647)) -> Ticket:
    """One ticket in scope with its conversation (404 outside the scope)."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "support.view")
    return _detail(principal, id)


def _detail(principal: Any, pk: int, *, just_raised: bool = False) -> Ticket:
    """A ticket in scope with its conversation and attachment count; one raised a moment ago through the
    API has neither yet (attachments are added on the page), so they are not looked up."""
    t = get_object_or_404(selectors.tickets(principal), pk=pk)
    if just_raised:
        t.message_list, t.attachments_count = [], 0  # type: ignore[attr-defined]
        return t
    t.message_list = list(TicketMessage.objects.filter(ticket=t).order_by("at", "pk"))  # type: ignore[attr-defined]
    t.attachments_count = t.attachments.count()  # type: ignore[attr-defined]
    return t


class TicketIn(InputSchema):
    outlet: str = Field(..., pattern=OUTLET_CODE, description="The outlet's code (one of the caller's bank).")
    category: Category
    title: str = Field(..., min_length=1, max_length=100, pattern=NO_CONTROL, description="One line.")
    description: str = Field(
        ..., min_length=5, max_length=5000, pattern=MULTI_LINE, description="Multi-line."
    )


@router.post(
    "/tickets", response={201: TicketDetailOut}, auth=ANY_AUTH, operation_id="support_tickets_create"
)
def ticket_create(request: HttpRequest, payload: TicketIn) -> Status[Ticket]:
    """Raise a ticket for one of the bank's own outlets (R9.2); answered by the district within deadlines."""
    principal = request.api_principal  # type: ignore[attr-defined]
    require(principal, "support.raise_for_outlet")
    outlet = get_object_or_404(registry.outlets_for(principal), code=payload.outlet)
    t = services.ticket_raise(
        category=payload.category,
        title=payload.title,
        description=payload.description,
        outlet=outlet,
        by=principal,
    )
    require(principal, "support.view")
    return Status(201, _detail(principal, t.pk, just_raised=True))
