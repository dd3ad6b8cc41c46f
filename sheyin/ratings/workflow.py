"""Lifecycle of a bad-review handling case (R9.5; 国办发〔2019〕51号: verify, rectify, call back, publish).

open → verified → rectified → called_back → closed; an anonymous review may close straight from rectified,
a real-name one only after the call-back (回访率 100%). The outlet may appeal a false review (申诉复核) before
rectifying: appealed → appeal_upheld (the rating is set aside) or appeal_rejected (handling resumes).
One lifecycle on the common engine; only the transition services in services.py change a status,
through BAD_REVIEW.apply().
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import Lifecycle, T, Transition, TransitionError

__all__ = [
    "BAD_REVIEW",
    "FINISHED",
    "TRANSITIONS",
    "BadReviewStatus",
    "TransitionError",
    "allowed_actions",
    "find",
]


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


MUNICIPAL = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER})
DISTRICT = frozenset({Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}) | MUNICIPAL
MANAGER = frozenset({Role.OUTLET_MANAGER}) | MUNICIPAL
S = BadReviewStatus


# Guards: the service passes what the person wrote as ctx["text"]; each returns a Chinese refusal or None.
def note(bad: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("text") or "").strip() else _("请填写办理情况。")


def reason(bad: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("text") or "").strip() else _("请填写理由。")


def outcome(bad: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("text") or "").strip() else _("请填写向社会公开的处理结果。")


def called_back_if_real_name(bad: Any, ctx: dict[str, Any]) -> str | None:
    """A real-name review closes only after the call-back (回访率 100%, R9.5)."""
    if bad.rating.real_name and bad.called_back_at is None:
        return _("实名差评须先完成回访，才能办结。")
    return None


BAD_REVIEW = Lifecycle(
    "bad_review",
    BadReviewStatus,
    (
        T("verify", [S.OPEN], S.VERIFIED, DISTRICT, note),
        T("rectify", [S.VERIFIED, S.APPEAL_REJECTED], S.RECTIFIED, MANAGER, note),
        T("call_back", [S.RECTIFIED], S.CALLED_BACK, MANAGER | DISTRICT, note),
        T("close", [S.RECTIFIED, S.CALLED_BACK], S.CLOSED, DISTRICT, outcome, called_back_if_real_name),
        T("appeal", [S.OPEN, S.VERIFIED], S.APPEALED, {Role.OUTLET_MANAGER}, reason),
        T("uphold_appeal", [S.APPEALED], S.APPEAL_UPHELD, DISTRICT, outcome),
        T("reject_appeal", [S.APPEALED], S.APPEAL_REJECTED, DISTRICT, reason),
    ),
    messages={"status": gettext_lazy("当前状态为“%(status)s”，不能执行该操作。"),
              "role": gettext_lazy("您的角色不能执行该操作。")},
)  # fmt: skip
TRANSITIONS = BAD_REVIEW.transitions


def find(action: str, status: str, by: object) -> Transition:
    """The transition for `action` from `status` that `by` may perform (status and role), or a refusal."""
    return BAD_REVIEW.permit(action, status, by=by)


def allowed_actions(status: str, by: object) -> list[str]:
    """Actions open to this user's roles from this status (the text guards need the form, so not here)."""
    from sheyin.common.lifecycle import roles_of

    return [t.action for t in BAD_REVIEW.allowed_by_role(status, roles_of(by))]
