"""The audit trail is append-only and hash-chained; `audit_verify` finds the first broken link."""

from __future__ import annotations

import itertools

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from sheyin.audit.chain import seal_pending, verify
from sheyin.audit.models import AuditEvent
from sheyin.audit.services import record

pytestmark = pytest.mark.django_db


def make_events(n: int) -> list[AuditEvent]:
    return [record(action="test.event", object_type="t", object_id=str(i), after={"i": i}) for i in range(n)]


def tamper(sql: str, params: list) -> None:  # type: ignore[type-arg]
    """A DBA changing a row behind the application's back: the guard trigger is lifted first."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_guard")
        else:
            cur.execute("DROP TRIGGER audit_event_guard")
        cur.execute(sql, params)


def test_sealing_links_every_event_to_the_previous_one() -> None:
    events = make_events(5)
    assert seal_pending() == 5
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert {e.pk for e in events} == {e.pk for e in rows}


def test_sealing_in_several_batches_links_across_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from sheyin.audit import chain

    monkeypatch.setattr(chain, "BATCH", 2)
    make_events(5)
    assert seal_pending() == 5
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2, 3, 4, 5]
    assert verify().ok


def test_sealing_writes_the_table_it_names() -> None:
    assert AuditEvent._meta.db_table == "audit_auditevent"  # the sealing UPDATE names it


def test_a_batch_that_cannot_be_written_whole_is_refused_not_retried(monkeypatch: pytest.MonkeyPatch) -> None:
    from sheyin.audit import chain

    make_events(2)
    real = chain._write_links
    monkeypatch.setattr(
        chain, "_write_links", lambda batch: real([*batch[:1], AuditEvent(pk=0, at=batch[0].at)])
    )
    with pytest.raises(DatabaseError, match="sealing wrote 1 of 2"):
        seal_pending()
    assert not AuditEvent.objects.filter(seq__isnull=False).exists()  # the batch rolled back whole


def test_sealing_twice_changes_nothing() -> None:
    make_events(3)
    seal_pending()
    before = list(AuditEvent.objects.values_list("seq", "hash"))
    assert seal_pending() == 0
    assert list(AuditEvent.objects.values_list("seq", "hash")) == before


def test_verify_passes_on_an_untouched_chain(capsys) -> None:  # type: ignore[no-untyped-def]
    make_events(4)
    call_command("audit_verify", "--seal")
    assert "audit chain OK: 4 events verified" in capsys.readouterr().out


def test_verify_fails_after_a_row_is_changed_with_raw_sql() -> None:
    events = make_events(6)
    seal_pending()
    victim = events[3]
    tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["篡改", victim.pk])
    verdict = verify()
    assert not verdict.ok
    assert verdict.broken_id == victim.pk and verdict.broken_seq == 4
    with pytest.raises(CommandError, match="BROKEN at sequence 4"):
        call_command("audit_verify")


def test_verify_fails_when_a_row_is_deleted() -> None:
    events = make_events(4)
    seal_pending()
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [events[1].pk])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 2


def test_the_database_refuses_to_change_a_sealed_event() -> None:
    make_events(1)
    seal_pending()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.update(reason="改写")
    assert AuditEvent.objects.get().reason == ""


def test_the_database_refuses_to_change_an_unsealed_event_except_for_sealing() -> None:
    event = make_events(1)[0]
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="other")


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="DELETE is guarded by the PostgreSQL trigger only"
)
def test_postgresql_refuses_to_delete_an_audit_event() -> None:
    make_events(1)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_verify_passes_on_the_demo_database(reference) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", verbosity=0)
    seal_pending()
    assert verify().ok
    assert verify(full=True).checked == AuditEvent.objects.count() > 300
