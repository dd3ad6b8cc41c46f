"""Personal data shown in full: one registry of what can be revealed, one rule for the reason (R9.3).

Every full ID number, phone number or unmasked citizen text goes through `services.pii_reveal`: the same
permission and scope check, the same reason rule and the same audit event (`pii.reveal`), whatever the
app. An app declares what it can reveal from its `AppConfig.ready()`:

    pii.register(Revealable(kind="staff.id_number", label=_("身份证号"), find=..., value=...))

`find(user, pk)` looks the object up through the app's scoped selector (None when out of scope);
`value(obj)` returns the clear value (it decrypts); `check(obj)` may refuse with a ValidationError;
`after(obj, by, reason)` runs in the same transaction (e.g. a step in the object's own history).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, TextChoices
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class RevealReason(TextChoices):
    """Why a person needs the full value. "Other" must be explained."""

    VERIFY_IDENTITY = "verify_identity", gettext_lazy("核验本人身份")
    HANDLE_CASE = "handle_case", gettext_lazy("办理业务需要")
    CALL_BACK = "call_back", gettext_lazy("回访或联系本人")
    INVESTIGATE = "investigate", gettext_lazy("核查投诉或问题")
    CORRECT_RECORD = "correct_record", gettext_lazy("核对更正登记信息")
    OTHER = "other", gettext_lazy("其他（须说明）")


NOTE_MIN = 4  # characters of explanation that "other" needs
NOTE_MAX = 200


def reason_text(reason: str, note: str) -> str:
    """The one reason rule: a listed reason; "other" needs at least four characters of explanation.
    Returns the words the audit trail keeps, or raises a ValidationError on `reason` / `note`."""
    note = " ".join((note or "").split())[:NOTE_MAX]
    if reason not in RevealReason.values:
        raise ValidationError({"reason": _("请选择查看事由。")})
    if reason == RevealReason.OTHER and len(note) < NOTE_MIN:
        raise ValidationError({"note": _("选择“其他”时请说明具体事由（至少4个字）。")})
    label = str(RevealReason(reason).label)
    return f"{label}：{note}" if note else label


@dataclass(frozen=True)
class Revealable:
    kind: str
    label: str | Promise
    find: Callable[[Any, int], Model | None]
    value: Callable[[Any], str]
    perms: tuple[str, ...] = ("pii.reveal",)
    check: Callable[[Any], None] | None = None
    # Shown with the value: a call link for a phone number (the call-back of a bad review).
    is_phone: bool = False
    # Run in the reveal's transaction, e.g. to note the reveal in the object's own history.
    after: Callable[[Any, Any, str], None] | None = None


_REGISTRY: dict[str, Revealable] = {}


def register(*items: Revealable) -> None:
    for item in items:
        _REGISTRY[item.kind] = item


def revealable(kind: str) -> Revealable:
    """The declaration of `kind`; a KeyError (loud) when no app declared it."""
    return _REGISTRY[kind]


def kinds() -> list[str]:
    return sorted(_REGISTRY)
