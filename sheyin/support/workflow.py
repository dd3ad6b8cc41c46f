"""The ticket lifecycle (R9.2). Pure Python: one TRANSITIONS table (action, sources, target, roles).

Only the transition services in services.py change a status, under select_for_update(); a transition not
in the table raises TransitionError with a clear Chinese message. An empty role set means the system.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of


class TicketStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("待答复")
    ANSWERED = "answered", gettext_lazy("已答复")
    CLOSED = "closed", gettext_lazy("已办结")


class TransitionError(ValidationError):
    """A transition the table does not allow for this status or role."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[Role]


OUTLET = frozenset({Role.OUTLET_MANAGER, Role.OUTLET_STAFF})
AGENCY = frozenset(
    {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR, Role.MUNICIPAL_ADMIN,
     Role.MUNICIPAL_OFFICER}
)  # fmt: skip

TRANSITIONS = [
    Transition("reply", (TicketStatus.OPEN, TicketStatus.ANSWERED), TicketStatus.ANSWERED, AGENCY),
    # The outlet's follow-up question puts the ticket back in the contact's queue.
    Transition("follow_up", (TicketStatus.OPEN, TicketStatus.ANSWERED), TicketStatus.OPEN, OUTLET),
    Transition("close", (TicketStatus.OPEN, TicketStatus.ANSWERED), TicketStatus.CLOSED, AGENCY | OUTLET),
    Transition("reopen", (TicketStatus.CLOSED,), TicketStatus.OPEN, OUTLET),
]


def find(action: str, status: str, by: object) -> Transition:
    for t in TRANSITIONS:
        if t.action != action:
            continue
        if status not in t.sources:
            raise TransitionError(
                _("当前状态为“%(status)s”，不能执行该操作。") % {"status": TicketStatus(status).label}
            )
        if by is None:
            return t
        if not ({a.role for a in assignments_of(by)} & {r.value for r in t.roles}):
            raise TransitionError(_("您的角色不能执行该操作。"))
        return t
    raise TransitionError(_("不支持的操作。"))


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
