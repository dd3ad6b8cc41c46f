"""Statuses and transition tables of every lifecycle in the cooperation app (design rule 3). Pure Python.

Each table (a Lifecycle on the common engine, sheyin.common.lifecycle) lists, per action: the source
statuses, the target, the roles allowed and the guards. A guard is a pure function of the object and a
context the service prepares; it returns a Chinese refusal or None, and the engine runs every one. Only
the transition services in services/ change a status, under select_for_update().
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import (
    SYSTEM,
    Guard,
    Lifecycle,
    MakerCheckerError,
    T,
    Transition,
    TransitionError,
    maker_checker,
)
from sheyin.institutions.models import Bank, OutletStatus

__all__ = ["SYSTEM", "Lifecycle", "MakerCheckerError", "Transition", "TransitionError", "maker_checker"]

MA, MO = Role.MUNICIPAL_ADMIN.value, Role.MUNICIPAL_OFFICER.value
DA, DO, DI = Role.DISTRICT_ADMIN.value, Role.DISTRICT_OFFICER.value, Role.DISTRICT_INSPECTOR.value
BA, OM = Role.BANK_ADMIN.value, Role.OUTLET_MANAGER.value


class BankApplicationStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    SUBMITTED = "submitted", gettext_lazy("待审核")
    RETURNED = "returned", gettext_lazy("退回补正")
    REVIEWED = "reviewed", gettext_lazy("待审批")
    APPROVED = "approved", gettext_lazy("已批准")
    REJECTED = "rejected", gettext_lazy("未批准")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("待签署")
    ACTIVE = "active", gettext_lazy("生效中")
    EXPIRED = "expired", gettext_lazy("期满终止")
    TERMINATED = "terminated", gettext_lazy("已解除")
    CANCELLED = "cancelled", gettext_lazy("已作废")


class OutletApplicationStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    SUBMITTED = "submitted", gettext_lazy("待受理")
    RETURNED = "returned", gettext_lazy("退回补正")
    REVIEWING = "reviewing", gettext_lazy("待现场检查")
    INSPECTED = "inspected", gettext_lazy("待验收决定")
    RECTIFYING = "rectifying", gettext_lazy("整改待复查")
    ACCEPTED = "accepted", gettext_lazy("已验收")
    REJECTED = "rejected", gettext_lazy("未通过")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class InspectionStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("检查中")
    COMPLETED = "completed", gettext_lazy("已完成")


class ExceptionStatus(models.TextChoices):
    PENDING = "pending", gettext_lazy("待审批")
    APPROVED = "approved", gettext_lazy("已批准")
    REJECTED = "rejected", gettext_lazy("未批准")


class FilingStatus(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("待审核")
    APPROVED = "approved", gettext_lazy("已备案")
    REJECTED = "rejected", gettext_lazy("已退回")


class PlaqueStatus(models.TextChoices):
    VALID = "valid", gettext_lazy("有效")
    RECOVERED = "recovered", gettext_lazy("已收回（失效）")


class TerminationStatus(models.TextChoices):
    PROPOSED = "proposed", gettext_lazy("待确认")
    SCHEDULED = "scheduled", gettext_lazy("待生效")
    EFFECTIVE = "effective", gettext_lazy("已生效（事项跟踪中）")
    CLOSED = "closed", gettext_lazy("已办结")
    CANCELLED = "cancelled", gettext_lazy("已撤销")


class ChecklistStatus(models.TextChoices):
    DRAFT = "draft", gettext_lazy("草稿")
    PUBLISHED = "published", gettext_lazy("现行")
    RETIRED = "retired", gettext_lazy("已停用")


class ChangeRequestStatus(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("待区级审核")
    LAYOUT_REVIEW = "layout_review", gettext_lazy("待市级布局审批")
    APPROVED = "approved", gettext_lazy("已批准生效")
    REJECTED = "rejected", gettext_lazy("未批准")
    WITHDRAWN = "withdrawn", gettext_lazy("已撤回")


class OpenItemStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("未结")
    CLOSED = "closed", gettext_lazy("已结")


def t(
    action: str, label: Any, source: Iterable[str] | str, target: str, roles: Iterable[str], *guards: Guard
) -> Transition:
    return T(action, source, target, roles, *guards, label=label)


def _lifecycle(
    name: str, statuses: type[models.TextChoices], transitions: tuple[Transition, ...]
) -> Lifecycle:
    """A cooperation lifecycle: a role outside the table is a permission refusal (NotAllowed)."""
    return Lifecycle(
        name,
        statuses,
        transitions,
        messages={"system": gettext_lazy("您的角色不能执行“%(action)s”。")},
        audit_prefix=f"cooperation.{name}",
        role_error=NotAllowed,
    )


# --- guards (pure: they read the object and the context only) ---------------------------------------


@maker_checker
def not_reviewer(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and obj.reviewed_by_id == ctx.get("by_id"):
        return _("审核人不能审批同一申请（审核与审批须由不同人员办理）。")
    return None


@maker_checker
def not_filing_maker(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and obj.submitted_by_id == ctx.get("by_id"):
        return _("备案报送人不能审核自己报送的备案（经办与复核须由不同人员办理）。")
    return None


@maker_checker
def not_proposer(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and obj.proposed_by_id == ctx.get("by_id"):
        return _("提出单方解除的人员不能批准该解除（经办与复核须由不同人员办理）。")
    return None


@maker_checker
def not_change_requester(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("by_id") is not None and obj.requested_by_id == ctx.get("by_id"):
        return _("变更申请人不能审核自己提出的变更（经办与复核须由不同人员办理）。")
    return None


def requester_side(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("same_side") is False:
        return _("只有提出变更的一方可以撤回该申请。")
    return None


def outlet_in_service(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("outlet_status") not in (
        OutletStatus.ACCEPTED,
        OutletStatus.OPERATING,
        OutletStatus.SUSPENDED,
    ):
        return _("网点当前不在合作期内，不能变更。")
    return None


def facts_unchanged(obj: Any, ctx: dict[str, Any]) -> str | None:
    stale = ctx.get("stale") or []
    if stale:
        return _("网点信息在申请提出后已发生变化（%(fields)s），请撤回后重新申请。") % {
            "fields": "、".join(stale)
        }
    return None


def three_modes(obj: Any, ctx: dict[str, Any]) -> str | None:
    problems = ctx.get("modes_problems") or []
    if problems:
        return _("变更后不符合三种服务方式同时具备的要求：%(items)s。") % {"items": "；".join(problems)}
    return None


def move_layout_ok(obj: Any, ctx: dict[str, Any]) -> str | None:
    violations = ctx.get("layout_violations") or []
    if violations and not ctx.get("layout_exception_approved"):
        return _(
            "迁址后的位置不符合最小间距要求（%(items)s），须由区级经办机构说明理由并经市级经办机构批准布局例外后方可变更。"
        ) % {"items": "；".join(violations)}
    return None


def layout_violated(obj: Any, ctx: dict[str, Any]) -> str | None:
    if not ctx.get("layout_violations"):
        return _("迁址后的位置符合最小间距要求，无需申请布局例外。")
    return None


def has_municipal_agreement(obj: Any, ctx: dict[str, Any]) -> str | None:
    if not ctx.get("municipal_agreement"):
        return _("该银行尚未与市级社保经办机构签订有效的合作协议，不能申请设立合作网点。")
    return None


def complete(obj: Any, ctx: dict[str, Any]) -> str | None:
    missing = ctx.get("missing") or []
    if missing:
        return _("申请材料不完整：%(items)s。") % {"items": "；".join(str(m) for m in missing)}
    return None


def inspection_passed(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("inspection") is None:
        return _("尚无已完成的现场检查，不能验收。")
    failed = ctx.get("failed_must") or []
    if failed:
        return _("现场检查有必备项不符合（%(items)s），不能验收；请决定整改后复查或不予通过。") % {
            "items": "、".join(failed)
        }
    return None


def layout_ok(obj: Any, ctx: dict[str, Any]) -> str | None:
    violations = ctx.get("layout_violations") or []
    if violations and not ctx.get("layout_exception_approved"):
        return _(
            "网点位置不符合最小间距要求（%(items)s），须由区级经办机构说明理由并经市级经办机构批准后方可验收。"
        ) % {"items": "；".join(violations)}
    return None


def all_answered(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("unanswered"):
        return _("还有%(n)d个检查项未填写结果：%(items)s。") % {
            "n": len(ctx["unanswered"]),
            "items": "、".join(ctx["unanswered"][:10]),
        }
    if ctx.get("must_na"):
        return _("必备项不能选“不适用”：%(items)s。") % {"items": "、".join(ctx["must_na"])}
    if ctx.get("modes_missing"):
        return _("检查表必须涵盖三种服务方式，缺少：%(modes)s。") % {"modes": "、".join(ctx["modes_missing"])}
    return None


def filing_approved(obj: Any, ctx: dict[str, Any]) -> str | None:
    if not ctx.get("filing_approved"):
        return _("区级协议尚未完成市级备案，不能颁发标牌。")
    return None


def both_sides_confirmed(obj: Any, ctx: dict[str, Any]) -> str | None:
    if not (obj.agency_confirmed_by_id or ctx.get("agency_confirming")) or not (
        obj.bank_confirmed_by_id or ctx.get("bank_confirming")
    ):
        return _("协商解除须经办机构和银行双方确认。")
    return None


def is_unilateral(obj: Any, ctx: dict[str, Any]) -> str | None:
    if obj.kind != "unilateral":
        return _("只有单方解除需要批准；协商解除由双方确认。")
    return None


def is_negotiated(obj: Any, ctx: dict[str, Any]) -> str | None:
    if obj.kind != "negotiated":
        return _("只有协商解除由双方确认。")
    return None


def effective_date_reached(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("today") is not None and obj.effective_date > ctx["today"]:
        return _("尚未到生效日期（%(date)s）。") % {"date": obj.effective_date.isoformat()}
    return None


def no_open_items(obj: Any, ctx: dict[str, Any]) -> str | None:
    if ctx.get("open_items"):
        return _("还有%(n)d项未结事项。") % {"n": ctx["open_items"]}
    return None


# --- the tables ------------------------------------------------------------------------------------

BANK_APPLICATION = _lifecycle(
    "bank_application",
    BankApplicationStatus,
    (
        t("submit", gettext_lazy("提交申请"), ["draft", "returned"], "submitted", [BA]),
        t("return", gettext_lazy("退回补正"), "submitted", "returned", [MO]),
        t("review", gettext_lazy("审核通过"), "submitted", "reviewed", [MO]),
        t("approve", gettext_lazy("批准"), "reviewed", "approved", [MA], not_reviewer),
        t("reject", gettext_lazy("不予批准"), "reviewed", "rejected", [MA], not_reviewer),
        t("withdraw", gettext_lazy("撤回"), ["draft", "submitted", "returned"], "withdrawn", [BA]),
    ),
)

AGREEMENT = _lifecycle(
    "agreement",
    AgreementStatus,
    (
        t("sign_municipal", gettext_lazy("登记签署（市级协议）"), "draft", "active", [MA, MO, SYSTEM]),
        t("sign_district", gettext_lazy("登记签署（区级协议）"), "draft", "active", [DA, DO, SYSTEM]),
        t("renew", gettext_lazy("自动续期"), "active", "active", [SYSTEM]),
        t("expire", gettext_lazy("期满终止"), "active", "expired", [SYSTEM]),
        t("terminate", gettext_lazy("解除协议"), "active", "terminated", [SYSTEM]),
        t("cancel", gettext_lazy("作废"), "draft", "cancelled", [SYSTEM]),
    ),
)

OUTLET_APPLICATION = _lifecycle(
    "outlet_application",
    OutletApplicationStatus,
    (
        t(
            "submit",
            gettext_lazy("提交申请"),
            ["draft", "returned"],
            "submitted",
            [BA],
            has_municipal_agreement,
            complete,
        ),
        t("return", gettext_lazy("退回补正"), "submitted", "returned", [DA, DO]),
        t(
            "admit",
            gettext_lazy("受理"),
            "submitted",
            "reviewing",
            [DA, DO],
            has_municipal_agreement,
            complete,
        ),
        t("inspect", gettext_lazy("完成现场检查"), ["reviewing", "rectifying"], "inspected", [DI]),
        t("rectify", gettext_lazy("整改后复查"), "inspected", "rectifying", [DA]),
        t(
            "accept",
            gettext_lazy("验收通过"),
            "inspected",
            "accepted",
            [DA],
            has_municipal_agreement,
            inspection_passed,
            layout_ok,
        ),
        t("reject", gettext_lazy("不予通过"), ["reviewing", "inspected", "rectifying"], "rejected", [DA]),
        t("withdraw", gettext_lazy("撤回"), ["draft", "submitted", "returned"], "withdrawn", [BA]),
        t(
            "close",
            gettext_lazy("随银行合作终止关闭"),
            ["draft", "submitted", "returned", "reviewing", "inspected", "rectifying"],
            "withdrawn",
            [SYSTEM],
        ),
    ),
)

INSPECTION = _lifecycle(
    "inspection",
    InspectionStatus,
    (t("complete", gettext_lazy("完成检查"), "draft", "completed", [DI], all_answered),),
)

LAYOUT_EXCEPTION = _lifecycle(
    "layout_exception",
    ExceptionStatus,
    (
        t("approve", gettext_lazy("批准布局例外"), "pending", "approved", [MA, MO]),
        t("reject", gettext_lazy("不批准布局例外"), "pending", "rejected", [MA, MO]),
    ),
)

FILING = _lifecycle(
    "filing",
    FilingStatus,
    (
        t("approve", gettext_lazy("备案通过"), "submitted", "approved", [MA, MO], not_filing_maker),
        t("reject", gettext_lazy("退回备案"), "submitted", "rejected", [MA, MO], not_filing_maker),
    ),
)

PLAQUE = _lifecycle(
    "plaque", PlaqueStatus, (t("recover", gettext_lazy("收回标牌"), "valid", "recovered", [SYSTEM]),)
)

# The outlet's own status (institutions.Outlet.status): changed only here, by these services.
OUTLET = _lifecycle(
    "outlet",
    OutletStatus,
    (
        t("accept", gettext_lazy("验收通过"), "applying", "accepted", [DA, SYSTEM]),
        t(
            "open",
            gettext_lazy("颁发标牌、开始运营"),
            "accepted",
            "operating",
            [DA, DO, MA, MO, SYSTEM],
            filing_approved,
        ),
        t("suspend", gettext_lazy("暂停服务"), "operating", "suspended", [DA]),
        t("resume", gettext_lazy("恢复服务"), "suspended", "operating", [DA]),
        t(
            "terminate",
            gettext_lazy("终止合作"),
            ["applying", "accepted", "operating", "suspended"],
            "terminated",
            [SYSTEM],
        ),
    ),
)

BANK = _lifecycle(
    "bank",
    Bank.Status,
    (
        t("activate", gettext_lazy("市级协议生效"), ["prospect", "ended"], "active", [MA, MO, SYSTEM]),
        t("end", gettext_lazy("市级协议终止"), ["active", "suspended"], "ended", [SYSTEM]),
    ),
)

TERMINATION = _lifecycle(
    "termination",
    TerminationStatus,
    (
        t(
            "confirm",
            gettext_lazy("确认协商解除"),
            "proposed",
            "scheduled",
            [DA, BA],
            is_negotiated,
            both_sides_confirmed,
        ),
        t(
            "approve",
            gettext_lazy("批准单方解除"),
            "proposed",
            "scheduled",
            [DA],
            is_unilateral,
            not_proposer,
        ),
        t(
            "execute",
            gettext_lazy("执行终止"),
            "scheduled",
            "effective",
            [DA, MA, SYSTEM],
            effective_date_reached,
        ),
        t("close", gettext_lazy("未结事项全部办结"), "effective", "closed", [DA, DO, SYSTEM], no_open_items),
        # The platform cancels a pending termination that a bank-level termination or an expiry replaces,
        # and the parts of a bank-level termination when it is cancelled whole.
        t("cancel", gettext_lazy("撤销终止"), ["proposed", "scheduled"], "cancelled", [DA, BA, MA, SYSTEM]),
    ),
)

# A change to the facts a rule depends on, of an accepted, operating or suspended outlet (R3.1, R8.4):
# the bank or the outlet asks, the district decides (maker–checker); a move inside the minimum distance
# goes through the municipal center's layout exception first.
CHANGE_REQUEST = _lifecycle(
    "change_request",
    ChangeRequestStatus,
    (
        t(
            "approve",
            gettext_lazy("批准变更"),
            "submitted",
            "approved",
            [DA],
            not_change_requester,
            outlet_in_service,
            facts_unchanged,
            three_modes,
            move_layout_ok,
        ),
        t("reject", gettext_lazy("不予批准"), "submitted", "rejected", [DA, DO], not_change_requester),
        t(
            "justify_layout",
            gettext_lazy("申请布局例外"),
            "submitted",
            "layout_review",
            [DA, DO],
            layout_violated,
        ),
        t("approve_layout", gettext_lazy("批准布局例外"), "layout_review", "submitted", [MA, MO]),
        t("reject_layout", gettext_lazy("不批准布局例外"), "layout_review", "rejected", [MA, MO]),
        t(
            "withdraw",
            gettext_lazy("撤回"),
            ["submitted", "layout_review"],
            "withdrawn",
            [BA, OM, DA, DO],
            requester_side,
        ),
        t("close", gettext_lazy("随网点终止关闭"), ["submitted", "layout_review"], "withdrawn", [SYSTEM]),
    ),
)

CHECKLIST = _lifecycle(
    "checklist",
    ChecklistStatus,
    (
        t("publish", gettext_lazy("发布为现行版本"), "draft", "published", [MA]),
        t("retire", gettext_lazy("停用"), "published", "retired", [MA, SYSTEM]),
    ),
)

# Who acts next, shown to a user who has no step to take now (a page names the next actor instead of
# offering a button the server would refuse).
WAITING: dict[str, dict[str, Any]] = {
    "bank_application": {
        "draft": gettext_lazy("等待银行提交申请。"),
        "returned": gettext_lazy("等待银行补正后重新提交。"),
        "submitted": gettext_lazy("等待市社保经办机构审核。"),
        "reviewed": gettext_lazy("等待市社保经办机构审批（审批须由审核人以外的人员办理）。"),
    },
    "outlet_application": {
        "draft": gettext_lazy("等待银行提交申请。"),
        "returned": gettext_lazy("等待银行补正后重新提交。"),
        "submitted": gettext_lazy("等待区社保经办机构审核受理。"),
        "reviewing": gettext_lazy("等待区社保经办机构现场检查。"),
        "rectifying": gettext_lazy("等待网点整改后，区社保经办机构复查。"),
        "inspected": gettext_lazy("等待区社保经办机构作出验收决定。"),
    },
    "termination": {
        "proposed": gettext_lazy("等待区社保经办机构确认或批准。"),
        "scheduled": gettext_lazy("等待生效日期到达后执行终止。"),
        "effective": gettext_lazy("等待未结事项全部办结。"),
    },
    "outlet": {
        "applying": gettext_lazy("等待区社保经办机构验收。"),
        "accepted": gettext_lazy("等待区级协议签署并经市社保经办机构备案后颁发标牌。"),
    },
}


def waiting_for(lc: Lifecycle, status: str) -> str:
    """Who acts next from this status, in the user's words ("" when nobody is waited for)."""
    text = WAITING.get(lc.name, {}).get(str(status))
    return str(text) if text else ""


