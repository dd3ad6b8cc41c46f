"""Scoped reads of terminals and their logs; the public look-up of a printout by its code."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, QuerySet

from sheyin.accounts.scope import scoped
from sheyin.common.crypto import decrypt_bytes, sm3_hex
from sheyin.coresystem.adapter import RightsRecord

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
    """Public: a printout by its 核验码 (the page shows masked data and the printed figures)."""
    if len(code) != 16:
        return None
    return PrintedRecord.objects.select_related("outlet", "terminal").filter(code=code).first()


def printed_at_terminal(terminal: Terminal, code: str) -> PrintedRecord | None:
    """The printout just made at this terminal (its screen shows the codes printed on it)."""
    return PrintedRecord.objects.select_related("rating_token").filter(terminal=terminal, code=code).first()


@dataclass(frozen=True)
class IssuedContent:
    record: RightsRecord  # the figures as printed
    intact: bool  # the archived content still hashes to the content hash sealed at printing


def printed_content(printed: PrintedRecord) -> IssuedContent | None:
    """What the printout showed, from its encrypted archive; None for printouts made before archiving."""
    if not printed.content:
        return None
    data = zlib.decompress(decrypt_bytes(bytes(printed.content)))
    record, _code, _at = RightsRecord.from_canonical(data)
    # Shown only if re-serialising the figures gives back the bytes whose hash was printed on the paper.
    intact = sm3_hex(record.canonical_bytes(code=_code, printed_at=_at)) == printed.content_hash
    return IssuedContent(record, intact)


def queries_by_person_index(index: str) -> QuerySet[TerminalQuery]:
    """For the oversight rules (system reads, no user): a person's terminal queries."""
    return TerminalQuery.objects.filter(person_index=index)
