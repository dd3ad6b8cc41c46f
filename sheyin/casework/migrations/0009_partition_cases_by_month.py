"""PostgreSQL: the cases become a table partitioned by month of `called_at` (docs/decisions/0128-monthly-partitions.md).

As for the audit trail (`audit.0005`), the rows are copied into the partitioned table in this migration's
transaction and every index, check, outgoing foreign key and trigger is made again under its own name
(`sheyin.common.partitions.rebuild`). Months start at midnight Beijing time. PostgreSQL requires the
partition key in every unique constraint, so the primary key becomes `(id, called_at)`, `receipt_no` is
`UNIQUE (receipt_no, called_at)` (and unique within each month's partition: its number carries the day the
case was called, so a number can only ever fall in one partition) and `rating_token`
`UNIQUE (rating_token, called_at)` (each token is also the unique token of its `ratings_ratingtoken` row).

A foreign key must reference a unique constraint that includes the partition key, so the seven keys that
point at a case (receipts, look-ups, scans, reviews, archives, rating codes, ratings) become constraint
triggers under the keys' own names, deferred to commit as Django's keys are: a referencing row whose case
does not exist, and the deletion of a case still referred to, are refused with SQLSTATE 23503 (an
IntegrityError, as before). The migration state is unchanged (Django still sees `id` as the key and
`receipt_no` as unique), so SQLite and the models are untouched. The reverse restores the plain table and
the real foreign keys.
"""

from __future__ import annotations

from django.db import migrations

from sheyin.common import partitions as p

SPEC = p.CASES


def forward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or p.is_partitioned(SPEC, conn):
        return
    with conn.cursor() as cur:
        cur.execute(
            "SET CONSTRAINTS ALL IMMEDIATE"
        )  # no deferred check may be pending on a table altered here
        keys = p.drop_keys(cur, SPEC.table)  # the keys go first: the plain table can then be dropped
        p.rebuild(cur, SPEC, partitioned=True)
        p.add_key_triggers(cur, SPEC.table, keys)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


def reverse(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or not p.is_partitioned(SPEC, conn):
        return
    with conn.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        keys = p.triggers_to_keys(cur, SPEC.table)
        p.rebuild(cur, SPEC, partitioned=False)
        p.add_keys(cur, SPEC.table, keys)
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0008_index_for_a_districts_overdue_archives"),
        ("ratings", "0005_index_for_the_satisfaction_trend"),  # every key to a case exists
    ]
    operations = [migrations.RunPython(forward, reverse)]
