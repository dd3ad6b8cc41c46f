"""Lifecycles of supervision (R9.4, Annex 13): findings, rectification orders, inspections,
self-inspection reports, formal talks, termination proposals. Pure Python: one TRANSITIONS table per lifecycle.

Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message. An empty role set means the system.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of


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


class TransitionError(ValidationError):
    """A transition the table does not allow for this status or role."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]  # empty: the system only


DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR})
MUNICIPAL = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})
AGENCY = DISTRICT | MUNICIPAL
OUTLET = frozenset({Role.OUTLET_MANAGER})
SYSTEM: frozenset[Role] = frozenset()

FINDING_TRANSITIONS = [
    Transition("order", (FindingStatus.OPEN,), FindingStatus.RECTIFYING, AGENCY),
    Transition("dismiss", (FindingStatus.OPEN,), FindingStatus.DISMISSED, AGENCY),
    Transition("close", (FindingStatus.RECTIFYING,), FindingStatus.CLOSED, AGENCY),
]

RECTIFICATION_TRANSITIONS = [
    Transition("answer", (RectificationStatus.ORDERED,), RectificationStatus.ANSWERED, OUTLET),
    Transition("close", (RectificationStatus.ANSWERED,), RectificationStatus.CLOSED, AGENCY),
    # Verification failed: the order goes back to the outlet with a new deadline.
    Transition("reopen", (RectificationStatus.ANSWERED,), RectificationStatus.ORDERED, AGENCY),
]

INSPECTION_TRANSITIONS = [
    Transition("record", (InspectionStatus.PLANNED,), InspectionStatus.DONE, AGENCY),
]

SELF_INSPECTION_TRANSITIONS = [
    Transition("accept", (SelfInspectionStatus.SUBMITTED,), SelfInspectionStatus.ACCEPTED, AGENCY),
    Transition("return", (SelfInspectionStatus.SUBMITTED,), SelfInspectionStatus.RETURNED, AGENCY),
    Transition("resubmit", (SelfInspectionStatus.RETURNED,), SelfInspectionStatus.SUBMITTED,
               frozenset({Role.BANK_ADMIN})),
]  # fmt: skip

PROPOSAL_TRANSITIONS = [
    Transition(
        "forward", (ProposalStatus.PROPOSED,), ProposalStatus.FORWARDED, frozenset({Role.DISTRICT_ADMIN})
    ),
    Transition(
        "dismiss", (ProposalStatus.PROPOSED,), ProposalStatus.DISMISSED, frozenset({Role.DISTRICT_ADMIN})
    ),
]


# 约谈 after a failed appraisal (Annex 3): the district records the talk, then follows the commitments up.
TALK_TRANSITIONS = [
    Transition("record", (TalkStatus.SCHEDULED,), TalkStatus.HELD, DISTRICT),
    Transition("follow_up", (TalkStatus.HELD,), TalkStatus.CLOSED,
               frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER})),
]  # fmt: skip


def allowed(table: Iterable[Transition], status: str, by: object) -> set[str]:
    """The actions this user may take from this status: the page offers exactly these buttons."""
    roles = {a.role for a in assignments_of(by)}
    return {t.action for t in table if status in t.sources and roles & {r.value for r in t.roles}}


def find(table: Iterable[Transition], action: str, status: str, by: object,
         labels: type[models.TextChoices]) -> Transition:  # fmt: skip
    for t in table:
        if t.action != action:
            continue
        if status not in t.sources:
            raise TransitionError(
                _("当前状态为“%(status)s”，不能执行该操作。") % {"status": labels(status).label}
            )
        if by is None:
            return t
        if not t.roles or not ({a.role for a in assignments_of(by)} & {r.value for r in t.roles}):
            raise TransitionError(_("您的角色不能执行该操作。"))
        return t
    raise TransitionError(_("不支持的操作。"))
