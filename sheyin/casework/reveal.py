"""What a case can show in full through the one reveal service (accounts.pii): the applicant's ID number,
read from the core system, for users who may read the case and reveal personal data."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.pii import Revealable, register
from sheyin.coresystem.adapter import get_core

from .selectors import case_for_user


def _check(case: Any) -> None:
    if not case.applicant_ref:
        raise ValidationError(_("该业务尚未核验申请人。"))


def register_revealables() -> None:
    register(
        Revealable(
            "case.applicant_id_number", gettext_lazy("证件号码"), case_for_user,
            lambda case: get_core().reveal_id_number(case.applicant_ref), ("pii.reveal", "casework.view"),
            check=_check,
        ),
    )  # fmt: skip
