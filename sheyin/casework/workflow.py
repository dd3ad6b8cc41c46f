"""Lifecycles of casework (R2.3, R9.2, R9.4; Annex 10): cases, archive records, handover batches and guided
sessions. One Lifecycle per table on the common engine (action, sources, target, roles allowed, guards).

Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message. The guards are callables the engine
runs before the status moves. An empty role set means the system itself (the core's answer, a job).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.common.lifecycle import (
    Lifecycle,
    MakerCheckerError,
    T,
    Transition,
    TransitionError,
    maker_checker,
    refuses_with,
)

__all__ = ["LIFECYCLES", "MakerCheckerError", "TransitionError", "find", "guards"]


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


SYSTEM: frozenset[Role] = frozenset()
STAFF = frozenset({Role.OUTLET_STAFF})
OUTLET = frozenset({Role.OUTLET_STAFF, Role.OUTLET_MANAGER})
MANAGER = frozenset({Role.OUTLET_MANAGER})
# The bank administrator acts for an outlet that is suspended or terminated (R6.4: nothing is stranded);
# the services refuse it while the outlet operates.
HANDOVER = frozenset({Role.OUTLET_MANAGER, Role.BANK_ADMIN})
DISTRICT = frozenset({Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN})

# --- guards: (obj, ctx) -> a Chinese refusal or None. The services check the same facts first where a
# refusal belongs to a form field; the engine runs every guard before the status moves. -------------------


def own_case(case: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and case.staff_id != ctx["by_id"]:
        return _("只有受理该业务的经办人可以操作。")
    return None


def ready(case: Any, ctx: dict[str, Any]) -> str | None:
    from .services import _missing

    problems = _missing(case)
    return _("不能提交：%(p)s。") % {"p": "；".join(problems)} if problems else None


def version_in_force(case: Any, ctx: dict[str, Any]) -> str | None:
    from .services import _superseded

    error = _superseded(case)
    return "".join(error.messages) if error is not None else None


def high_risk(case: Any, ctx: dict[str, Any]) -> str | None:
    return None if case.high_risk else _("该事项不需要复核，请直接提交。")


def not_high_risk(case: Any, ctx: dict[str, Any]) -> str | None:
    return _("高风险事项须经另一名持证经办人员复核后提交。") if case.high_risk else None


@maker_checker
def second_person(case: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and ctx["by_id"] == case.staff_id:
        return _("经办人不能复核自己受理的业务，须由本网点另一名持证经办人员复核。")
    return None


def certified_same_outlet(case: Any, ctx: dict[str, Any]) -> str | None:
    from sheyin.catalogue.choices import Channel

    from .services import _grant, _has_grant

    by = ctx.get("by")
    if by is None:
        return None
    grant = _grant(by)
    if (
        grant is None
        or grant.outlet_id != case.outlet_id
        or not _has_grant(by, Channel.COUNTER, case.item_category)
    ):
        return _("复核人须为本网点持有效人工窗口授权的经办人员。")
    return None


def reason(obj: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("reason") or "").strip() else _("请填写原因。")


def note(obj: Any, ctx: dict[str, Any]) -> str | None:
    return None if str(ctx.get("note") or "").strip() else _("请填写说明。")


@refuses_with(NotAllowed)
def own_case_or_manager(case: Any, ctx: dict[str, Any]) -> str | None:
    """The staff member who accepted it, a manager of its outlet, or the bank's administrator (who acts
    only for a suspended or terminated outlet; the service checks that)."""
    by = ctx.get("by")
    if by is None or case.staff_id == by.pk:
        return None
    for a in assignments_of(by):
        if (a.role == Role.OUTLET_MANAGER and a.outlet_id == case.outlet_id) or (
            a.role == Role.BANK_ADMIN and a.bank_id == case.bank_id
        ):
            return None
    return _("只有经办人本人或网点负责人可以取消该业务。")


def not_empty(batch: Any, ctx: dict[str, Any]) -> str | None:
    return None if batch.records.exists() else _("批次中没有档案，不能移交。")


def every_record_answered(batch: Any, ctx: dict[str, Any]) -> str | None:
    if batch.records.filter(status=ArchiveStatus.SENT).exists():
        return _("批次中还有档案未确认接收。")
    return None


@refuses_with(NotAllowed)
def own_session(session: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and session.guide_id != ctx["by_id"]:
        return _("只能结束本人开始的引导记录。")
    return None


_MESSAGES = {
    "status": gettext_lazy("当前状态为“%(status)s”，不能执行该操作。"),
    "role": gettext_lazy("您的角色不能执行该操作。"),
    "system": gettext_lazy("您的角色不能执行该操作。"),
}
C, A, B = CaseStatus, ArchiveStatus, BatchStatus

CASE_TRANSITIONS = Lifecycle("case", CaseStatus, (
    # High-risk items go to a second certified staff member before the core sees them (R9.4).
    T("request_review", [C.DRAFT], C.AWAITING_REVIEW, STAFF, own_case, ready, version_in_force, high_risk),
    T("submit", [C.DRAFT], C.SUBMITTED, STAFF, own_case, ready, version_in_force, not_high_risk),
    T("approve", [C.AWAITING_REVIEW], C.SUBMITTED, OUTLET, second_person, certified_same_outlet, version_in_force),
    T("return", [C.AWAITING_REVIEW], C.DRAFT, OUTLET, second_person, certified_same_outlet, reason),
    T("complete", [C.SUBMITTED], C.COMPLETED, SYSTEM),
    T("reject", [C.SUBMITTED], C.REJECTED, SYSTEM),
    T("cancel", [C.DRAFT, C.AWAITING_REVIEW], C.CANCELLED, OUTLET | {Role.BANK_ADMIN}, own_case_or_manager, reason),
), messages=_MESSAGES)  # fmt: skip

ARCHIVE_TRANSITIONS = Lifecycle("archive", ArchiveStatus, (
    T("batch", [A.PENDING, A.DISCREPANCY], A.BATCHED, HANDOVER),
    T("unbatch", [A.BATCHED], A.PENDING, HANDOVER),
    T("send", [A.BATCHED], A.SENT, HANDOVER),
    T("receive", [A.SENT], A.RECEIVED, DISTRICT),
    T("flag", [A.SENT], A.DISCREPANCY, DISTRICT, note),
    # A flagged record takes a corrected scan (it stays 有差异 until handed over again in a new batch).
    T("correct", [A.DISCREPANCY], A.DISCREPANCY, MANAGER, note),
), messages=_MESSAGES)  # fmt: skip

BATCH_TRANSITIONS = Lifecycle("handover", BatchStatus, (
    T("send", [B.DRAFT], B.SENT, HANDOVER, not_empty),
    T("discard", [B.DRAFT], B.DISCARDED, HANDOVER),
    T("close", [B.SENT], B.CLOSED, SYSTEM, every_record_answered),
), messages=_MESSAGES)  # fmt: skip

GUIDED_TRANSITIONS = Lifecycle("guided", GuidedStatus, (
    T("finish", [GuidedStatus.IN_PROGRESS], GuidedStatus.FINISHED, OUTLET, own_session),
), messages=_MESSAGES)  # fmt: skip

LIFECYCLES = (CASE_TRANSITIONS, ARCHIVE_TRANSITIONS, BATCH_TRANSITIONS, GUIDED_TRANSITIONS)


def find(table: Lifecycle, action: str, status: str, by: object, labels: object = None) -> Transition:
    """The row for `action` from `status` that `by` may take (status and role); the guards run in
    `guards` once the service has gathered what they read. The system (by=None) always may."""
    return table.permit(action, status, by=by)


def guards(table: Lifecycle, tr: Transition, obj: Any, by: Any, **ctx: Any) -> None:
    """Every guard the row declares (first refusal raised)."""
    table.run_guards(tr, obj, by=by, ctx=ctx)
