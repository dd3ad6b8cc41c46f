"""Lifecycles of outlet staff, transfers, permission grants, exam attempts and enrolments (R9.1, R2.0, R6.4).

One Lifecycle per table on the common engine (action, sources, target, roles allowed, guards, effects).
Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message. The guards are callables here that the
engine runs; the effects (grants revoked, sessions ended, enrolments cancelled) are what the service does.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.permissions import NotAllowed, require_scope
from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import (
    SYSTEM,
    Lifecycle,
    T,
    Transition,
    TransitionError,
    maker_checker,
    refuses_with,
)

__all__ = ["LIFECYCLES", "SYSTEM", "TransitionError", "can", "find", "step"]


class StaffStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("在岗")
    SUSPENDED = "suspended", gettext_lazy("停岗")
    LEFT = "left", gettext_lazy("离职")


class Post(models.TextChoices):
    WINDOW = "window", gettext_lazy("窗口经办")
    GUIDE = "guide", gettext_lazy("引导员")
    MANAGER = "manager", gettext_lazy("网点负责人")


class TransferStatus(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("待接收")
    ACCEPTED = "accepted", gettext_lazy("已接收")
    REJECTED = "rejected", gettext_lazy("已拒绝")
    CANCELLED = "cancelled", gettext_lazy("已撤回")


class GrantStatus(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("待审批")
    ACTIVE = "active", gettext_lazy("有效")
    REJECTED = "rejected", gettext_lazy("已驳回")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")
    EXPIRED = "expired", gettext_lazy("已到期")
    REVOKED = "revoked", gettext_lazy("已撤销")


class RevokeReason(models.TextChoices):
    """Why a grant ended early (R6.4 and R9.1): each is shown in the staff member's history."""

    LEFT = "left", gettext_lazy("离职")
    TRANSFER = "transfer", gettext_lazy("调动")
    STAFF_SUSPENDED = "staff_suspended", gettext_lazy("人员停岗")
    OUTLET_SUSPENDED = "outlet_suspended", gettext_lazy("网点暂停服务")
    OUTLET_TERMINATED = "outlet_terminated", gettext_lazy("网点终止合作")
    VIOLATION = "violation", gettext_lazy("违规")
    NO_EDUCATION = "no_education", gettext_lazy("未按期接受保密和安全教育")
    OTHER = "other", gettext_lazy("其他")


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", gettext_lazy("答题中")
    SUBMITTED = "submitted", gettext_lazy("已交卷")
    TIMED_OUT = "timed_out", gettext_lazy("超时自动交卷")
    RECORDED = "recorded", gettext_lazy("线下成绩录入")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", gettext_lazy("已报名")
    ATTENDED = "attended", gettext_lazy("已参训")
    ABSENT = "absent", gettext_lazy("缺勤")
    CANCELLED = "cancelled", gettext_lazy("已取消")


class SessionStatus(models.TextChoices):
    PLANNED = "planned", gettext_lazy("计划中")
    COMPLETED = "completed", gettext_lazy("已结束")
    CANCELLED = "cancelled", gettext_lazy("已取消")


_ROSTER = {Role.OUTLET_MANAGER, Role.BANK_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN}
_DISTRICT = {Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN}
_TRAINING = _DISTRICT | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}

# --- guards: (obj, ctx) -> a Chinese refusal or None; ctx carries "by", "by_id" and what the service adds --


def _side(outlet: Any, ctx: dict[str, Any]) -> str | None:
    by = ctx.get("by")
    if by is None:
        return None
    try:
        require_scope(by, outlet)
    except NotAllowed:
        return _("您不能处理其他网点的调动。")
    return None


@refuses_with(NotAllowed)
def receiving_side(transfer: Any, ctx: dict[str, Any]) -> str | None:
    return _side(transfer.to_outlet, ctx)


@refuses_with(NotAllowed)
def proposing_side(transfer: Any, ctx: dict[str, Any]) -> str | None:
    return _side(transfer.from_outlet, ctx)


