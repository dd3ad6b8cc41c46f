"""Scoped reads of terminals and their logs; the public look-up of a printout by its code."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from sheyin.accounts.scope import scoped

from .models import PrintedRecord, Terminal, TerminalQuery


def terminals_for(user: Any) -> QuerySet[Terminal]:
    if not user.has_perm("kiosk.view_terminals"):
        return Terminal.objects.none()
    return scoped(Terminal.objects.select_related("outlet", "district", "bank"), user)


def queries_for(user: Any) -> QuerySet[TerminalQuery]:
    if not user.has_perm("kiosk.view_queries"):
        return TerminalQuery.objects.none()
    return scoped(TerminalQuery.objects.select_related("terminal", "outlet", "printed"), user)


def printed_for(user: Any) -> QuerySet[PrintedRecord]:
    if not user.has_perm("kiosk.view_queries"):
        return PrintedRecord.objects.none()
    return scoped(PrintedRecord.objects.select_related("outlet", "terminal"), user)


def terminal_activity(terminal: Terminal) -> dict[str, Any]:
    """Counts by action for one terminal (already checked to be in the user's scope)."""
    rows = terminal.queries.values("action").annotate(n=Count("pk"), last=Max("at"))
    return {r["action"]: r for r in rows}


def printed_by_code(code: str) -> PrintedRecord | None:
    """Public: a printout by its verification code (the page shows only masked data)."""
    if len(code) != 16:
        return None
    return PrintedRecord.objects.select_related("outlet").filter(code=code).first()


def queries_by_person_index(index: str) -> QuerySet[TerminalQuery]:
    """For the oversight rules (system reads, no user): a person's terminal queries."""
    return TerminalQuery.objects.filter(person_index=index)
