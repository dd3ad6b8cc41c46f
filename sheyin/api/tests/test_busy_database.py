"""A busy database is a retryable answer (R9.3): another connection holds SQLite's write lock, and an API
call is retried briefly, then answered 503 problem+json with Retry-After — never a 500, nothing half
written. Pages answer a friendly 503 page."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client

from sheyin.api import gateway
from sheyin.api.models import Nonce
from sheyin.audit.models import AuditEvent
from sheyin.common.db import is_busy

pytestmark = [
    pytest.mark.django_db(transaction=True),  # the test's own connection must not hold the lock
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="SQLite's single-writer lock; PostgreSQL does not lock this way"
    ),
]

OUTLETS = "/api/v1/institutions/outlets"


@pytest.fixture
def write_lock(monkeypatch) -> Iterator[sqlite3.Connection]:  # type: ignore[no-untyped-def]
    """Another connection to the test database holding the write lock until the test releases it."""
    name = connection.settings_dict["NAME"]
    other = sqlite3.connect(name, uri=str(name).startswith("file:"), isolation_level=None, timeout=0.05)
    cursor = connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 50")  # wait 50 ms for a lock (5 s in production), then fail
    monkeypatch.setattr(gateway, "BUSY_PAUSES", (0.0,))
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def test_busy_is_told_apart_from_a_wrong_query() -> None:
    assert is_busy(OperationalError("database is locked"))
    assert is_busy(OperationalError("database table is locked: api_nonce"))
    assert not is_busy(OperationalError("no such table: x"))
    assert not is_busy(ValueError("database is locked"))
    try:
        try:
            raise OperationalError("database is locked")
        except OperationalError:
            raise RuntimeError("session could not be saved")  # noqa: B904
    except RuntimeError as chained:
        assert is_busy(chained)

    class SerializationFailure(Exception):
        sqlstate = "40001"

    wrapped = OperationalError("could not serialize access")
    wrapped.__cause__ = SerializationFailure()
    assert is_busy(wrapped)


def test_a_locked_database_answers_503_with_retry_after_and_writes_nothing(world, write_lock) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    nonces, events = Nonce.objects.count(), AuditEvent.objects.count()
    r = api.get(OUTLETS)
    assert r.status_code == 503
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "service_unavailable"
    assert int(r["Retry-After"]) >= 1
    write_lock.execute("ROLLBACK")
    assert (Nonce.objects.count(), AuditEvent.objects.count()) == (nonces, events)  # not even the nonce


def test_a_lock_released_while_retrying_is_answered_normally(world, write_lock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pauses: list[float] = []

    def release(seconds: float) -> None:  # the other writer finishes during the first pause
        pauses.append(seconds)
        if write_lock.in_transaction:
            write_lock.execute("ROLLBACK")

    monkeypatch.setattr(gateway.time, "sleep", release)
    r = world["home_api"].get(OUTLETS)
    assert r.status_code == 200
    assert len(pauses) == 1
    assert AuditEvent.objects.filter(action="api.call").count() == 1  # the call audited once, not per try


def test_a_write_meeting_a_locked_database_is_503_and_can_be_retried_with_its_key(world, write_lock) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    outlet = world["outlets"]["home"]
    path = f"{OUTLETS}/{outlet.code}/contact"
    assert api.send("PATCH", path, {"phone": "010-66660099"}, key="busy-write").status_code == 503
    write_lock.execute("ROLLBACK")
    retry = api.send("PATCH", path, {"phone": "010-66660099"}, key="busy-write")
    assert retry.status_code == 200
    assert "Idempotent-Replayed" not in retry  # the first try left no stored answer behind


def test_a_page_meeting_a_locked_database_is_a_friendly_503(reference, write_lock) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.tests.factories import district

    write_lock.execute("ROLLBACK")
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    browser = Client(raise_request_exception=False)
    browser.force_login(user)
    write_lock.execute("BEGIN IMMEDIATE")
    r = browser.get("/workbench/")  # the session is saved on every request: a write
    assert r.status_code == 503
    assert int(r["Retry-After"]) >= 1
    assert "系统正忙" in r.content.decode()
