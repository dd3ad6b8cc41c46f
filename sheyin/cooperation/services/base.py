"""Helpers shared by the cooperation services: transitions, timeline, audit, people to notify."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.models import User
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.audit.services import record
from sheyin.institutions.models import Agency, Bank, Outlet
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from ..models import (
    LifecycleEvent,
)
from ..workflow import (
    SYSTEM,
    Lifecycle,
)

MA, MO = Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER
DA, DO, DI = Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR
BA, OM = Role.BANK_ADMIN, Role.OUTLET_MANAGER
MAX_PHOTOS = 12
# The city-wide layout (R8.4): every step that makes an outlet count for the layout (an acceptance, an
# approved move) takes this lock before it reads the layout, so two such steps never both pass a check
# that each would fail after the other (sites in two districts can conflict too, hence one lock).
LAYOUT_LOCK = "sheyin.cooperation.layout"


def roles_of(by: Any) -> set[str]:
    if by is None:
        return {SYSTEM}
    return {a.role for a in assignments_of(by)}


def apply_transition(
    lc: Lifecycle, obj: Any, action: str, by: Any, ctx: dict[str, Any] | None = None, *, system: bool = False
) -> None:
    """Check the transition in its table and set the new status (the caller saves, under its lock).
    `system=True` for a side effect of a step already authorised (e.g. the outlet ending with its
    termination): the platform performs it."""
    if system:
        roles = {SYSTEM}
    elif by is None:  # the platform itself (commands, jobs, demo data): unrestricted, as in require()
        roles = {SYSTEM} | set(lc.get(action).roles)
    else:
        roles = roles_of(by)
    tr = lc.check(obj, action, by=by, roles=roles, ctx=ctx)
    obj.status = tr.target
    close_todos(obj)


def task_pages(obj: Any) -> list[str]:
    """The pages where the steps on `obj` are taken: a to-do about `obj` points at one of them."""
    from ..models import (
        Agreement,
        BankApplication,
        Filing,
        LayoutException,
        OutletApplication,
        OutletChangeRequest,
        SiteInspection,
        Termination,
    )

    if isinstance(obj, OutletApplication):
        return [page_url("application_detail", obj.pk)]
    if isinstance(obj, SiteInspection | LayoutException):
        return [page_url("application_detail", obj.application_id)]
    if isinstance(obj, Agreement):
        return [page_url("agreement_detail", obj.pk)]
    if isinstance(obj, Filing):
        return [page_url("agreement_detail", obj.agreement_id)]
    if isinstance(obj, BankApplication):
        return [page_url("bank_application_detail", obj.pk)]
    if isinstance(obj, Termination):
        return [page_url("termination_detail", obj.pk)]
    if isinstance(obj, OutletChangeRequest):
        return [page_url("change_request_detail", obj.pk)]
    if isinstance(obj, Outlet):
        return [page_url("outlet_lifecycle", obj.pk)]
    return []


def close_todos(obj: Any, *extra: str) -> int:
    """A step on `obj` has been taken: the to-dos that asked for it are done (before the next step's go out)."""
    return todos_done(urls=[*task_pages(obj), *extra])


def timeline_event(
    action: str,
    *,
    by: Any,
    outlet: Outlet | None = None,
    bank: Bank | None = None,
    district: Agency | None = None,
    obj: models.Model | None = None,
    detail: str = "",
) -> None:
    LifecycleEvent.objects.create(
        at=timezone.now(),
        action=action,
        outlet=outlet,
        bank=bank or (outlet.bank if outlet is not None else None),
        district=district or (outlet.district if outlet is not None else None),
        actor=by if by is not None and by.pk else None,
        actor_name=str(by)[:150] if by is not None else "",
        detail=detail[:4000],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )


def audit_step(
    action: str,
    *,
    by: Any,
    obj: models.Model,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(action=f"cooperation.{action}", by=by, obj=obj, reason=reason, before=before, after=after)


def people(
    roles: Iterable[str],
    *,
    agency: Agency | None = None,
    bank: Bank | None = None,
    outlet: Outlet | None = None,
    exclude: Any = None,
) -> models.QuerySet[User]:
    cond: dict[str, Any] = {"assignments__role__in": list(roles)}
    if agency is not None:
        cond["assignments__agency"] = agency
    if bank is not None:
        cond["assignments__bank"] = bank
    if outlet is not None:
        cond["assignments__outlet"] = outlet
    qs = User.objects.filter(is_active=True, **cond).distinct()
    if exclude is not None and getattr(exclude, "pk", None):
        qs = qs.exclude(pk=exclude.pk)
    return qs


def tell(users: Iterable[User], title: str, url: str, kind: str = Notification.Kind.TASK) -> None:
    notify(users=list(users), title=title, url=url, kind=kind)


def require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("请填写理由。")})
    return reason


def term_end(start: dt.date, years: int) -> dt.date:
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


def local_today() -> dt.date:
    return timezone.localdate()


def page_url(name: str, *args: Any) -> str:
    return reverse(f"cooperation:{name}", args=args)