LIFECYCLES = (
    CHECKLIST,
    BANK_APPLICATION,
    AGREEMENT,
    OUTLET_APPLICATION,
    INSPECTION,
    LAYOUT_EXCEPTION,
    FILING,
    PLAQUE,
    OUTLET,
    BANK,
    TERMINATION,
    CHANGE_REQUEST,
)

# Words for the timeline page, by LifecycleEvent.action.
EVENT_LABELS: dict[str, Any] = {
    "bank_application.create": gettext_lazy("创建银行合作申请"),
    "bank_application.submit": gettext_lazy("提交银行合作申请"),
    "bank_application.return": gettext_lazy("银行合作申请退回补正"),
    "bank_application.review": gettext_lazy("银行合作申请审核通过"),
    "bank_application.approve": gettext_lazy("批准银行合作申请"),
    "bank_application.reject": gettext_lazy("不予批准银行合作申请"),
    "bank_application.withdraw": gettext_lazy("撤回银行合作申请"),
    "agreement.create": gettext_lazy("生成协议文本"),
    "agreement.sign": gettext_lazy("协议签署生效"),
    "agreement.renew": gettext_lazy("协议自动续期"),
    "agreement.object": gettext_lazy("登记续期异议"),
    "agreement.objection_withdraw": gettext_lazy("撤回续期异议"),
    "agreement.expire": gettext_lazy("协议期满终止"),
    "agreement.terminate": gettext_lazy("协议解除"),
    "agreement.cancel": gettext_lazy("协议作废"),
    "application.create": gettext_lazy("创建网点设立申请"),
    "application.update": gettext_lazy("修改网点设立申请"),
    "application.submit": gettext_lazy("提交网点设立申请"),
    "application.return": gettext_lazy("申请退回补正"),
    "application.admit": gettext_lazy("区级经办机构受理申请"),
    "application.layout_check": gettext_lazy("布局核查"),
    "application.rectify": gettext_lazy("要求整改后复查"),
    "application.accept": gettext_lazy("验收通过"),
    "application.reject": gettext_lazy("不予通过"),
    "application.withdraw": gettext_lazy("撤回申请"),
    "application.close": gettext_lazy("申请随银行合作终止关闭"),
    "layout_exception.request": gettext_lazy("申请布局例外"),
    "layout_exception.approve": gettext_lazy("市级批准布局例外"),
    "layout_exception.reject": gettext_lazy("市级不批准布局例外"),
    "inspection.start": gettext_lazy("开始现场检查"),
    "inspection.complete": gettext_lazy("完成现场检查"),
    "filing.submit": gettext_lazy("报送协议备案"),
    "filing.approve": gettext_lazy("市级备案通过"),
    "filing.reject": gettext_lazy("市级退回备案"),
    "plaque.issue": gettext_lazy("颁发标牌，网点开始运营"),
    "plaque.recover": gettext_lazy("收回标牌"),
    "opening_check.record": gettext_lazy("开业核查"),
    "outlet.suspend": gettext_lazy("暂停服务"),
    "outlet.resume": gettext_lazy("恢复服务"),
    "termination.propose": gettext_lazy("提出终止合作"),
    "termination.confirm": gettext_lazy("确认协商解除"),
    "termination.approve": gettext_lazy("批准单方解除"),
    "termination.execute": gettext_lazy("终止合作生效"),
    "termination.cancel": gettext_lazy("撤销终止"),
    "termination.close": gettext_lazy("未结事项全部办结"),
    "open_item.close": gettext_lazy("办结未结事项"),
    "staff.revoke": gettext_lazy("撤销网点人员权限并终止会话"),
    "notice.publish": gettext_lazy("市级发布公告"),
    "change_request.create": gettext_lazy("提出网点信息变更申请"),
    "change_request.approve": gettext_lazy("批准网点信息变更"),
    "change_request.reject": gettext_lazy("不予批准网点信息变更"),
    "change_request.justify_layout": gettext_lazy("迁址申请布局例外"),
    "change_request.approve_layout": gettext_lazy("市级批准迁址布局例外"),
    "change_request.reject_layout": gettext_lazy("市级不批准迁址布局例外"),
    "change_request.withdraw": gettext_lazy("撤回网点信息变更申请"),
    "change_request.close": gettext_lazy("变更申请随网点终止关闭"),
    "demo.seed": gettext_lazy("演示数据"),
}
