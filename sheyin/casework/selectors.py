"""Scoped reads of casework. Scope follows the outlet that accepted a case, never the applicant."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.catalogue.choices import Channel

from .models import ArchiveRecord, Case, GuidedSession, HandoverBatch, IssuedReceipt
from .workflow import BatchStatus, CaseStatus, GuidedStatus


def cases_for(user: Any) -> QuerySet[Case]:
    if not user.has_perm("casework.view"):
        return Case.objects.none()
    return scoped(Case.objects.select_related("outlet", "staff", "reviewer", "catalogue_version"), user)


def review_queue_for(user: Any) -> QuerySet[Case]:
    """High-risk cases waiting for a second person at the outlets where the user works, not their own.
    (An outlet staff member's own scope is "仅本人"; reviewing is the one place they read a colleague's case.)"""
    if not user.has_perm("casework.review"):
        return Case.objects.none()
    outlets = [
        a.outlet_id for a in assignments_of(user) if a.role in (Role.OUTLET_STAFF, Role.OUTLET_MANAGER)
    ]
    return (
        Case.objects.filter(outlet_id__in=outlets, status=CaseStatus.AWAITING_REVIEW)
        .exclude(staff=user)
        .select_related("outlet", "staff", "catalogue_version")
        .order_by("submitted_at", "called_at")
    )


def case_for_user(user: Any, pk: int) -> Case | None:
    """A case the user may read: in scope, or waiting for the user's review."""
    return cases_for(user).filter(pk=pk).first() or review_queue_for(user).filter(pk=pk).first()


def open_drafts_for(user: Any) -> QuerySet[Case]:
    return Case.objects.filter(staff=user, status=CaseStatus.DRAFT).order_by("-called_at")


def window_items() -> QuerySet[Any]:
    """Items of the version in force that the staffed window may handle (R2.3)."""
    from sheyin.catalogue.selectors import items_in_force

    return items_in_force().filter(channels__contains=Channel.COUNTER)


def online_items() -> QuerySet[Any]:
    from sheyin.catalogue.selectors import items_in_force

    return items_in_force().filter(channels__contains=Channel.ONLINE)


def archives_for(user: Any) -> QuerySet[ArchiveRecord]:
    if not user.has_perm("casework.view_archives"):
        return ArchiveRecord.objects.none()
    return scoped(ArchiveRecord.objects.select_related("case", "outlet", "batch", "staff"), user)


def handovers_for(user: Any) -> QuerySet[HandoverBatch]:
    """Batches in scope. Agencies see a batch once it is handed over (drafts are the outlet's business)."""
    if not (user.has_perm("casework.view_archives") or user.has_perm("casework.confirm_handover")):
        return HandoverBatch.objects.none()
    qs = scoped(HandoverBatch.objects.select_related("outlet", "created_by", "sent_by"), user)
    outlet_side = any(
        a.role in (Role.OUTLET_MANAGER, Role.OUTLET_STAFF, Role.BANK_ADMIN) for a in assignments_of(user)
    )
    if not outlet_side:
        qs = qs.exclude(status__in=[BatchStatus.DRAFT, BatchStatus.DISCARDED])
    return qs.annotate(
        n_records=Count("records"),
        n_received=Count("records", filter=Q(records__status="received")),
        n_discrepancy=Count("records", filter=Q(records__status="discrepancy")),
    )


def guided_for(user: Any) -> QuerySet[GuidedSession]:
    if not user.has_perm("casework.view_guided"):
        return GuidedSession.objects.none()
    return scoped(GuidedSession.objects.select_related("outlet", "guide", "item", "rating_token_row"), user)


def slip_session_for(user: Any, pk: int) -> GuidedSession | None:
    """A finished session whose rating slip the user may (re)print: their own, as the guide."""
    return (
        GuidedSession.objects.select_related("outlet", "rating_token_row")
        .filter(pk=pk, guide=user, status=GuidedStatus.FINISHED, rating_token_row__isnull=False)
        .first()
    )


def open_guided_for(user: Any) -> QuerySet[GuidedSession]:
    return GuidedSession.objects.filter(guide=user, status=GuidedStatus.IN_PROGRESS).order_by("-started_at")


def case_by_receipt(receipt_no: str) -> Case | None:
    """Public status look-up (the view checks the status code first)."""
    return Case.objects.select_related("outlet").filter(receipt_no=receipt_no).first()


def cases_by_applicant_index(index: str) -> QuerySet[Case]:
    """For the oversight rules (system reads): cases of a person, by blind index."""
    return Case.objects.filter(applicant_index=index)


def receipt_by_code(code: str) -> IssuedReceipt | None:
    """Public: a printed receipt by its 核验码 (its rows hold masked data only)."""
    if len(code) != 16:
        return None
    return IssuedReceipt.objects.select_related("case", "outlet", "printed_by").filter(code=code).first()


def receipt_intact(receipt: IssuedReceipt) -> bool:
    """The kept rows still hash to the digest printed on the paper."""
    from sheyin.common.crypto import sm3_hex

    from .receipts import receipt_canonical

    return (
        sm3_hex(receipt_canonical(receipt.code, receipt.printed_at, receipt.content)) == receipt.content_hash
    )


def receipts_of(case: Case) -> QuerySet[IssuedReceipt]:
    """The receipts printed for a case the caller may already read."""
    return case.receipts.select_related("printed_by").order_by("-printed_at", "-id")
