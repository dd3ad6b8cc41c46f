"""The ticket lifecycle (R9.2). One lifecycle on the common engine (action, sources, target, roles,
guards). Only the transition services in services.py change a status, through TICKET.apply(); a
transition not in the table raises TransitionError with a clear Chinese message.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.common.lifecycle import Lifecycle, T, TransitionError, refuses_with

__all__ = ["TICKET", "TRANSITIONS", "TicketStatus", "TransitionError", "may_close"]
from sheyin.accounts.scope import assignments_of


class TicketStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("待答复")
    ANSWERED = "answered", gettext_lazy("已答复")
    CLOSED = "closed", gettext_lazy("已办结")


OUTLET = frozenset({Role.OUTLET_MANAGER, Role.OUTLET_STAFF})
AGENCY = frozenset(
    {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR, Role.MUNICIPAL_ADMIN,
     Role.MUNICIPAL_OFFICER}
)  # fmt: skip


@refuses_with(NotAllowed)
def closer(ticket: Any, ctx: dict[str, Any]) -> str | None:
    if not may_close(ticket, ctx.get("by")):
        return _("只有问题提出人或网点负责人可以办结该工单。")
    return None


TICKET = Lifecycle(
    "ticket",
    TicketStatus,
    (
        T("reply", [TicketStatus.OPEN, TicketStatus.ANSWERED], TicketStatus.ANSWERED, AGENCY),
        # The outlet's follow-up question puts the ticket back in the contact's queue.
        T("follow_up", [TicketStatus.OPEN, TicketStatus.ANSWERED], TicketStatus.OPEN, OUTLET),
        T("close", [TicketStatus.OPEN, TicketStatus.ANSWERED], TicketStatus.CLOSED, AGENCY | OUTLET, closer,
          stamp="closed_at"),
        T("reopen", [TicketStatus.CLOSED], TicketStatus.OPEN, OUTLET),
    ),
    messages={"status": gettext_lazy("当前状态为“%(status)s”，不能执行该操作。"),
              "role": gettext_lazy("您的角色不能执行该操作。")},
)  # fmt: skip
TRANSITIONS = TICKET.transitions


def may_close(ticket: Any, by: Any) -> bool:
    """Who closes a ticket, besides the table's roles: at the outlet only the person who raised it or the
    outlet's manager (window staff see only their own tickets); the answering agency may close it too.
    The page offers the button on the same check."""
    if by is None:
        return True
    rows = assignments_of(by)
    if not {a.role for a in rows} & {r.value for r in AGENCY | OUTLET}:
        return False
    if ticket.raised_by_id == by.pk or any(a.role in AGENCY for a in rows):
        return True
    return any(a.role == Role.OUTLET_MANAGER and a.outlet_id == ticket.outlet_id for a in rows)
