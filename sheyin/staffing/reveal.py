"""What the roster can show in full through the one reveal service (accounts.pii): a person's ID number
and phone number, to users who may read the roster and reveal personal data, in their scope."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sheyin.accounts.pii import Revealable, register
from sheyin.common.crypto import decrypt

from .selectors import staff_for


def _find(user: Any, pk: int) -> Any:
    return staff_for(user).filter(pk=pk).first()


def register_revealables() -> None:
    perms = ("pii.reveal", "staffing.view")
    register(
        Revealable("staff.id_number", _("身份证号"), _find, lambda s: decrypt(s.id_number_enc), perms),
        Revealable(
            "staff.phone", _("手机号"), _find, lambda s: decrypt(s.phone_enc) if s.phone_enc else "", perms,
            is_phone=True,
        ),
    )  # fmt: skip
