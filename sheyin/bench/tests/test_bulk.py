"""The scale build sets the bulk tables' secondary indexes and keys aside and puts the migrated ones back:
the schema it leaves is exactly the migrations' (the same names, definitions and validity), and the keys
it adds again check the rows loaded meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from sheyin.bench import bulk, scale

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk build runs on PostgreSQL"),
]


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def _execute(sql: str) -> None:
    with connection.cursor() as cur:
        cur.execute(sql)


def test_setting_aside_and_restoring_leaves_every_bulk_table_as_migrated() -> None:
    migrated = bulk.definitions(_fetch, scale.BULK_TABLES)
    assert any("casework_case_outlet_id" in d for d in migrated["casework_case"])
    assert any("FOREIGN KEY" in d for d in migrated["casework_case"])
    assert any("_y20" in d for d in migrated["audit_auditevent"])  # the partitions' own indexes count too

    aside = bulk.set_aside(_fetch, _execute, scale.BULK_TABLES)
    bare = bulk.definitions(_fetch, scale.BULK_TABLES)
    # Only the primary keys, the checks and the partial indexes remain while the rows go in.
    left = [
        d for ds in bare.values() for d in ds if "pkey" not in d and "CHECK" not in d and " WHERE " not in d
    ]
    assert left == []
    assert any("archive_open_district_due_idx" in d for d in bare["casework_archiverecord"])
    assert len(bare["casework_case"]) < len(migrated["casework_case"])

    indexes, keys = bulk.restore_statements(aside)
    for sql in [*indexes, *keys]:
        _execute(sql)
    assert bulk.definitions(_fetch, scale.BULK_TABLES) == migrated


def test_a_foreign_key_put_back_refuses_a_row_loaded_without_its_parent() -> None:
    aside = bulk.set_aside(_fetch, _execute, ["casework_personlookup"])
    _execute(
        "INSERT INTO casework_personlookup (purpose, outlet_id, district_id, bank_id, staff_id, at, person_index, "
        "person_masked) VALUES ('identify', -1, -1, -1, -1, now(), 'x', 'x')"
    )
    indexes, keys = bulk.restore_statements(aside)
    for sql in indexes:
        _execute(sql)
    with pytest.raises(IntegrityError), transaction.atomic():
        for sql in keys:
            _execute(sql)