@maker_checker
def transfer_not_proposer(transfer: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and ctx["by_id"] == transfer.proposed_by_id:
        return _("调动须由调入方确认，发起人不能自己接收或拒绝。")
    return None


@maker_checker
def grant_not_proposer(grant: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and ctx["by_id"] == grant.proposed_by_id:
        return _("审批人不能是提出人（双人复核）。")
    return None


def proposer(grant: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and ctx["by_id"] != grant.proposed_by_id:
        return _("只有提出人可以撤回申请。")
    return None


def reason(grant: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("note") or "").strip() else _("驳回须填写理由。")


def revoke_reason(grant: Any, ctx: dict[str, Any]) -> str | None:
    return None if ctx.get("kind") else _("请选择撤销原因。")


def prerequisites(grant: Any, ctx: dict[str, Any]) -> str | None:
    """Still at the outlet applied for, with the training, exam and confidentiality agreement (R9.1)."""
    from .selectors import grant_missing

    staff = grant.staff
    if staff.outlet_id != grant.outlet_id:
        return _("人员已调离申请网点，该申请不再有效。")
    missing = grant_missing(staff)
    return "；".join(_("不能授权：%(m)s") % {"m": m} for m in missing) or None


def past_valid_until(grant: Any, ctx: dict[str, Any]) -> str | None:
    today = ctx.get("today") or timezone.localdate()
    if grant.valid_until is not None and grant.valid_until >= today:
        return _("授权有效期至%(d)s，尚未到期。") % {"d": grant.valid_until.isoformat()}
    return None


def renewed(grant: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("replacement") is None:
        return _("只有批准新的授权时才能替代原授权。")
    return None


def own_attempt(attempt: Any, ctx: dict[str, Any]) -> str | None:
    by = ctx.get("by")
    if by is not None and (attempt.staff.user_id is None or attempt.staff.user_id != by.pk):
        return _("只能由本人交卷。")
    return None


def before_deadline(attempt: Any, ctx: dict[str, Any]) -> str | None:
    if (ctx.get("now") or timezone.now()) > attempt.deadline:
        return _("考试时间已到，答卷已超时自动提交。")
    return None


def after_deadline(attempt: Any, ctx: dict[str, Any]) -> str | None:
    if (ctx.get("now") or timezone.now()) <= attempt.deadline:
        return _("考试时间未到，不能按超时交卷。")
    return None


def after_end(session: Any, ctx: dict[str, Any]) -> str | None:
    if session.ends_at > (ctx.get("now") or timezone.now()):
        return _("培训尚未结束（%(t)s结束），不能结束培训。") % {
            "t": timezone.localtime(session.ends_at).strftime("%Y-%m-%d %H:%M")
        }
    return None


# --- the tables (effects: what the service does besides the status, declared beside it) -----------------

REVOKES_GRANTS = "revokes_grants"
ENDS_SESSIONS = "ends_sessions"
CANCELS_ENROLMENTS = "cancels_enrolments"

_LABELS = {
    "suspend": gettext_lazy("停岗"),
    "reinstate": gettext_lazy("复岗"),
    "leave": gettext_lazy("办理离职"),
    "accept": gettext_lazy("接收"),
    "reject": gettext_lazy("驳回"),
    "cancel": gettext_lazy("撤回/取消"),
    "approve": gettext_lazy("批准"),
    "withdraw": gettext_lazy("撤回"),
    "revoke": gettext_lazy("撤销"),
    "expire": gettext_lazy("到期"),
    "supersede": gettext_lazy("续期替代"),
    "complete": gettext_lazy("结束培训"),
    "submit": gettext_lazy("交卷"),
    "time_out": gettext_lazy("超时交卷"),
    "attend": gettext_lazy("记录出勤"),
    "absent": gettext_lazy("记录缺勤"),
    "lapse": gettext_lazy("随之失效"),
}
_MESSAGES = {
    "status": gettext_lazy("当前状态为“%(status)s”，不能执行“%(action)s”操作。"),
    "role": gettext_lazy("您的角色不能执行“%(action)s”操作。"),
    "system": gettext_lazy("您的角色不能执行“%(action)s”操作。"),
}


def _lc(name: str, statuses: type[models.TextChoices], *rows: Transition) -> Lifecycle:
    return Lifecycle(name, statuses, rows, messages=_MESSAGES, action_labels=_LABELS)


S, TR, G = StaffStatus, TransferStatus, GrantStatus

STAFF_TRANSITIONS = _lc("staff", StaffStatus,
    T("suspend", [S.ACTIVE], S.SUSPENDED, _ROSTER, effects={REVOKES_GRANTS}),
    T("reinstate", [S.SUSPENDED], S.ACTIVE, _ROSTER),
    T("leave", [S.ACTIVE, S.SUSPENDED], S.LEFT, _ROSTER, effects={REVOKES_GRANTS}),
)  # fmt: skip

TRANSFER_TRANSITIONS = _lc("transfer", TransferStatus,
    # Proposed by the current outlet (or the bank); accepted or refused by the receiving side.
    T("accept", [TR.PROPOSED], TR.ACCEPTED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
      receiving_side, transfer_not_proposer, effects={REVOKES_GRANTS}),
    T("reject", [TR.PROPOSED], TR.REJECTED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
      receiving_side, transfer_not_proposer),
    T("cancel", [TR.PROPOSED], TR.CANCELLED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN}, proposing_side),
    # The platform: the person left, so the proposal lapses.
    T("lapse", [TR.PROPOSED], TR.CANCELLED, {SYSTEM}),
)  # fmt: skip

GRANT_TRANSITIONS = _lc("grant", GrantStatus,
    # Maker–checker (R9.1, design rule 4): a district officer proposes, a district admin approves.
    T("approve", [G.PROPOSED], G.ACTIVE, {Role.DISTRICT_ADMIN}, grant_not_proposer, prerequisites),
    T("reject", [G.PROPOSED], G.REJECTED, {Role.DISTRICT_ADMIN}, grant_not_proposer, reason),
    T("withdraw", [G.PROPOSED], G.WITHDRAWN, _DISTRICT, proposer),
    # The platform: the person moved to another outlet, so a proposal for the old one lapses.
    T("lapse", [G.PROPOSED], G.WITHDRAWN, {SYSTEM}),
    T("revoke", [G.ACTIVE], G.REVOKED, _DISTRICT | {SYSTEM}, revoke_reason, effects={ENDS_SESSIONS}),
    T("expire", [G.ACTIVE], G.EXPIRED, {SYSTEM}, past_valid_until, effects={ENDS_SESSIONS}),
    # Re-certification: approving a new grant ends the one it replaces.
    T("supersede", [G.ACTIVE], G.EXPIRED, {Role.DISTRICT_ADMIN, SYSTEM}, renewed),
)  # fmt: skip

ATTEMPT_TRANSITIONS = _lc("attempt", AttemptStatus,
    T("submit", [AttemptStatus.IN_PROGRESS], AttemptStatus.SUBMITTED, {Role.OUTLET_STAFF, Role.OUTLET_MANAGER},
      own_attempt, before_deadline),
    T("time_out", [AttemptStatus.IN_PROGRESS], AttemptStatus.TIMED_OUT, {Role.OUTLET_STAFF, Role.OUTLET_MANAGER},
      after_deadline),
)  # fmt: skip

ENROLMENT_TRANSITIONS = _lc("enrolment", EnrolmentStatus,
    T("attend", [EnrolmentStatus.ENROLLED, EnrolmentStatus.ABSENT], EnrolmentStatus.ATTENDED, _TRAINING),
    T("absent", [EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED], EnrolmentStatus.ABSENT, _TRAINING),
    T("cancel", [EnrolmentStatus.ENROLLED], EnrolmentStatus.CANCELLED, {Role.OUTLET_MANAGER} | _DISTRICT),
    # The platform: the session was cancelled, so its enrolments lapse.
    T("lapse", [EnrolmentStatus.ENROLLED], EnrolmentStatus.CANCELLED, {SYSTEM}),
)  # fmt: skip

SESSION_TRANSITIONS = _lc("session", SessionStatus,
    # 结束培训 only once the session is over (its end time has passed).
    T("complete", [SessionStatus.PLANNED], SessionStatus.COMPLETED, _TRAINING, after_end),
    T("cancel", [SessionStatus.PLANNED], SessionStatus.CANCELLED, _TRAINING, effects={CANCELS_ENROLMENTS}),
)  # fmt: skip

LIFECYCLES = (STAFF_TRANSITIONS, TRANSFER_TRANSITIONS, GRANT_TRANSITIONS, ATTEMPT_TRANSITIONS,
              ENROLMENT_TRANSITIONS, SESSION_TRANSITIONS)  # fmt: skip


def find(table: Lifecycle, action: str, source: str, by: Any, labels: Any = None) -> Transition:
    """The row for `action` from `source` that `by` may take (status and role; the guards run in
    `step`). The system itself (by=None) always may."""
    return table.permit(action, source, by=by)


def step(table: Lifecycle, action: str, obj: Any, by: Any, ctx: dict[str, Any] | None = None,
         *, system: bool = False) -> Transition:  # fmt: skip
    """Status, role and every guard of the row; `system=True` for a side effect of an authorised step."""
    return table.check(obj, action, by=by, ctx=ctx, roles={SYSTEM} if system else None)


def can(table: Lifecycle, action: str, source: str, by: Any) -> bool:
    try:
        find(table, action, source, by)
    except TransitionError:
        return False
    return True
