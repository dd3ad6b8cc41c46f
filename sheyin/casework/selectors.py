"""Scoped reads of casework. Scope follows the outlet that accepted a case, never the applicant."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.catalogue.choices import Channel

from .models import ArchiveRecord, Case, GuidedSession, HandoverBatch, IssuedReceipt, PersonLookup
from .workflow import ArchiveStatus, BatchStatus, CaseStatus, GuidedStatus


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


def reviewed_by(user: Any) -> QuerySet[Case]:
    """Cases the user reviewed (approved or returned): their own work, which they may read again."""
    if not user.has_perm("casework.review"):
        return Case.objects.none()
    return (
        Case.objects.filter(reviews__reviewer=user)
        .distinct()
        .select_related("outlet", "staff", "catalogue_version")
    )


def case_for_user(user: Any, pk: int) -> Case | None:
    """A case the user may read: in scope, waiting for the user's review, or reviewed by the user (after
    复核通过并提交 the reviewer lands on the case they just sent)."""
    return (
        cases_for(user).filter(pk=pk).first()
        or review_queue_for(user).filter(pk=pk).first()
        or reviewed_by(user).filter(pk=pk).first()
    )


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
        # Named positively: PostgreSQL's generic plan for a prepared `status <> ALL($1, $2)` expects one
        # row, and sorted every batch of the year instead of reading the newest 50 by index (5 → 190 ms
        # from a worker's eighth request on; decision 0133).
        qs = qs.filter(status__in=[BatchStatus.SENT, BatchStatus.CLOSED])
    # Counted per batch shown (a subquery on the batch's records), not by grouping every batch's records
    # before the page is cut: a year of batches holds millions of records.
    return qs.annotate(
        n_records=_records_of_batch(),
        n_received=_records_of_batch(status=ArchiveStatus.RECEIVED),
        n_discrepancy=_records_of_batch(status=ArchiveStatus.DISCREPANCY),
    )


def _records_of_batch(**where: Any) -> Coalesce:
    records = ArchiveRecord.objects.filter(batch=OuterRef("pk"), **where).order_by().values("batch")
    return Coalesce(Subquery(records.annotate(n=Count("pk")).values("n")), Value(0))


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


def case_search(qs: QuerySet[Case], q: str | None) -> QuerySet[Case]:
    """Search cases by one exact key, each an indexed lookup (no substring scan over millions of rows):
    a resident ID number through its blind index (the clear number is never stored, R9.3), else a receipt
    number (受理编号) as printed. An empty query leaves `qs` as it is; anything else that matches
    neither finds nothing."""
    from sheyin.common.crypto import blind_index
    from sheyin.common.identifiers import check_id_number

    text = (q or "").strip()[:100]
    if not text:
        return qs
    checked = check_id_number(text)
    if checked.ok:
        return qs.filter(applicant_index=blind_index(checked.value))
    receipt = text.replace(" ", "")
    return qs.filter(receipt_no__in=sorted({receipt, receipt.upper()}))


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


# --- staff look-ups of persons (R9.3, R9.4) ------------------------------------------------------------


def with_backing(
    qs: QuerySet[PersonLookup], days: int = 1, *, backed: bool | None = None
) -> QuerySet[PersonLookup]:
    """Annotate `backed`: a case for the same person at the same outlet, called within ±`days` of the
    look-up and not cancelled (the same test the oversight rule "疑似窥探个人信息" runs in SQL). With
    `backed` given, only the look-ups that have (or have not) such a case."""
    window = dt.timedelta(days=days)
    cases = Case.objects.filter(
        applicant_index=OuterRef("person_index"), outlet_id=OuterRef("outlet_id"),
        called_at__gte=OuterRef("at") - window, called_at__lte=OuterRef("at") + window,
    ).exclude(status=CaseStatus.CANCELLED)  # fmt: skip
    qs = qs.annotate(backed=Exists(cases))
    return qs if backed is None else qs.filter(**{"backed": backed})


def lookups_for(user: Any) -> QuerySet[PersonLookup]:
    """Staff look-ups of persons in the user's scope (the query log cited by oversight findings)."""
    if not user.has_perm("casework.view_lookups"):
        return PersonLookup.objects.none()
    return scoped(PersonLookup.objects.select_related("outlet", "staff", "case"), user)


def cases_of_persons(user: Any, *, outlet_id: int, indexes: list[str], start: dt.datetime,
                     end: dt.datetime) -> QuerySet[Case]:  # fmt: skip
    """The cases in scope of these persons at one outlet within [start, end] (evidence of a finding)."""
    return cases_for(user).filter(
        outlet_id=outlet_id, applicant_index__in=indexes, called_at__gte=start, called_at__lte=end
    )


def case_numbers(ids: Any) -> list[tuple[int, str, str]]:
    """(id, receipt number, status label) of cases: what a finding's evidence names, for any reader of the
    finding (a receipt number carries no personal data); the links are offered by `cases_for` alone."""
    return [(pk, number, str(CaseStatus(status).label))
            for pk, number, status in Case.objects.filter(pk__in=list(ids)).values_list("pk", "receipt_no", "status")]  # fmt: skip


def case_counts(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    """For the appraisal (system read): per outlet, cases called in [start, end) that reached the core or
    are being handled (cancelled ones are not business done)."""
    rows = (Case.objects.filter(called_at__gte=start, called_at__lt=end).exclude(status=CaseStatus.CANCELLED)
            .values("outlet_id").annotate(n=Count("id")).order_by().values_list("outlet_id", "n"))  # fmt: skip
    return dict(rows)


def archives_due(start: dt.date, end: dt.date) -> QuerySet[Any]:
    """For the appraisal (system read): per outlet, archive records due in [start, end] and how many were
    sent on or before their due date."""
    from django.db.models import F

    return (
        ArchiveRecord.objects.filter(due_date__gte=start, due_date__lte=end)
        .values("outlet_id")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(batch__sent_at__date__lte=F("due_date"))))
        .order_by()
    )
