"""Terminal lifecycle (R2.1): registered devices of an outlet, each with its own credential.

One lifecycle on the common engine (sheyin.common.lifecycle); only the transition services in
services.py change the status, through TERMINAL.apply().
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import Lifecycle, T, Transition, TransitionError

__all__ = ["TERMINAL", "TRANSITIONS", "TerminalStatus", "Transition", "TransitionError", "transition"]


class TerminalStatus(models.TextChoices):
    ACTIVE = "active", gettext_lazy("启用")
    DISABLED = "disabled", gettext_lazy("停用")


MANAGERS = frozenset({Role.OUTLET_MANAGER, Role.BANK_ADMIN})

TERMINAL = Lifecycle(
    "terminal",
    TerminalStatus,
    (
        T("disable", [TerminalStatus.ACTIVE], TerminalStatus.DISABLED, MANAGERS, label=gettext_lazy("停用")),
        T("enable", [TerminalStatus.DISABLED], TerminalStatus.ACTIVE, MANAGERS, label=gettext_lazy("启用")),
    ),
    messages={"status": gettext_lazy("终端当前状态为“%(status)s”，不能执行该操作。")},
    audit_prefix="kiosk.terminal",
)
TRANSITIONS = TERMINAL.transitions


def transition(action: str, status: str) -> Transition:
    return TERMINAL.find(action, status)
