"""PostgreSQL: the audit trail becomes a table partitioned by month (docs/decisions/0128-monthly-partitions.md).

The rows are copied into the partitioned table in this migration's transaction (minutes for tens of
millions of rows; `docs/operations.md` says how to run it on a large installation). Every index, check
constraint and trigger of the plain table is recreated under its own name from the catalogue, so later
migrations find them; the primary key becomes `(id, at)` and the chain order `UNIQUE (seq, at)`, as
PostgreSQL requires the partition key in every unique constraint: the uniqueness of `seq` alone rests on
the single sealer and is checked by `audit_verify`. The migration state is unchanged (Django still sees
`id` as the key and `seq` as unique), so SQLite and the models are untouched. The rebuild is shared with
the cases' partitions (`sheyin.common.partitions.rebuild`).
"""

from __future__ import annotations

from django.db import migrations

from sheyin.common import partitions as p

SPEC = p.AUDIT


def forward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or p.is_partitioned(SPEC, conn):
        return
    with conn.cursor() as cur:
        p.rebuild(cur, SPEC, partitioned=True)


def reverse(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or not p.is_partitioned(SPEC, conn):
        return
    with conn.cursor() as cur:
        p.rebuild(cur, SPEC, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_index_events_by_type_and_time")]
    operations = [migrations.RunPython(forward, reverse)]
