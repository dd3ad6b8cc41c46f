"""PostgreSQL connections prepare the statements they repeat (decision 0131)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from config.settings import base
from sheyin.institutions.models import Outlet

POSTGRES = "django.db.backends.postgresql"


def _database(engine: str) -> dict[str, Any]:
    return {"ENGINE": engine, "NAME": "sheyin", "OPTIONS": {"connect_timeout": 2}}


def test_a_postgresql_database_binds_on_the_server_and_prepares_a_statement_run_twice(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SHEYIN_DB_PREPARE_THRESHOLD", raising=False)
    db = _database(POSTGRES)
    base._prepared_statements(db)
    assert db["OPTIONS"] == {"connect_timeout": 2, "server_side_binding": True, "prepare_threshold": 2}


def test_the_threshold_comes_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHEYIN_DB_PREPARE_THRESHOLD", "0")
    db = _database(POSTGRES)
    base._prepared_statements(db)
    assert db["OPTIONS"]["prepare_threshold"] == 0


@pytest.mark.parametrize("value", ["off", "OFF", "none"])
def test_off_keeps_client_side_binding_for_a_transaction_pooler(monkeypatch, value: str) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHEYIN_DB_PREPARE_THRESHOLD", value)
    db = _database(POSTGRES)
    base._prepared_statements(db)
    assert db["OPTIONS"] == {"connect_timeout": 2}


def test_sqlite_is_left_alone(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SHEYIN_DB_PREPARE_THRESHOLD", raising=False)
    db = _database("django.db.backends.sqlite3")
    base._prepared_statements(db)
    assert db["OPTIONS"] == {"connect_timeout": 2}


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_a_connection_keeps_the_plan_of_a_query_it_repeats() -> None:
    def prepared() -> list[str]:
        with connection.cursor() as cur:
            cur.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cur.fetchall() if "institutions_outlet" in row[0]]

    # A shape of query nothing else runs, so the statement found is this test's.
    query = Outlet.objects.filter(code="PREPARED-PROBE", phone="0").values_list("address", "windows")
    for _ in range(3):
        assert list(query.all()) == []  # a fresh queryset each time: a run of its own
    statements = [s for s in prepared() if '"institutions_outlet"."address"' in s and '"phone" = $2' in s]
    assert len(statements) == 1, prepared()
