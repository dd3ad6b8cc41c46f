"""Account writes: users, role assignments, passwords, session revocation. Each audited."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import string
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.audit.models import Outcome
from sheyin.audit.services import record, snapshot
from sheyin.common.crypto import blind_index, encrypt
from sheyin.common.masking import mask_email, mask_phone
from sheyin.notifications.services import deliver_secret

from .models import ActivationCode, PasswordHistory, RoleAssignment, User
from .permissions import NotAllowed, require
from .roles import LEVEL, THREE_ADMINS, Level, Role

PASSWORD_HISTORY = 5
EXPIRED = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
ACTIVATION_CODE_LENGTH = 8


def _set_phone(user: User, phone: str) -> None:
    user.phone_enc = encrypt(phone) if phone else ""
    user.phone_masked = mask_phone(phone)


def user_create(
    *, username: str, display_name: str, phone: str = "", email: str = "", password: str = "", by: User | None
) -> User:
    """A new account. Created by an administrator it has NO usable password: its owner receives a one-time
    activation code and sets their own (三员分立: the administrator never knows a business user's password).
    Only the system itself (`by=None`: the demo seed, a command on the server) may give a password."""
    require(by, "accounts.manage_users")
    if by is not None and password:
        raise NotAllowed(_("管理员不能为用户设置密码：密码由本人通过激活码设置。"))
    username = username.strip()
    errors: dict[str, str] = {}
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("该账号已存在。")
    phone, email = phone.strip(), email.strip()
    if by is not None and not (phone or email) and not settings.DEMO_MODE:
        errors["phone"] = _("请填写手机号或电子邮箱，激活码将发送给本人。")
    if errors:
        raise ValidationError(errors)
    user = User(username=username, display_name=display_name.strip(), email=email)
    _set_phone(user, phone)
    if password:
        validate_password(password, user)
    with transaction.atomic():
        if password:
            user.set_password(password)
            user.password_changed_at = timezone.now()
        else:
            user.set_unusable_password()
            user.password_changed_at = EXPIRED
        user.save()
        record(action="user.create", by=by, obj=user, after=snapshot(user, ["username", "display_name"]))
        if not password:
            _issue_activation(user, ActivationCode.Purpose.NEW, by)
    return user


def is_three_admin(user: User) -> bool:
    return user.assignments.filter(role__in=sorted(THREE_ADMINS)).exists()


def _refuse_admin_takeover(user: User, by: User | None) -> None:
    """The system admin must not take over the security or audit admin's account (三员分立): such
    accounts are reset or disabled only offline, with `manage.py changepassword` on the server."""
    if by is not None and by.pk != user.pk and is_three_admin(user):
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
    """A user changing their own password (or the system itself, `by=None`). Nobody sets another person's
    password: an administrator resets an account (`user_reset_password`) and its owner sets a new one
    with the activation code. Every session and personal token opened before now ends at its next use;
    the caller keeps the current session alive (`update_session_auth_hash` and a fresh login stamp)."""
    if by is not None and by.pk != user.pk:
        raise NotAllowed(_("不能为他人设置密码：请使用“重置密码”，由本人通过激活码设置新密码。"))
    validate_password(new_password, user)
    with transaction.atomic():
        _store_password(user, new_password)
        record(action="user.password_change", by=by, obj=user)
    return user


def user_language_set(*, user: User, language: str, by: User | None) -> User:
    """A user choosing the interface language with the header switch, kept for their next sign-in."""
    if by is None or by.pk != user.pk:
        raise NotAllowed(_("只能设置本人的界面语言。"))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("不支持该语言。")})
    if user.language == language:
        return user
    with transaction.atomic():
        before = {"language": user.language}
        user.language = language
        user.save(update_fields=["language"])
        record(action="user.language_set", by=by, obj=user, before=before, after={"language": language})
    return user


def _store_password(user: User, new_password: str) -> None:
    if user.has_usable_password():
        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[PASSWORD_HISTORY:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()
    user.set_password(new_password)
    user.password_changed_at = user.sessions_valid_after = timezone.now()
    user.save(update_fields=["password", "password_changed_at", "sessions_valid_after"])


def user_reset_password(*, user: User, reason: str, by: User | None) -> ActivationCode:
    """The system admin resets an account (a forgotten or compromised password): the old password stops
    working at once, every session and personal token of the user ends, and the owner receives a one-time
    activation code to set a new password. The administrator never sees the code."""
    require(by, "accounts.manage_users")
    _refuse_admin_takeover(user, by)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写重置原因。")})
    if by is not None and by.pk == user.pk:
        raise NotAllowed(_("请在“修改密码”中修改自己的密码。"))
    with transaction.atomic():
        user.set_unusable_password()
        user.password_changed_at = EXPIRED
        user.sessions_valid_after = timezone.now()
        user.save(update_fields=["password", "password_changed_at", "sessions_valid_after"])
        record(action="user.password_reset", by=by, obj=user, reason=reason.strip())
        return _issue_activation(user, ActivationCode.Purpose.RESET, by)


def user_resend_activation(*, user: User, by: User | None) -> ActivationCode:
    """A new code for an account still waiting for its owner (the first one expired or was lost)."""
    require(by, "accounts.manage_users")
    _refuse_admin_takeover(user, by)
    if user.has_usable_password():
        raise ValidationError(_("该账号已设置密码，无需激活；如需重置请使用“重置密码”。"))
    with transaction.atomic():
        purpose = ActivationCode.Purpose.NEW if user.last_login is None else ActivationCode.Purpose.RESET
        return _issue_activation(user, purpose, by)


def _issue_activation(user: User, purpose: str, by: User | None) -> ActivationCode:
    """Void any open code, make a new one, keep only its keyed hash, send the clear code to the owner."""
    now = timezone.now()
    ActivationCode.objects.filter(user=user, used_at__isnull=True, void_at__isnull=True).update(void_at=now)
    code = "".join(secrets.choice(string.digits) for _i in range(ACTIVATION_CODE_LENGTH))
    sent_to = user.phone_masked or mask_email(user.email) or str(_("本人站内消息"))
    row = ActivationCode.objects.create(
        user=user, purpose=purpose, code_hash=_code_hash(user, code), created_at=now,
        expires_at=now + dt.timedelta(hours=settings.SHEYIN_ACTIVATION_HOURS), sent_to=sent_to[:60],
        created_by=by,
    )  # fmt: skip
    record(
        action="user.activation_sent", by=by, obj=user,
        after={"purpose": purpose, "sent_to": row.sent_to, "expires_at": row.expires_at},
    )  # fmt: skip
    deliver_secret(
        user=user,
        title=_("社银合作管理平台账号激活码"),
        body=_(
            "您的账号 %(username)s 的激活码是 %(code)s，%(hours)s小时内有效。请在登录页点击“激活账号/设置密码”，"
            "输入账号和激活码后设置您自己的密码。激活码只发给您本人，请勿告诉任何人（包括系统管理员）。"
        ) % {"username": user.username, "code": code, "hours": settings.SHEYIN_ACTIVATION_HOURS},
    )  # fmt: skip
    return row


def _code_hash(user: User, code: str) -> str:
    return blind_index(f"activation:{user.pk}:{code}")


ACTIVATION_REFUSED = "账号或激活码不正确，或激活码已失效。"


def account_activate(*, username: str, code: str, new_password: str) -> User:
    """The owner sets their own password with the activation code (no login, so no `by`). Wrong codes are
    counted; after SHEYIN_ACTIVATION_MAX_FAILURES the code is void. The answer never says which part was
    wrong, so it does not tell whether an account exists."""
    refused = ValidationError({"code": _(ACTIVATION_REFUSED)})
    user = User.objects.filter(username__iexact=username.strip(), is_active=True).first()
    if user is None:
        raise refused
    with transaction.atomic():
        row = (
            ActivationCode.objects.select_for_update()
            .filter(user=user, used_at__isnull=True, void_at__isnull=True, expires_at__gt=timezone.now())
            .first()
        )
        if row is None:
            raise refused
        if not hmac.compare_digest(row.code_hash, _code_hash(user, code.strip())):
            row.failures += 1
            if row.failures >= settings.SHEYIN_ACTIVATION_MAX_FAILURES:
                row.void_at = timezone.now()
            row.save(update_fields=["failures", "void_at"])
            record(action="user.activate", obj=user, outcome=Outcome.FAILURE, actor_name=user.get_username())
            failed = True
        else:
            failed = False
    if failed:
        raise refused
    validate_password(new_password, user)
    with transaction.atomic():
        row = ActivationCode.objects.select_for_update().get(pk=row.pk)
        if row.used_at is not None or row.void_at is not None:
            raise refused
        _store_password(user, new_password)
        row.used_at = timezone.now()
        row.save(update_fields=["used_at"])
        record(action="user.activate", by=user, obj=user, after={"purpose": row.purpose})
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


def pii_reveal(*, kind: str, obj: Any, reason: str, note: str = "", by: User | None) -> str:
    """The full value of a piece of personal data, for a stated reason (design rule 6, R9.3).

    The one path for every reveal in the platform: the declared permissions, the object in the user's
    scope, the reason rule of `pii.reason_text`, and one audit event `pii.reveal` naming the field."""
    from . import pii
    from .permissions import require_scope

    target = pii.revealable(kind)
    for perm in target.perms:
        require(by, perm)
    require_scope(by, obj)
    text = pii.reason_text(reason, note)
    if target.check is not None:
        target.check(obj)
    value = target.value(obj)
    with transaction.atomic():
        record(action="pii.reveal", by=by, obj=obj, reason=text, after={"field": kind, "reason_code": reason})
        if target.after is not None:
            target.after(obj, by, text)
    return value


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
