"""To-dos on every role's home page: what waits for this user, counted through each app's scoped selectors,
each linking to the list filtered the same way (list filters are GET parameters: status, state, overdue …).

Who sees an entry follows the lifecycle tables (the role that may take the next step), so nobody is told
to do what they may not do. Every count is one indexed COUNT over a scoped queryset.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.common.access import rule_of

MA, MO = Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER
DA, DO, DI = Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR
BA, OM, OS = Role.BANK_ADMIN, Role.OUTLET_MANAGER, Role.OUTLET_STAFF
SA, SEC, AA = Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN
SOON_DAYS = 3  # "即将超期": due within three days


@dataclass(frozen=True)
class Todo:
    key: str
    label: str | Promise
    roles: frozenset[Role]
    url_name: str
    count: Callable[[Any, dt.date], int]
    params: dict[str, str] = field(default_factory=dict)
    urgent: bool = False  # overdue or about to be: shown in red


@dataclass
class Item:
    key: str
    label: str
    count: int
    url: str
    urgent: bool


def _n(qs: QuerySet[Any]) -> int:
    return qs.count()


# --- the counts (each through the owning app's scoped selector) -------------------------------------


def _bank_apps(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.cooperation.selectors import bank_applications_for

        return _n(bank_applications_for(user).filter(status=status))

    return count


def _outlet_apps(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.cooperation.selectors import applications_for

        return _n(applications_for(user).filter(status=status))

    return count


def _filings_pending(user: Any, today: dt.date) -> int:
    from sheyin.cooperation import selectors

    return _n(selectors.filing_pending(selectors.filing_queue_for(user)))


def _filings_unfiled(user: Any, today: dt.date) -> int:
    from sheyin.cooperation import selectors

    return _n(selectors.not_filed(selectors.filing_queue_for(user)))


def _filings_overdue(user: Any, today: dt.date) -> int:
    from sheyin.cooperation import selectors

    return _n(selectors.overdue_filings(selectors.filing_queue_for(user), today))


def _agreements_expiring(user: Any, today: dt.date) -> int:
    from sheyin.cooperation import selectors

    return _n(selectors.expiring(selectors.agreements_for(user), 60, today))


def _opening_checks_due(user: Any, today: dt.date) -> int:
    from sheyin.cooperation import selectors

    return _n(selectors.opening_checks_due(selectors.opening_checks_for(user), today, SOON_DAYS))


def _grants(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.staffing.selectors import grants_for

        return _n(grants_for(user).filter(status=status))

    return count


def _grants_expiring(user: Any, today: dt.date) -> int:
    from sheyin.staffing.selectors import grants_for, rules

    days = rules().reminder_days
    return _n(grants_for(user).filter(status="active", valid_until__gte=today,
                                      valid_until__lte=today + dt.timedelta(days=days)))  # fmt: skip


def _handovers_waiting(user: Any, today: dt.date) -> int:
    from sheyin.casework.selectors import handovers_for
    from sheyin.casework.workflow import BatchStatus

    return _n(handovers_for(user).filter(status=BatchStatus.SENT))


def _archives(overdue: bool) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.casework.selectors import archives_for
        from sheyin.casework.workflow import ArchiveStatus

        qs = archives_for(user)
        if overdue:
            return _n(
                qs.filter(status__in=(ArchiveStatus.PENDING, ArchiveStatus.BATCHED), due_date__lt=today)
            )
        return _n(qs.filter(status=ArchiveStatus.PENDING))

    return count


def _reviews_waiting(user: Any, today: dt.date) -> int:
    from sheyin.casework.selectors import review_queue_for

    return _n(review_queue_for(user))


def _own_drafts(user: Any, today: dt.date) -> int:
    from sheyin.casework.selectors import open_drafts_for

    return _n(open_drafts_for(user))


def _tickets(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.support.selectors import tickets

        return _n(tickets(user).filter(status=status))

    return count


def _tickets_escalated(user: Any, today: dt.date) -> int:
    from sheyin.support.models import Ticket
    from sheyin.support.selectors import tickets
    from sheyin.support.workflow import TicketStatus

    return _n(
        tickets(user).filter(escalation=Ticket.Escalation.MUNICIPAL).exclude(status=TicketStatus.CLOSED)
    )


def _tickets_due_soon(user: Any, today: dt.date) -> int:
    from sheyin.support.selectors import tickets
    from sheyin.support.workflow import TicketStatus

    return _n(tickets(user).exclude(status=TicketStatus.CLOSED).filter(
        close_due__gte=today, close_due__lte=today + dt.timedelta(days=SOON_DAYS)))  # fmt: skip


def _bad_reviews(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.ratings.selectors import bad_reviews_for

        return _n(bad_reviews_for(user).filter(status=status))

    return count


def _bad_reviews_overdue(user: Any, today: dt.date) -> int:
    from sheyin.ratings.selectors import overdue_bad_reviews

    return _n(overdue_bad_reviews(user, today))


def _bad_reviews_due_soon(user: Any, today: dt.date) -> int:
    from sheyin.ratings.selectors import bad_reviews_for
    from sheyin.ratings.workflow import FINISHED

    return _n(bad_reviews_for(user).exclude(status__in=FINISHED).filter(
        due_date__gte=today, due_date__lte=today + dt.timedelta(days=SOON_DAYS)))  # fmt: skip


def _rectifications(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.supervision.selectors import rectifications

        return _n(rectifications(user).filter(status=status))

    return count


def _rectifications_overdue(user: Any, today: dt.date) -> int:
    from sheyin.supervision.selectors import rectifications
    from sheyin.supervision.workflow import RectificationStatus

    return _n(rectifications(user).filter(status=RectificationStatus.ORDERED, due_date__lt=today))


def _findings_open(user: Any, today: dt.date) -> int:
    from sheyin.supervision.selectors import findings
    from sheyin.supervision.workflow import FindingStatus

    return _n(findings(user).filter(status=FindingStatus.OPEN))


def _inspections_planned(user: Any, today: dt.date) -> int:
    from sheyin.supervision.selectors import inspections
    from sheyin.supervision.workflow import InspectionStatus

    quarter = (today.month - 1) // 3 + 1
    return _n(
        inspections(user).filter(
            status=InspectionStatus.PLANNED, plan__year=today.year, plan__quarter=quarter
        )
    )


def _self_inspections(status: str) -> Callable[[Any, dt.date], int]:
    def count(user: Any, today: dt.date) -> int:
        from sheyin.supervision.selectors import self_inspections

        return _n(self_inspections(user).filter(status=status))

    return count


def _proposals(user: Any, today: dt.date) -> int:
    from sheyin.supervision.selectors import proposals
    from sheyin.supervision.workflow import ProposalStatus

    return _n(proposals(user).filter(status=ProposalStatus.PROPOSED))


def _own_grant(user: Any, today: dt.date) -> int:
    """1 when the staff member has no grant in force, or it ends within the reminder period."""
    from sheyin.staffing.selectors import active_grant_for, rules

    grant = active_grant_for(user, today)
    if grant is None or grant.valid_until is None:
        return 1
    return int(grant.valid_until <= today + dt.timedelta(days=rules().reminder_days))


def _users_without_role(user: Any, today: dt.date) -> int:
    from sheyin.accounts.selectors import users_for

    return _n(users_for(user).filter(is_active=True, assignments__isnull=True))


def _audit_unsealed(user: Any, today: dt.date) -> int:
    from sheyin.audit.selectors import events_for

    return _n(events_for(user).filter(seq__isnull=True))


def _audit_failed_logins(user: Any, today: dt.date) -> int:
    from sheyin.audit.selectors import events_for

    start = dt.datetime.combine(today, dt.time.min, tzinfo=timezone.get_current_timezone())
    return _n(events_for(user).filter(action="auth.login_failed", at__gte=start))


M = frozenset({MA, MO})
D = frozenset({DA, DO})

TODOS: tuple[Todo, ...] = (
    # municipal center
    Todo("bank_app_review", _("银行合作申请待审核"), frozenset({MO}), "cooperation:bank_application_list",
         _bank_apps("submitted"), {"status": "submitted"}),
    Todo("bank_app_approve", _("银行合作申请待审批"), frozenset({MA}), "cooperation:bank_application_list",
         _bank_apps("reviewed"), {"status": "reviewed"}),
    Todo("filing_check", _("备案待审核"), M, "cooperation:filing_list", _filings_pending, {"state": "pending"}),
    Todo("tickets_escalated", _("升级至市级的问题工单"), M, "support:ticket_list", _tickets_escalated,
         {"escalation": "2"}, urgent=True),
    # districts
    Todo("outlet_app_admit", _("网点申请待受理"), D, "cooperation:application_list", _outlet_apps("submitted"),
         {"status": "submitted"}),
    Todo("outlet_app_inspect", _("网点申请待现场检查"), frozenset({DI}), "cooperation:application_list",
         _outlet_apps("reviewing"), {"status": "reviewing"}),
    Todo("outlet_app_recheck", _("整改后待复查"), frozenset({DI}), "cooperation:application_list",
         _outlet_apps("rectifying"), {"status": "rectifying"}),
    Todo("outlet_app_decide", _("网点申请待验收决定"), frozenset({DA}), "cooperation:application_list",
         _outlet_apps("inspected"), {"status": "inspected"}),
    Todo("filing_unfiled", _("待备案的区级协议"), D, "cooperation:filing_list", _filings_unfiled, {"state": "unfiled"}),
    Todo("filing_overdue", _("逾期未备案"), D, "cooperation:filing_list", _filings_overdue, {"overdue": "1"},
         urgent=True),
    Todo("opening_checks_due", _("开业核查即将到期或已超期"), D, "cooperation:plaque_list", _opening_checks_due,
         urgent=True),
    Todo("grant_approve", _("业务权限待审批"), frozenset({DA}), "staffing:grant_list", _grants("proposed"),
         {"status": "proposed"}),
    Todo("handover_confirm", _("档案移交待确认"), D, "casework:handover_inbox", _handovers_waiting),
    Todo("tickets_open", _("问题工单待答复"), D | {DI}, "support:ticket_list", _tickets("open"), {"status": "open"}),
    Todo("tickets_due_soon", _("问题工单即将超期"), D | {DI}, "support:ticket_list", _tickets_due_soon,
         {"status": "open"}, urgent=True),
    Todo("bad_verify", _("差评待核实"), D | M, "ratings:bad_list", _bad_reviews("open"), {"status": "open"}),
    Todo("bad_call_back", _("差评待回访"), D | M, "ratings:bad_list", _bad_reviews("rectified"),
         {"status": "rectified"}),
    Todo("bad_appeal", _("差评申诉待复核"), D | M, "ratings:bad_list", _bad_reviews("appealed"),
         {"status": "appealed"}),
    Todo("bad_overdue", _("差评逾期未办结"), D | M | {BA}, "ratings:bad_list", _bad_reviews_overdue, {"overdue": "1"},
         urgent=True),
    Todo("findings_open", _("问题发现待处理"), D | {DI}, "supervision:finding_list", _findings_open,
         {"status": "open"}),
    Todo("rect_verify", _("整改待核验"), D | {DI}, "supervision:rectification_list", _rectifications("answered"),
         {"status": "answered"}),
    Todo("rect_overdue", _("逾期未整改"), D | {DI} | M | {BA}, "supervision:rectification_list",
         _rectifications_overdue, {"status": "ordered"}, urgent=True),
    Todo("inspections_planned", _("本季度待检查"), frozenset({DA, DI}), "supervision:plan_list",
         _inspections_planned),
    Todo("self_inspection_review", _("银行自查待审阅"), D | {DI}, "supervision:self_inspection_list",
         _self_inspections("submitted"), {"status": "submitted"}),
    Todo("proposals", _("终止合作提议待决定"), frozenset({DA}), "supervision:appraisal_list", _proposals),
    # banks
    Todo("outlet_app_returned", _("网点申请退回补正"), frozenset({BA}), "cooperation:application_list",
         _outlet_apps("returned"), {"status": "returned"}),
    Todo("outlet_app_draft", _("网点申请草稿未提交"), frozenset({BA}), "cooperation:application_list",
         _outlet_apps("draft"), {"status": "draft"}),
    Todo("self_inspection_returned", _("银行自查退回补充"), frozenset({BA}), "supervision:self_inspection_list",
         _self_inspections("returned"), {"status": "returned"}),
    Todo("agreements_expiring", _("60日内到期的合作协议"), frozenset({BA}) | M, "cooperation:agreement_list",
         _agreements_expiring, {"status": "active"}),
    Todo("grants_expiring", _("业务权限即将到期"), frozenset({BA, OM}) | D, "staffing:grant_list", _grants_expiring,
         {"expiring": "1"}, urgent=True),
    # outlets
    Todo("case_review", _("待复核的高风险业务"), frozenset({OM, OS}), "casework:review_list", _reviews_waiting),
    Todo("own_drafts", _("受理中的业务"), frozenset({OS}), "casework:case_list", _own_drafts, {"status": "draft"}),
    Todo("own_grant", _("业务授权待取得或续期"), frozenset({OS}), "staffing:my", _own_grant, urgent=True),
    Todo("rect_answer", _("整改通知待整改"), frozenset({OM}), "supervision:rectification_list",
         _rectifications("ordered"), {"status": "ordered"}),
    Todo("bad_rectify", _("差评待整改"), frozenset({OM}), "ratings:bad_list", _bad_reviews("verified"),
         {"status": "verified"}),
    Todo("bad_due_soon", _("差评整改即将到期"), frozenset({OM}) | D, "ratings:bad_list", _bad_reviews_due_soon,
         {"status": "verified"}, urgent=True),
    Todo("archives_pending", _("档案待移交"), frozenset({OM}), "casework:archive_list", _archives(False),
         {"status": "pending"}),
    Todo("archives_overdue", _("档案逾期未移交"), frozenset({OM}) | D, "casework:archive_list", _archives(True),
         {"overdue": "1"}, urgent=True),
    Todo("tickets_answered", _("工单已答复待确认"), frozenset({OM, OS}), "support:ticket_list", _tickets("answered"),
         {"status": "answered"}),
    # the three administrators
    Todo("users_without_role", _("未分配角色的账号"), frozenset({SA, SEC}), "accounts:user_list", _users_without_role),
    Todo("audit_unsealed", _("待封存的审计事件"), frozenset({AA}), "audit:chain", _audit_unsealed),
    Todo("audit_failed_logins", _("今日登录失败"), frozenset({AA}), "audit:list", _audit_failed_logins,
         {"action": "auth.login_failed"}, urgent=True),
)  # fmt: skip


def _may_open(user: Any, url_name: str, held_to_grant: bool) -> bool:
    """The same checks the request would meet: the view's access rule, and R2.0's grant for window staff."""
    match = resolve(reverse(url_name))
    rule = rule_of(match.func)
    if rule is None or (rule[0] == "perm" and not all(user.has_perm(p) for p in rule[1])):
        return False
    if held_to_grant:
        from sheyin.staffing.middleware import ALLOWED_NAMES, SELF_SERVICE_PREFIX

        return url_name in ALLOWED_NAMES or url_name.startswith(SELF_SERVICE_PREFIX)
    return True


def todos_for(user: Any, today: dt.date | None = None) -> list[Item]:
    """The user's to-dos with their counts, in the table's order: every entry their roles may act on and
    whose list they may open."""
    from sheyin.staffing.middleware import needs_grant
    from sheyin.staffing.selectors import active_grant_for

    today = today or timezone.localdate()
    roles = {Role(a.role) for a in assignments_of(user)}
    held = needs_grant(user) and active_grant_for(user, today) is None
    out = []
    for t in TODOS:
        if not roles & t.roles or not _may_open(user, t.url_name, held):
            continue
        url = reverse(t.url_name) + (f"?{urlencode(t.params)}" if t.params else "")
        out.append(Item(t.key, str(t.label), t.count(user, today), url, t.urgent))
    return out
