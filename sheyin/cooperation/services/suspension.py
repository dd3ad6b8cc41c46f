"""Suspension and resumption of an operating outlet."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sheyin.accounts.models import User
from sheyin.accounts.permissions import require, require_scope
from sheyin.institutions.models import Outlet
from sheyin.notifications.models import Notification

from ..models import (
    Suspension,
)
from ..workflow import (
    OUTLET,
)
from .base import (
    BA,
    OM,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    require_reason,
    tell,
    timeline_event,
)


def revoke_outlet_staff(outlet: Outlet, reason: str, by: Any) -> int:
    """Every permission of the outlet's staff is revoked and their sessions and tokens stop at the next
    request (R6.4). The staffing app does the grants; until it exists, sessions are ended here."""
    revoked = 0
    try:  # imported lazily: staffing is built beside this app and may not be installed
        staffing: Any = importlib.import_module("sheyin.staffing.services")
    except ImportError:
        staffing = None
    revoke_grants = getattr(staffing, "grants_revoke_for_outlet", None)
    if revoke_grants is not None:
        revoked = int(revoke_grants(outlet=outlet, reason=reason, by=by) or 0)
    from sheyin.accounts.services import user_revoke_sessions

    users = list(User.objects.filter(assignments__outlet=outlet).distinct())
    for user in users:
        user_revoke_sessions(user=user, reason=reason, by=by)
    timeline_event(
        "staff.revoke",
        by=by,
        outlet=outlet,
        detail=_("撤销权限%(g)d项，终止%(u)d名人员的会话") % {"g": revoked, "u": len(users)},
    )
    return revoked


def outlet_suspend(
    *,
    outlet: Outlet,
    reason: str,
    starts_on: dt.date | None = None,
    planned_end: dt.date | None = None,
    by: Any,
) -> Suspension:
    require(by, "cooperation.suspend_outlet")
    require_scope(by, outlet)
    reason = require_reason(reason)
    today = local_today()
    starts_on = starts_on or today
    errors: dict[str, str] = {}
    if starts_on > today:
        errors["starts_on"] = _("暂停开始日期不能晚于今天（暂停立即生效）。")
    if planned_end is not None and planned_end < starts_on:
        errors["planned_end"] = _("计划恢复日期不能早于暂停开始日期。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        apply_transition(OUTLET, o, "suspend", by)
        o.save(update_fields=["status", "updated_at"])
        s = Suspension.objects.create(
            outlet=o, reason=reason, starts_on=starts_on, planned_end=planned_end, suspended_by=by
        )
        revoke_outlet_staff(o, _("网点暂停服务：%(r)s") % {"r": reason}, by)
        timeline_event("outlet.suspend", by=by, outlet=o, obj=s, detail=reason)
        audit_step(
            "outlet.suspend",
            by=by,
            obj=o,
            reason=reason,
            after={"status": o.status, "planned_end": planned_end},
        )
        tell(
            people([BA], bank=o.bank) | people([OM], outlet=o),
            _("%(name)s已暂停服务") % {"name": o.name},
            page_url("outlet_lifecycle", o.pk),
            Notification.Kind.ALERT,
        )
    return s


def outlet_resume(*, outlet: Outlet, reason: str, by: Any) -> Suspension:
    require(by, "cooperation.suspend_outlet")
    require_scope(by, outlet)
    reason = require_reason(reason)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        apply_transition(OUTLET, o, "resume", by)
        o.save(update_fields=["status", "updated_at"])
        s = Suspension.objects.select_for_update().filter(outlet=o, resumed_on__isnull=True).first()
        if s is None:  # suspended outside this app (e.g. imported data): record it now
            s = Suspension.objects.create(outlet=o, reason=_("（无记录）"), starts_on=local_today())
        s.resumed_on, s.resumed_by, s.resume_reason = local_today(), by, reason
        s.save()
        timeline_event("outlet.resume", by=by, outlet=o, obj=s, detail=reason)
        audit_step("outlet.resume", by=by, obj=o, reason=reason, after={"status": o.status})
        tell(
            people([BA], bank=o.bank) | people([OM], outlet=o),
            _("%(name)s已恢复服务；经办人员权限须重新授予") % {"name": o.name},
            page_url("outlet_lifecycle", o.pk),
            Notification.Kind.INFO,
        )
    return s
