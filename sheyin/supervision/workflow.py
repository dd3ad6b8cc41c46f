"""Lifecycles of supervision (R9.4, Annex 13): findings, rectification orders, inspections,
self-inspection reports, formal talks, termination proposals. Each table is a Lifecycle on the common engine.

Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import Lifecycle, T, Transition, TransitionError, roles_of

__all__ = ["LIFECYCLES", "TransitionError", "allowed", "find"]


class FindingStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("待处理")
    RECTIFYING = "rectifying", gettext_lazy("整改中")
    CLOSED = "closed", gettext_lazy("已销号")
    DISMISSED = "dismissed", gettext_lazy("已排除")


class RectificationStatus(models.TextChoices):
    ORDERED = "ordered", gettext_lazy("待整改")
    ANSWERED = "answered", gettext_lazy("待核验")
    CLOSED = "closed", gettext_lazy("已销号")


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("待检查")
    DONE = "done", gettext_lazy("已检查")


class SelfInspectionStatus(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("待审阅")
    ACCEPTED = "accepted", gettext_lazy("审阅通过")
    RETURNED = "returned", gettext_lazy("退回补充")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("已提议")
    FORWARDED = "forwarded", gettext_lazy("已转入终止流程")
    DISMISSED = "dismissed", gettext_lazy("不予终止")


class TalkStatus(models.TextChoices):
    SCHEDULED = "scheduled", gettext_lazy("待约谈")
    HELD = "held", gettext_lazy("已约谈，跟踪落实中")
    CLOSED = "closed", gettext_lazy("已跟踪办结")


DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR})
MUNICIPAL = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})
AGENCY = DISTRICT | MUNICIPAL
OUTLET = frozenset({Role.OUTLET_MANAGER})
SYSTEM: frozenset[Role] = frozenset()
_MESSAGES = {
    "status": gettext_lazy("当前状态为“%(status)s”，不能执行该操作。"),
    "role": gettext_lazy("您的角色不能执行该操作。"),
    "system": gettext_lazy("您的角色不能执行该操作。"),
}

FINDING_TRANSITIONS = Lifecycle("finding", FindingStatus, (
    T("order", [FindingStatus.OPEN], FindingStatus.RECTIFYING, AGENCY),
    T("dismiss", [FindingStatus.OPEN], FindingStatus.DISMISSED, AGENCY),
    T("close", [FindingStatus.RECTIFYING], FindingStatus.CLOSED, AGENCY),
), messages=_MESSAGES)  # fmt: skip

RECTIFICATION_TRANSITIONS = Lifecycle("rectification", RectificationStatus, (
    # The outlet manager or the bank's admin reports the fix with its evidence.
    T("answer", [RectificationStatus.ORDERED], RectificationStatus.ANSWERED, OUTLET | {Role.BANK_ADMIN}),
    T("close", [RectificationStatus.ANSWERED], RectificationStatus.CLOSED, AGENCY),
    # Verification failed: the order goes back to the outlet with a new deadline.
    T("reopen", [RectificationStatus.ANSWERED], RectificationStatus.ORDERED, AGENCY),
), messages=_MESSAGES)  # fmt: skip

INSPECTION_TRANSITIONS = Lifecycle("supervision_inspection", InspectionStatus, (
    T("record", [InspectionStatus.PLANNED], InspectionStatus.DONE, AGENCY),
), messages=_MESSAGES, audit_prefix="inspection")  # fmt: skip

SELF_INSPECTION_TRANSITIONS = Lifecycle("self_inspection", SelfInspectionStatus, (
    T("accept", [SelfInspectionStatus.SUBMITTED], SelfInspectionStatus.ACCEPTED, AGENCY),
    T("return", [SelfInspectionStatus.SUBMITTED], SelfInspectionStatus.RETURNED, AGENCY),
    T("resubmit", [SelfInspectionStatus.RETURNED], SelfInspectionStatus.SUBMITTED, {Role.BANK_ADMIN}),
), messages=_MESSAGES)  # fmt: skip

PROPOSAL_TRANSITIONS = Lifecycle("termination_proposal", ProposalStatus, (
    T("forward", [ProposalStatus.PROPOSED], ProposalStatus.FORWARDED, {Role.DISTRICT_ADMIN}),
    T("dismiss", [ProposalStatus.PROPOSED], ProposalStatus.DISMISSED, {Role.DISTRICT_ADMIN}),
), messages=_MESSAGES)  # fmt: skip

# 约谈 after a failed appraisal (Annex 3): the district records the talk, then follows the commitments up.
TALK_TRANSITIONS = Lifecycle("talk", TalkStatus, (
    T("record", [TalkStatus.SCHEDULED], TalkStatus.HELD, DISTRICT),
    T("follow_up", [TalkStatus.HELD], TalkStatus.CLOSED, {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}),
), messages=_MESSAGES)  # fmt: skip

LIFECYCLES = (FINDING_TRANSITIONS, RECTIFICATION_TRANSITIONS, INSPECTION_TRANSITIONS,
              SELF_INSPECTION_TRANSITIONS, PROPOSAL_TRANSITIONS, TALK_TRANSITIONS)  # fmt: skip


def allowed(table: Lifecycle, status: str, by: object) -> set[str]:
    """The actions this user may take from this status: the page offers exactly these buttons."""
    return {t.action for t in table.allowed_by_role(status, roles_of(by))}


def find(table: Lifecycle, action: str, status: str, by: object, labels: object = None) -> Transition:
    """The row for `action` from `status` that `by` may take (the system, by=None, always may)."""
    return table.permit(action, status, by=by)
