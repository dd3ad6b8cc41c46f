"""Lifecycles of casework (R2.3, R9.2, R9.4; Annex 10): cases, archive records, handover batches and guided
sessions. Pure Python: one TRANSITIONS table per lifecycle (action, sources, target, roles allowed, guards).

Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message. Guards are named here and enforced by
the service that performs the transition. An empty role set means the system itself (the core's answer,
a job).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of


class CaseStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("受理中")
    AWAITING_REVIEW = "awaiting_review", gettext_lazy("待复核")
    SUBMITTED = "submitted", gettext_lazy("已提交核心系统")
    COMPLETED = "completed", gettext_lazy("已办结")
    REJECTED = "rejected", gettext_lazy("不予办理")
    CANCELLED = "cancelled", gettext_lazy("已取消")


class ArchiveStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("待移交")
    BATCHED = "batched", gettext_lazy("已编入批次")
    SENT = "sent", gettext_lazy("已移交待确认")
    RECEIVED = "received", gettext_lazy("已确认接收")
    DISCREPANCY = "discrepancy", gettext_lazy("有差异")


class BatchStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("待移交")
    SENT = "sent", gettext_lazy("已移交待确认")
    CLOSED = "closed", gettext_lazy("已确认")
    DISCARDED = "discarded", gettext_lazy("已撤销")


class GuidedStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", gettext_lazy("引导中")
    FINISHED = "finished", gettext_lazy("已结束")


class TransitionError(ValidationError):
    """A transition the table does not allow for this status or role."""


class MakerCheckerError(TransitionError):
    """The maker tried to check their own work (R9.4, design rule 4)."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]  # empty: the system only
    guards: tuple[str, ...] = field(default=())


SYSTEM: frozenset[Role] = frozenset()
STAFF = frozenset({Role.OUTLET_STAFF})
OUTLET = frozenset({Role.OUTLET_STAFF, Role.OUTLET_MANAGER})
MANAGER = frozenset({Role.OUTLET_MANAGER})
# The bank administrator acts for an outlet that is suspended or terminated (R6.4: nothing is stranded);
# the services refuse it while the outlet operates.
HANDOVER = frozenset({Role.OUTLET_MANAGER, Role.BANK_ADMIN})
DISTRICT = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN})

CASE_TRANSITIONS = [
    # High-risk items go to a second certified staff member before the core sees them (R9.4).
    Transition("request_review", (CaseStatus.DRAFT,), CaseStatus.AWAITING_REVIEW, STAFF,
               ("own_case", "ready", "version_in_force", "high_risk")),
    Transition("submit", (CaseStatus.DRAFT,), CaseStatus.SUBMITTED, STAFF,
               ("own_case", "ready", "version_in_force", "not_high_risk")),
    Transition("approve", (CaseStatus.AWAITING_REVIEW,), CaseStatus.SUBMITTED, OUTLET,
               ("second_person", "certified_same_outlet", "version_in_force")),
    Transition("return", (CaseStatus.AWAITING_REVIEW,), CaseStatus.DRAFT, OUTLET,
               ("second_person", "certified_same_outlet", "reason")),
    Transition("complete", (CaseStatus.SUBMITTED,), CaseStatus.COMPLETED, SYSTEM),
    Transition("reject", (CaseStatus.SUBMITTED,), CaseStatus.REJECTED, SYSTEM),
    Transition("cancel", (CaseStatus.DRAFT, CaseStatus.AWAITING_REVIEW), CaseStatus.CANCELLED,
               OUTLET | {Role.BANK_ADMIN}, ("own_case_or_manager", "reason")),
]  # fmt: skip

ARCHIVE_TRANSITIONS = [
    Transition("batch", (ArchiveStatus.PENDING, ArchiveStatus.DISCREPANCY), ArchiveStatus.BATCHED, HANDOVER),
    Transition("unbatch", (ArchiveStatus.BATCHED,), ArchiveStatus.PENDING, HANDOVER),
    Transition("send", (ArchiveStatus.BATCHED,), ArchiveStatus.SENT, HANDOVER),
    Transition("receive", (ArchiveStatus.SENT,), ArchiveStatus.RECEIVED, DISTRICT),
    Transition("flag", (ArchiveStatus.SENT,), ArchiveStatus.DISCREPANCY, DISTRICT, ("reason",)),
    # A flagged record takes a corrected scan (it stays 有差异 until handed over again in a new batch).
    Transition("correct", (ArchiveStatus.DISCREPANCY,), ArchiveStatus.DISCREPANCY, MANAGER, ("note",)),
]

BATCH_TRANSITIONS = [
    Transition("send", (BatchStatus.DRAFT,), BatchStatus.SENT, HANDOVER, ("not_empty",)),
    Transition("discard", (BatchStatus.DRAFT,), BatchStatus.DISCARDED, HANDOVER),
    Transition("close", (BatchStatus.SENT,), BatchStatus.CLOSED, SYSTEM, ("every_record_answered",)),
]

GUIDED_TRANSITIONS = [
    Transition("finish", (GuidedStatus.IN_PROGRESS,), GuidedStatus.FINISHED, OUTLET, ("own_session",)),
]


def _roles(user: object) -> set[str]:
    return {a.role for a in assignments_of(user)}


def find(
    table: Iterable[Transition], action: str, status: str, by: object, labels: type[models.TextChoices]
) -> Transition:
    """The transition for `action` from `status` that `by` may perform, or a TransitionError."""
    for t in table:
        if t.action != action:
            continue
        if status not in t.sources:
            raise TransitionError(
                _("当前状态为“%(status)s”，不能执行该操作。") % {"status": labels(status).label}
            )
        if by is None:
            return t
        if not t.roles or not (_roles(by) & {r.value for r in t.roles}):
            raise TransitionError(_("您的角色不能执行该操作。"))
        return t
    raise TransitionError(_("不支持的操作。"))
