"""Lifecycles of outlet staff, transfers, permission grants, exam attempts and enrolments (R9.1, R2.0, R6.4).

Pure Python: one TRANSITIONS table per lifecycle (action, sources, target, roles allowed, guards). Only the
transition services in services.py change a status, under select_for_update(); a transition not in the
table raises TransitionError with a clear Chinese message. Guards are named here and enforced by the
service that performs the transition.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of


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


class TransitionError(Exception):
    """A transition that the table does not allow; its message is shown to the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str
    roles: frozenset[str]  # who may trigger it; the system itself (by=None) always may
    guards: tuple[str, ...] = ()


def _t(action: str, sources: Iterable[str], target: str, roles: Iterable[str], *guards: str) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), tuple(guards))


_ROSTER = {Role.OUTLET_MANAGER, Role.BANK_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN}
_DISTRICT = {Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN}

STAFF_TRANSITIONS: tuple[Transition, ...] = (
    _t("suspend", [StaffStatus.ACTIVE], StaffStatus.SUSPENDED, _ROSTER, "revokes_grants"),
    _t("reinstate", [StaffStatus.SUSPENDED], StaffStatus.ACTIVE, _ROSTER),
    _t("leave", [StaffStatus.ACTIVE, StaffStatus.SUSPENDED], StaffStatus.LEFT, _ROSTER, "revokes_grants"),
)

TRANSFER_TRANSITIONS: tuple[Transition, ...] = (
    # Proposed by the current outlet (or the bank); accepted or refused by the receiving side.
    _t("accept", [TransferStatus.PROPOSED], TransferStatus.ACCEPTED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
       "receiving_side", "not_proposer", "revokes_grants"),
    _t("reject", [TransferStatus.PROPOSED], TransferStatus.REJECTED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
       "receiving_side", "not_proposer"),
    _t("cancel", [TransferStatus.PROPOSED], TransferStatus.CANCELLED, {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
       "proposing_side"),
)  # fmt: skip

GRANT_TRANSITIONS: tuple[Transition, ...] = (
    # Maker–checker (R9.1, design rule 4): a district officer proposes, a district admin approves.
    _t("approve", [GrantStatus.PROPOSED], GrantStatus.ACTIVE, {Role.DISTRICT_ADMIN},
       "not_proposer", "prerequisites"),
    _t("reject", [GrantStatus.PROPOSED], GrantStatus.REJECTED, {Role.DISTRICT_ADMIN}, "not_proposer", "reason"),
    _t("withdraw", [GrantStatus.PROPOSED], GrantStatus.WITHDRAWN, _DISTRICT, "proposer"),
    _t("revoke", [GrantStatus.ACTIVE], GrantStatus.REVOKED, _DISTRICT, "reason", "ends_sessions"),
    _t("expire", [GrantStatus.ACTIVE], GrantStatus.EXPIRED, set(), "past_valid_until", "ends_sessions"),
    # Re-certification: approving a new grant ends the one it replaces.
    _t("supersede", [GrantStatus.ACTIVE], GrantStatus.EXPIRED, {Role.DISTRICT_ADMIN}, "renewed"),
)  # fmt: skip

ATTEMPT_TRANSITIONS: tuple[Transition, ...] = (
    _t("submit", [AttemptStatus.IN_PROGRESS], AttemptStatus.SUBMITTED,
       {Role.OUTLET_STAFF, Role.OUTLET_MANAGER}, "own_attempt", "before_deadline"),
    _t("time_out", [AttemptStatus.IN_PROGRESS], AttemptStatus.TIMED_OUT,
       {Role.OUTLET_STAFF, Role.OUTLET_MANAGER}, "after_deadline"),
)  # fmt: skip

ENROLMENT_TRANSITIONS: tuple[Transition, ...] = (
    _t("attend", [EnrolmentStatus.ENROLLED, EnrolmentStatus.ABSENT], EnrolmentStatus.ATTENDED, _DISTRICT
       | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}),
    _t("absent", [EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED], EnrolmentStatus.ABSENT, _DISTRICT
       | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}),
    _t("cancel", [EnrolmentStatus.ENROLLED], EnrolmentStatus.CANCELLED, {Role.OUTLET_MANAGER} | _DISTRICT),
)  # fmt: skip

SESSION_TRANSITIONS: tuple[Transition, ...] = (
    # 结束培训 only once the session is over (its end time has passed).
    _t("complete", [SessionStatus.PLANNED], SessionStatus.COMPLETED, _DISTRICT
       | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}, "after_end"),
    _t("cancel", [SessionStatus.PLANNED], SessionStatus.CANCELLED, _DISTRICT
       | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}, "cancels_enrolments"),
)  # fmt: skip

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
}


def roles_of(user: Any) -> set[str]:
    return {a.role for a in assignments_of(user)}


def find(table: tuple[Transition, ...], action: str, source: str, by: Any, labels: Any = None) -> Transition:
    """The transition for `action` from `source`, or TransitionError naming the state and the action."""
    for t in table:
        if t.action != action:
            continue
        if source not in t.sources:
            continue
        if by is not None and not (roles_of(by) & t.roles):
            raise TransitionError(
                _("您的角色不能执行“%(action)s”操作。") % {"action": _LABELS.get(action, action)}
            )
        return t
    state = dict(labels or []).get(source, source)
    raise TransitionError(
        _("当前状态为“%(state)s”，不能执行“%(action)s”操作。")
        % {"state": state, "action": _LABELS.get(action, action)}
    )


def can(table: tuple[Transition, ...], action: str, source: str, by: Any) -> bool:
    try:
        find(table, action, source, by)
    except TransitionError:
        return False
    return True
