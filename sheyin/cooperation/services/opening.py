"""开业核查: what can only be true once an outlet opens (R3.2, R9.1, R7.3), checked by the district within
a configurable number of working days after the plaque is issued. The pre-opening inspection (R4.3) no
longer asks these items (checklist version 2)."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.permissions import require, require_scope
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify

from .. import selectors
from ..models import OpeningCheck, Plaque
from ..workflow import PlaqueStatus, TransitionError
from .base import BA, DA, DO, OM, audit_step, close_todos, local_today, page_url, people, tell, timeline_event

# The opening check's items: (code, text). S1 and P1 come from Annex 1 (moved out of the pre-opening
# inspection); W1 is the dedicated social-insurance window the outlet keeps (R7.3).
OPENING_ITEMS: tuple[tuple[str, Any], ...] = (
    ("S1", gettext_lazy("入口处悬挂全市统一的“社保服务合作网点”标牌")),
    ("P1", gettext_lazy("每个人工窗口至少1名经培训考核合格、获得授权的经办人员")),
    ("W1", gettext_lazy("设置社保服务专用窗口，窗口标识清楚")),
)
PASS, FAIL = "pass", "fail"
SOON_DAYS = 3  # a district is reminded when a check falls due within this many days (or is overdue)


def _staffing() -> Any:
    return importlib.import_module("sheyin.staffing.selectors")


def _supervision() -> Any:
    # Imported late: supervision registers itself with this app at start-up.
    return importlib.import_module("sheyin.supervision.services")


def opening_check_open(*, outlet: Outlet, plaque: Plaque | None, issued_on: dt.date, by: Any) -> OpeningCheck:
    """Open the pending check when the plaque is issued (called inside plaque_issue's transaction, or by
    the daily job for an outlet that opened before the check existed)."""
    days = selectors.current_settings().opening_check_workdays
    check = OpeningCheck.objects.create(
        outlet=outlet,
        district_id=outlet.district_id,
        bank_id=outlet.bank_id,
        plaque=plaque,
        due_date=add_working_days(issued_on, days),
    )
    audit_step("opening_check.open", by=by, obj=check, after={"due_date": check.due_date.isoformat()})
    return check


def opening_check_errors(outlet: Outlet, answers: dict[str, dict[str, str]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for code, text in OPENING_ITEMS:
        result = (answers.get(code) or {}).get("result", "")
        if result not in (PASS, FAIL):
            errors[f"result_{code}"] = _("请选择“%(t)s”的核查结果。") % {"t": text}
    p1 = (answers.get("P1") or {}).get("result")
    if p1 == PASS:
        # R9.1: what the officer sees at the windows must agree with the grants on record.
        have, need = _staffing().authorised_count(outlet), max(outlet.windows, 1)
        if have < need:
            errors["result_P1"] = _(
                "系统中该网点已授权的经办人员%(have)d人，少于人工窗口数%(need)d个，此项不能判为符合。"
            ) % {"have": have, "need": need}
    return errors


def opening_check_record(
    *, outlet: Outlet, answers: dict[str, dict[str, str]], note: str = "", by: Any
) -> OpeningCheck:
    """The district records the opening check. Any item not met fails it: a rectification is ordered
    (supervision's order, with its deadline and the outlet's answer), and the district checks again."""
    require(by, "cooperation.record_opening_check")
    require_scope(by, outlet)
    errors = opening_check_errors(outlet, answers)
    note = (note or "").strip()
    failed = [code for code, _t in OPENING_ITEMS if (answers.get(code) or {}).get("result") == FAIL]
    if failed and not note:
        errors["note"] = _("核查不通过时请填写整改要求。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        o = Outlet.objects.select_for_update().get(pk=outlet.pk)
        if o.status != OutletStatus.OPERATING:
            raise TransitionError(
                _("网点当前状态为“%(s)s”，不能进行开业核查。") % {"s": o.get_status_display()}
            )
        check = (
            OpeningCheck.objects.select_for_update()
            .filter(outlet=o, status=OpeningCheck.Status.PENDING)
            .first()
        )
        if check is None:
            last = OpeningCheck.objects.filter(outlet=o).order_by("-created_at", "-id").first()
            if last is not None and last.status == OpeningCheck.Status.PASSED:
                raise TransitionError(_("该网点已通过开业核查。"))
            plaque = Plaque.objects.filter(outlet=o, status=PlaqueStatus.VALID).first()
            if plaque is None:
                raise TransitionError(_("网点尚未颁发标牌，不能进行开业核查。"))
            # a re-check after a failed one (its rectification done): due as the first one was
            check = OpeningCheck.objects.create(
                outlet=o,
                district_id=o.district_id,
                bank_id=o.bank_id,
                plaque=plaque,
                due_date=last.due_date if last is not None else local_today(),
            )
        check.answers = {
            code: {
                "result": answers[code]["result"],
                "note": (answers[code].get("note") or "").strip()[:300],
            }
            for code, _t in OPENING_ITEMS
        }
        check.authorised_staff = _staffing().authorised_count(o)
        check.windows = o.windows
        check.note = note
        check.recorded_by, check.recorded_at = by, timezone.now()
        check.status = OpeningCheck.Status.FAILED if failed else OpeningCheck.Status.PASSED
        if failed:
            sup = _supervision()
            texts = "；".join(str(t) for code, t in OPENING_ITEMS if code in failed)
            finding = sup.finding_create(
                outlet=o,
                source="inspection",
                title=(_("开业核查不通过：%(items)s") % {"items": texts})[:200],
                detail=note,
                by=by,
            )
            check.rectification = sup.rectification_order(finding=finding, requirement=note, by=by)
        check.save()
        close_todos(o, page_url("opening_check", o.pk))
        detail = _("通过") if not failed else _("不通过：%(c)s") % {"c": "、".join(failed)}
        timeline_event("opening_check.record", by=by, outlet=o, obj=check, detail=detail)
        audit_step(
            "opening_check.record",
            by=by,
            obj=check,
            after={"status": check.status, "failed": failed, "authorised_staff": check.authorised_staff},
        )
        tell(
            people([BA], bank=o.bank) | people([OM], outlet=o),
            _("%(name)s开业核查%(r)s") % {"name": o.name, "r": detail},
            page_url("opening_check", o.pk),
            Notification.Kind.INFO,
        )
    return check


def opening_checks_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: an operating outlet with a plaque and no opening check gets a pending one (outlets
    opened before the check existed); the district is reminded once of each check due within SOON_DAYS
    days or overdue. Idempotent."""
    today = today or local_today()
    opened = 0
    for plaque in (
        Plaque.objects.filter(status=PlaqueStatus.VALID, outlet__status=OutletStatus.OPERATING)
        .exclude(outlet__opening_checks__isnull=False)
        .select_related("outlet")
    ):
        with transaction.atomic():
            opening_check_open(outlet=plaque.outlet, plaque=plaque, issued_on=plaque.issued_on, by=None)
        opened += 1
    reminded = 0
    horizon = today + dt.timedelta(days=SOON_DAYS)
    due = OpeningCheck.objects.filter(
        status=OpeningCheck.Status.PENDING,
        reminded_at__isnull=True,
        due_date__lte=horizon,
        outlet__status=OutletStatus.OPERATING,
    ).select_related("outlet", "district")
    for check in due:
        with transaction.atomic():
            overdue = check.due_date < today
            title = (
                _("%(name)s开业核查已超期（期限%(d)s）") if overdue else _("%(name)s开业核查将于%(d)s到期")
            ) % {"name": check.outlet.name, "d": check.due_date.isoformat()}
            reminded += notify(
                users=list(people([DO, DA], agency=check.district)),
                title=title,
                url=page_url("opening_check", check.outlet_id),
                kind=Notification.Kind.DEADLINE,
            )
            OpeningCheck.objects.filter(pk=check.pk).update(reminded_at=timezone.now())
            audit_step("opening_check.remind", by=None, obj=check, after={"overdue": overdue})
    return {"opened": opened, "reminded": reminded}
