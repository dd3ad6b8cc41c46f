"""Lifecycle of a bad-review handling case (R9.5; 国办发〔2019〕51号: verify, rectify, call back, publish).

open → verified → rectified → called_back → closed; an anonymous review may close straight from rectified,
a real-name one only after the call-back (回访率 100%). The outlet may appeal a false review (申诉复核) before
rectifying: appealed → appeal_upheld (the rating is set aside) or appeal_rejected (handling resumes).
Pure Python: one TRANSITIONS table; only the transition services in services.py change a status.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of


class BadReviewStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("待核实")
    VERIFIED = "verified", gettext_lazy("已核实待整改")
    RECTIFIED = "rectified", gettext_lazy("已整改")
    CALLED_BACK = "called_back", gettext_lazy("已回访")
    CLOSED = "closed", gettext_lazy("已办结")
    APPEALED = "appealed", gettext_lazy("申诉复核中")
    APPEAL_UPHELD = "appeal_upheld", gettext_lazy("申诉成立")
    APPEAL_REJECTED = "appeal_rejected", gettext_lazy("申诉驳回待整改")


# A bad review in one of these states needs nothing more (the clock stops).
FINISHED = (BadReviewStatus.CLOSED, BadReviewStatus.APPEAL_UPHELD)


class TransitionError(ValidationError):
    """A transition the table does not allow for this status or role."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]
    guards: tuple[str, ...] = field(default=())


MUNICIPAL = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}) | MUNICIPAL
MANAGER = frozenset({Role.OUTLET_MANAGER}) | MUNICIPAL
S = BadReviewStatus

TRANSITIONS = [
    Transition("verify", (S.OPEN,), S.VERIFIED, DISTRICT, ("note",)),
    Transition("rectify", (S.VERIFIED, S.APPEAL_REJECTED), S.RECTIFIED, MANAGER, ("note",)),
    Transition("call_back", (S.RECTIFIED,), S.CALLED_BACK, MANAGER | DISTRICT, ("note",)),
    Transition("close", (S.RECTIFIED, S.CALLED_BACK), S.CLOSED, DISTRICT, ("outcome", "called_back_if_real_name")),
    Transition("appeal", (S.OPEN, S.VERIFIED), S.APPEALED, frozenset({Role.OUTLET_MANAGER}), ("reason",)),
    Transition("uphold_appeal", (S.APPEALED,), S.APPEAL_UPHELD, DISTRICT, ("outcome",)),
    Transition("reject_appeal", (S.APPEALED,), S.APPEAL_REJECTED, DISTRICT, ("reason",)),
]  # fmt: skip


def find(action: str, status: str, by: object) -> Transition:
    """The transition for `action` from `status` that `by` may perform, or a TransitionError."""
    for t in TRANSITIONS:
        if t.action != action:
            continue
        if status not in t.sources:
            raise TransitionError(
                _("当前状态为“%(status)s”，不能执行该操作。") % {"status": BadReviewStatus(status).label}
            )
        if by is None:
            return t
        roles = {a.role for a in assignments_of(by)}
        if not roles & {r.value for r in t.roles}:
            raise TransitionError(_("您的角色不能执行该操作。"))
        return t
    raise TransitionError(_("不支持的操作。"))


def allowed_actions(status: str, by: object) -> list[str]:
    roles = {a.role for a in assignments_of(by)}
    return [t.action for t in TRANSITIONS if status in t.sources and roles & {r.value for r in t.roles}]
