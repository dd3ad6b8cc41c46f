"""Second factor (TOTP, django-otp) for every role that reaches personal data (等保 level 3).

Which roles must use it is a setting (`SHEYIN_2FA_ROLES`, every role by default; on in production through
`SHEYIN_REQUIRE_2FA`). Enrolment is self-service: at the first login after it becomes required, or from
the profile page, the user scans a QR code with an authenticator app; a lost phone is reset by the
security admin."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from sheyin.audit.models import Outcome
from sheyin.audit.services import record

from .permissions import require
from .scope import assignments_of


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def role_requires_second_factor(user: Any) -> bool:
    """Whether one of the user's roles must use TOTP (SHEYIN_REQUIRE_2FA and SHEYIN_2FA_ROLES)."""
    if not settings.SHEYIN_REQUIRE_2FA:
        return False
    required = set(settings.SHEYIN_2FA_ROLES)
    return any(a.role in required for a in assignments_of(user))


def requires_second_factor(user: Any) -> bool:
    """Asked at login: whoever enrolled a device, and every role that must."""
    return confirmed_device(user) is not None or role_requires_second_factor(user)


def totp_pending_device(*, user: Any) -> TOTPDevice:
    """The device being enrolled: created once, shown as a QR code until confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="totp", confirmed=False)


def totp_confirm(*, user: Any, token: str) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip()):
        record(action="auth.2fa_enrol", by=user, obj=user, outcome=Outcome.FAILURE)
        raise ValidationError({"token": _("动态口令不正确，请核对手机上的6位数字后重试。")})
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        record(action="auth.2fa_enrol", by=user, obj=user)
    return device


def totp_verify(*, user: Any, token: str) -> TOTPDevice:
    device = confirmed_device(user)
    if device is None or not device.verify_token(token.strip()):
        record(action="auth.2fa_verify", by=user, obj=user, outcome=Outcome.FAILURE)
        raise ValidationError({"token": _("动态口令不正确或已过期。")})
    record(action="auth.2fa_verify", by=user, obj=user)
    return device


def totp_reset(*, user: Any, reason: str, by: Any) -> None:
    """The security admin clears a lost device; the user enrols again at the next login."""
    require(by, "accounts.unlock")
    if not reason.strip():
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        record(action="auth.2fa_reset", by=by, obj=user, reason=reason)
