"""The scale build sets the bulk tables' secondary indexes and keys aside and puts the migrated ones back:
the schema it leaves is exactly the migrations' (the same names, definitions and validity), and the keys
it adds again check the rows loaded meanwhile."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from sheyin.bench import bulk, scale

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the bulk build runs on PostgreSQL"),
]


def test_setting_aside_and_restoring_leaves_every_bulk_table_as_migrated() -> None:
    migrated = bulk.definitions(bulk.django_fetch, scale.BULK_TABLES)
    assert any("casework_case_outlet_id" in d for d in migrated["casework_case"])
    assert any("FOREIGN KEY" in d for d in migrated["casework_case"])
    assert any("_y20" in d for d in migrated["audit_auditevent"])  # the partitions' own indexes count too
    assert any("_receipt_no_uniq" in d for d in migrated["casework_case"])  # a month's own unique index
    key_trigger = "trigger casework_archiverecord.casework_archiverecord_case_id"
    assert any(
        d.startswith(key_trigger) and "(disabled)" not in d for d in migrated["casework_archiverecord"]
    )

    aside = bulk.set_aside(bulk.django_fetch, bulk.django_execute, scale.BULK_TABLES)
    bare = bulk.definitions(bulk.django_fetch, scale.BULK_TABLES)
    # Only the primary keys, the checks, the partial indexes and the triggers remain while the rows go in;
    # the triggers of the keys to the cases are disabled.
    left = [
        d
        for ds in bare.values()
        for d in ds
        if "pkey" not in d
        and "CHECK" not in d
        and " WHERE " not in d
        and not d.startswith("trigger ")
        and ": TRIGGER " not in d  # a constraint trigger's own entry
    ]
    assert left == []
    assert any(d.startswith(key_trigger) and d.endswith("(disabled)") for d in bare["casework_archiverecord"])
    assert any("archive_open_district_due_idx" in d for d in bare["casework_archiverecord"])
    assert len(bare["casework_case"]) < len(migrated["casework_case"])

    indexes, keys = bulk.restore_statements(aside)
    for sql in [*indexes, *keys]:
        bulk.django_execute(sql)
    assert bulk.definitions(bulk.django_fetch, scale.BULK_TABLES) == migrated


def test_a_foreign_key_put_back_refuses_a_row_loaded_without_its_parent() -> None:
    aside = bulk.set_aside(bulk.django_fetch, bulk.django_execute, ["casework_personlookup"])
    bulk.django_execute(
        "INSERT INTO casework_personlookup (purpose, outlet_id, district_id, bank_id, staff_id, at, person_index, "
        "person_masked) VALUES ('identify', -1, -1, -1, -1, now(), 'x', 'x')"
    )
    indexes, keys = bulk.restore_statements(aside)
    for sql in indexes:
        bulk.django_execute(sql)
    with pytest.raises(IntegrityError), transaction.atomic():
        for sql in keys:
            bulk.django_execute(sql)


def test_a_key_trigger_put_back_refuses_a_row_loaded_without_its_case() -> None:
    aside = bulk.set_aside(bulk.django_fetch, bulk.django_execute, ["ratings_ratingtoken"])
    assert [(col, parent) for _name, col, parent in aside[0].key_triggers] == [("case_id", "casework_case")]
    bulk.django_execute(
        "INSERT INTO ratings_ratingtoken (token, case_id, outlet_id, district_id, bank_id, channel, issued_at) "
        "VALUES ('orphan', -1, -1, -1, -1, 'W', now())"
    )  # no trigger fires while the rows go in
    _indexes, keys = bulk.restore_statements(aside)
    checks = [sql for sql in keys if "casework_case" in sql]
    with pytest.raises(IntegrityError, match="casework_case"), transaction.atomic():
        for sql in checks:
            bulk.django_execute(sql)
