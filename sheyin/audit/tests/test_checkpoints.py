"""`audit_verify` starts from the last signed checkpoint (issue 19.5); `--full` walks everything; a
tampered checkpoint breaks the verification."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from sheyin.audit.chain import checkpoint_valid, seal_pending, verify
from sheyin.audit.models import AuditEvent, ChainCheckpoint
from sheyin.audit.services import record

pytestmark = pytest.mark.django_db


def make_events(n: int) -> None:
    for i in range(n):
        record(action="test.event", object_type="t", object_id=str(i), after={"i": i})
    seal_pending()


def test_a_verified_chain_gets_a_signed_checkpoint_at_its_end() -> None:
    make_events(5)
    v = verify()
    assert v.ok and v.checked == 5 and v.start == 0
    cp = ChainCheckpoint.objects.get()
    assert cp.seq == 5 and cp.hash == AuditEvent.objects.get(seq=5).hash
    assert checkpoint_valid(cp)


def test_the_next_verification_rehashes_only_the_events_after_the_checkpoint(capsys) -> None:  # type: ignore[no-untyped-def]
    make_events(4)
    verify()
    make_events(3)
    call_command("audit_verify")
    assert "3 events verified (from checkpoint #4)" in capsys.readouterr().out
    assert list(ChainCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [4, 7]


def test_full_walks_every_event_with_progress(capsys) -> None:  # type: ignore[no-untyped-def]
    make_events(3)
    verify()
    make_events(2)
    seen: list[tuple[int, int]] = []
    v = verify(full=True, progress=lambda done, total: seen.append((done, total)), every=2)
    assert v.ok and v.checked == 5 and v.start == 0
    assert seen == [(2, 5), (4, 5)]
    call_command("audit_verify", "--full")
    assert "5 events verified (from the start)" in capsys.readouterr().out


def test_a_checkpoint_moved_forward_is_detected() -> None:
    make_events(4)
    verify()
    make_events(2)
    # Someone rewrites the tail and moves the checkpoint to its end to skip it: the signature fails.
    ChainCheckpoint.objects.filter(seq=4).update(seq=6, hash=AuditEvent.objects.get(seq=6).hash)
    v = verify()
    assert not v.ok and "not validly signed" in v.problem
    with pytest.raises(CommandError, match="BROKEN at sequence 6"):
        call_command("audit_verify")


def test_a_forged_hash_in_a_checkpoint_is_detected() -> None:
    make_events(3)
    verify()
    ChainCheckpoint.objects.update(hash="f" * 64)
    assert "not validly signed" in verify().problem


def test_full_detects_a_checkpoint_that_disagrees_with_the_chain() -> None:
    make_events(3)
    verify()
    ChainCheckpoint.objects.update(hash="f" * 64)
    v = verify(full=True)
    assert not v.ok and v.broken_seq == 3 and "checkpoint" in v.problem


def test_a_changed_event_after_the_checkpoint_is_found_incrementally() -> None:
    make_events(3)
    verify()
    make_events(2)
    victim = AuditEvent.objects.get(seq=5)
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        else:
            cur.execute("DROP TRIGGER audit_event_guard")
        cur.execute("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["篡改", victim.pk])
    v = verify()
    assert not v.ok and v.broken_seq == 5 and v.start == 3
    assert ChainCheckpoint.objects.count() == 1  # no checkpoint over a broken chain
