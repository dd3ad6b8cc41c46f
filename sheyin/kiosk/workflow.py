"""Terminal lifecycle (R2.1): registered devices of an outlet, each with its own credential.

Pure Python: one TRANSITIONS table; only the transition services in services.py change the status,
under select_for_update().
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role


class TerminalStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("启用")
    DISABLED = "disabled", gettext_lazy("停用")


class TransitionError(ValidationError):
    pass


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]


MANAGERS = frozenset({Role.OUTLET_MANAGER, Role.BANK_ADMIN})
TRANSITIONS = [
    Transition("disable", (TerminalStatus.ACTIVE,), TerminalStatus.DISABLED, MANAGERS),
    Transition("enable", (TerminalStatus.DISABLED,), TerminalStatus.ACTIVE, MANAGERS),
]


def transition(action: str, status: str) -> Transition:
    for t in TRANSITIONS:
        if t.action == action and status in t.sources:
            return t
    raise TransitionError(
        _("终端当前状态为“%(status)s”，不能执行该操作。") % {"status": TerminalStatus(status).label}
    )
