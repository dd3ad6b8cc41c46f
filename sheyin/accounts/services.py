"""Account writes: users, role assignments, passwords, session revocation. Each audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.audit.services import record, snapshot

from .models import PasswordHistory, RoleAssignment, User
from .permissions import NotAllowed, require
from .roles import LEVEL, THREE_ADMINS, Level, Role

PASSWORD_HISTORY = 5
EXPIRED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def user_create(*, username: str, display_name: str, password: str, phone: str = "", by: User | None) -> User:
    require(by, "accounts.manage_users")
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("该账号已存在。")})
    user = User(username=username, display_name=display_name.strip(), phone=phone.strip())
    validate_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save()
        record(action="user.create", by=by, obj=user, after=snapshot(user, ["username", "display_name"]))
    return user


def _refuse_admin_takeover(user: User, by: User | None) -> None:
    """The system admin must not take over the security or audit admin's account (三员分立): such
    accounts are reset or disabled only offline, with `manage.py changepassword` on the server."""
    if (
        by is not None
        and by.pk != user.pk
        and user.assignments.filter(role__in=sorted(THREE_ADMINS)).exists()
    ):
        raise NotAllowed(_("三员账号不能在系统内由他人停用或重置密码，请由运维在服务器上按规程处理。"))


def user_set_active(*, user: User, active: bool, reason: str, by: User | None) -> User:
    require(by, "accounts.manage_users")
    _refuse_admin_takeover(user, by)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        user.is_active = active
        if not active:
            user.sessions_valid_after = timezone.now()
        user.save(update_fields=["is_active", "sessions_valid_after"])
        record(action="user.enable" if active else "user.disable", by=by, obj=user, reason=reason)
    return user


def user_set_password(*, user: User, new_password: str, by: User | None) -> User:
    """A user changing their own password, or the system admin resetting one (then it must be changed)."""
    if by is not None and by.pk != user.pk:
        require(by, "accounts.manage_users")
        _refuse_admin_takeover(user, by)
    validate_password(new_password, user)
    with transaction.atomic():
        if user.password:
            PasswordHistory.objects.create(user=user, password=user.password)
            stale = user.password_history.values_list("pk", flat=True)[PASSWORD_HISTORY:]
            PasswordHistory.objects.filter(pk__in=list(stale)).delete()
        user.set_password(new_password)
        # A reset by someone else leaves the password already expired, so the owner must change it.
        own = by is None or by.pk == user.pk
        user.password_changed_at = timezone.now() if own else EXPIRED
        user.save(update_fields=["password", "password_changed_at"])
        record(action="user.password_change" if own else "user.password_reset", by=by, obj=user)
    return user


def user_revoke_sessions(*, user: User, reason: str, by: User | None) -> None:
    """Every session and token of the user stops working at its next request."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(sessions_valid_after=timezone.now())
        record(action="user.sessions_revoked", by=by, obj=user, reason=reason)


def role_assign(
    *, user: User, role: str, agency: Any = None, bank: Any = None, outlet: Any = None, by: User | None
) -> RoleAssignment:
    require(by, "accounts.assign_roles")
    role = Role(role)
    level = LEVEL[role]
    errors: dict[str, str] = {}
    if by is not None and by.pk == user.pk:
        raise NotAllowed(_("不能为自己分配角色。"))
    held = set(user.assignments.values_list("role", flat=True))
    if role in THREE_ADMINS and held & set(THREE_ADMINS) - {role}:
        errors["role"] = _("三员分立：系统管理员、安全管理员、审计管理员不得由同一人兼任。")
    elif (role in THREE_ADMINS and held - set(THREE_ADMINS)) or (
        role not in THREE_ADMINS and held & set(THREE_ADMINS)
    ):
        # An administrator who also held a business role could read what 三员分立 keeps from them.
        errors["role"] = _("三员分立：系统管理员、安全管理员、审计管理员不得兼任业务角色。")
    if level in (Level.OUTLET, Level.SELF):
        if outlet is None:
            errors["outlet"] = _("请选择网点。")
        else:
            bank, agency = outlet.bank, outlet.district
    elif level == Level.BANK:
        agency = outlet = None
        if bank is None:
            errors["bank"] = _("请选择银行。")
    else:
        bank = outlet = None
        if agency is None:
            errors["agency"] = _("请选择经办机构。")
        elif level == Level.ALL and agency.level != "municipal":
            errors["agency"] = _("该角色只能分配给市级经办机构。")
        elif level == Level.DISTRICT and agency.level != "district":
            errors["agency"] = _("该角色只能分配给区级经办机构。")
    if user.assignments.filter(role=role).exists():
        errors["role"] = _("该用户已拥有此角色。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            a = RoleAssignment.objects.create(user=user, role=role, agency=agency, bank=bank, outlet=outlet)
            User.objects.filter(pk=user.pk).update(sessions_valid_after=timezone.now())
            record(
                action="role.assign",
                by=by,
                obj=user,
                after={"role": role, "organisation": a.organisation_name},
            )
    except IntegrityError as exc:  # the database's own guard (三员 constraint) under a race
        raise ValidationError(
            {"role": _("三员分立：系统管理员、安全管理员、审计管理员不得由同一人兼任。")}
        ) from exc
    return a


def role_revoke(*, assignment: RoleAssignment, reason: str, by: User | None) -> None:
    require(by, "accounts.assign_roles")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        user = assignment.user
        before = {"role": assignment.role, "organisation": assignment.organisation_name}
        assignment.delete()
        User.objects.filter(pk=user.pk).update(sessions_valid_after=timezone.now())
        record(action="role.revoke", by=by, obj=user, before=before, reason=reason)


def user_unlock(*, user: User, by: User | None) -> None:
    """Lift a lock-out after failed logins before its 10 minutes are up."""
    from axes.utils import reset as axes_reset

    require(by, "accounts.unlock")
    with transaction.atomic():
        axes_reset(username=user.username)
        record(action="user.unlock", by=by, obj=user)


OUTLET_ROLES = frozenset({Role.OUTLET_STAFF, Role.OUTLET_MANAGER})


def roles_follow_transfer(
    *, user: User, from_outlet: Any, to_outlet: Any, reason: str, by: User | None
) -> bool:
    """A staff transfer has taken effect: the person's outlet roles move with them to the new outlet, so the
    account keeps working there (with no business permission until the district grants one) and stops
    seeing the old outlet. Only when every role of the account is an outlet role at the old outlet, and
    never on the decider's own account or an administrator's (三员分立); otherwise nothing moves and the
    caller gives the security admin the task. Returns whether the roles moved. The sessions end, so the
    new scope applies at the next request."""
    rows = list(user.assignments.select_related("outlet"))
    if (
        not rows
        or (by is not None and by.pk == user.pk)
        or any(a.role not in OUTLET_ROLES or a.outlet_id != from_outlet.pk for a in rows)
    ):
        return False
    with transaction.atomic():
        for a in RoleAssignment.objects.select_for_update().filter(pk__in=[a.pk for a in rows]):
            before = {"role": a.role, "organisation": a.organisation_name}
            a.outlet, a.bank_id, a.agency_id = to_outlet, to_outlet.bank_id, to_outlet.district_id
            a.save(update_fields=["outlet", "bank", "agency"])
            record(action="role.move", by=by, obj=user, before=before,
                   after={"role": a.role, "organisation": str(to_outlet)}, reason=reason)  # fmt: skip
        User.objects.filter(pk=user.pk).update(sessions_valid_after=timezone.now())
    return True
