"""What oversight can show in full through the one reveal service (accounts.pii): a citizen's complaint as
received, numbers unmasked, to the district or municipal handler (never to the outlet complained about)."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.pii import Revealable, register
from sheyin.common.crypto import decrypt

from .selectors import findings


def _find(user: Any, pk: int) -> Any:
    return findings(user).filter(pk=pk).first()


def _original(finding: Any) -> str:
    data = json.loads(decrypt(finding.original_enc))
    return "\n".join(part for part in (data.get("title", ""), data.get("detail", "")) if part)


def _has_original(finding: Any) -> None:
    if not finding.original_enc:
        raise ValidationError(_("该反映内容没有被遮盖的号码。"))


def register_revealables() -> None:
    register(
        Revealable(
            "finding.original", gettext_lazy("群众反映原文"), _find, _original,
            ("pii.reveal", "supervision.manage_findings"), check=_has_original,
        ),
    )  # fmt: skip
