"""The audit trail is partitioned by month on PostgreSQL, and stays append-only (0128)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction

from sheyin.audit import partitions as p
from sheyin.audit.chain import seal_pending
from sheyin.audit.models import AuditEvent
from sheyin.common.tasks import ensure_month_partitions

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
)


def _partition_of(event: AuditEvent) -> str:
    with connection.cursor() as cur:
        cur.execute(f"SELECT tableoid::regclass::text FROM {p.TABLE} WHERE id = %s", [event.pk])  # noqa: S608
        return str(cur.fetchone()[0])


def test_month_arithmetic_crosses_years() -> None:
    assert p.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)
    assert p.add_months(dt.date(2026, 1, 1), -1) == dt.date(2025, 12, 1)
    assert p.partition_name(dt.date(2027, 2, 1)) == "audit_auditevent_y2027m02"


def test_on_sqlite_the_trail_is_one_plain_table_and_the_job_does_nothing() -> None:
    if connection.vendor == "postgresql":
        assert p.is_partitioned()
    else:
        assert not p.is_partitioned()
        assert p.ensure_months().created == []
        assert p.partitions() == []


@on_postgres
def test_an_event_lands_in_the_partition_of_its_month() -> None:
    now = AuditEvent.objects.create(action="test.now")
    last_year = AuditEvent.objects.create(action="test.old", at=dt.datetime(2026, 1, 15, 8, tzinfo=dt.UTC))
    assert _partition_of(now) == p.partition_name(p.month_start(now.at.astimezone(dt.UTC).date()))
    assert _partition_of(last_year) == "audit_auditevent_y2026m01"


@on_postgres
def test_an_event_far_outside_every_month_still_is_written_to_the_default_partition() -> None:
    event = AuditEvent.objects.create(action="test.skewed", at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert _partition_of(event) == p.DEFAULT_PARTITION


@on_postgres
def test_a_sealed_event_still_cannot_be_changed_or_deleted() -> None:
    event = AuditEvent.objects.create(action="test.guarded")
    seal_pending()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.seq is not None and event.reason == ""


@on_postgres
def test_the_daily_job_creates_the_coming_months_once() -> None:
    far = dt.date(2031, 5, 1)
    first = p.ensure_months(ahead=1, today=far)
    assert first.created == ["audit_auditevent_y2031m05", "audit_auditevent_y2031m06"]
    assert p.ensure_months(ahead=1, today=far).created == []
    assert "audit_auditevent_y2031m06" in {name for name, _, _ in p.partitions()}
    assert ensure_month_partitions.call_local() == []  # the months around today exist since the migration


@on_postgres
def test_a_month_whose_events_already_sit_in_the_default_is_refused_not_moved() -> None:
    AuditEvent.objects.create(action="test.skewed", at=dt.datetime(2040, 3, 2, tzinfo=dt.UTC))
    result = p.ensure_months(ahead=0, today=dt.date(2040, 3, 9))
    assert result.created == [] and result.refused == ["audit_auditevent_y2040m03"]
    assert AuditEvent.objects.filter(action="test.skewed").count() == 1
