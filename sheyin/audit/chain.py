"""Hash chain over audit events: canonical form, sealing and verification."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from django.db import transaction

from sheyin.common.crypto import sm3_hex

from .models import AuditEvent, ChainHead

GENESIS = "0" * 64
BATCH = 2000


def canonical(e: AuditEvent) -> bytes:
    at = e.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = [
        e.seq, e.pk, at, e.actor_id, e.actor_name, e.role, e.organisation, e.action, e.object_type,
        e.object_id, e.object_repr, e.outcome, e.reason, e.before, e.after, e.client_address,
    ]  # fmt: skip
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def link(prev_hash: str, e: AuditEvent) -> str:
    return sm3_hex(prev_hash.encode() + canonical(e))


def seal_pending() -> int:
    """Give every unsealed event its place in the chain; returns how many were sealed. Safe to rerun."""
    sealed = 0
    while True:
        with transaction.atomic():
            head, _ = ChainHead.objects.select_for_update().get_or_create(pk=1)
            batch = list(AuditEvent.objects.filter(seq__isnull=True).order_by("pk")[:BATCH])
            if not batch:
                return sealed
            seq, prev = head.last_seq, head.last_hash
            for e in batch:
                seq += 1
                e.seq, e.prev_hash = seq, prev
                e.hash = prev = link(prev, e)
            AuditEvent.objects.bulk_update(batch, ["seq", "prev_hash", "hash"])
            head.last_seq, head.last_hash = seq, prev
            from django.utils import timezone

            head.sealed_at = timezone.now()
            head.save()
            sealed += len(batch)


@dataclass
class Verdict:
    checked: int
    unsealed: int
    broken_seq: int | None = None
    broken_id: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def verify() -> Verdict:
    prev, expected_seq, checked = GENESIS, 1, 0
    for e in AuditEvent.objects.filter(seq__isnull=False).order_by("seq").iterator(chunk_size=BATCH):
        if e.seq != expected_seq:
            return Verdict(checked, 0, expected_seq, e.pk, f"missing event at sequence {expected_seq}")
        if e.prev_hash != prev:
            return Verdict(checked, 0, e.seq, e.pk, "previous-hash link does not match")
        if link(prev, e) != e.hash:
            return Verdict(checked, 0, e.seq, e.pk, "event content does not match its hash")
        prev, expected_seq, checked = e.hash, expected_seq + 1, checked + 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return Verdict(checked, 0, expected_seq, None, "chain head does not match the last event")
    unsealed = AuditEvent.objects.filter(seq__isnull=True).count()
    return Verdict(checked, unsealed)
