"""PostgreSQL: the audit trail becomes a table partitioned by month (docs/decisions/0128-monthly-partitions.md).

The rows are copied into the partitioned table in this migration's transaction (minutes for tens of
millions of rows; `docs/operations.md` says how to run it on a large installation). Every index, check
constraint and trigger of the plain table is recreated under its own name from the catalogue, so later
migrations find them; the primary key becomes `(id, at)` and the chain order `UNIQUE (seq, at)`, as
PostgreSQL requires the partition key in every unique constraint: the uniqueness of `seq` alone rests on
the single sealer and is checked by `audit_verify`. The migration state is unchanged (Django still sees
`id` as the key and `seq` as unique), so SQLite and the models are untouched.
"""

from __future__ import annotations

import datetime as dt

from django.db import migrations
from django.utils import timezone

from sheyin.audit import partitions as p

TABLE = p.TABLE
WHOLE = f"{TABLE}_whole"
MONTHS_BACK = 24  # partitions for the past two years exist from the start, whatever the data's age


def _catalogue(cur, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]], list[str]]:
    cur.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
        [table],
    )
    indexes = cur.fetchall()
    cur.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s)",
        [table],
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass(%s) AND NOT tgisinternal",
        [table],
    )
    triggers = [r[0] for r in cur.fetchall()]
    return indexes, constraints, triggers


def _rebuild(cur, *, partitioned: bool) -> None:
    """Copy the table into a new one of the other kind under the same name, with the same names inside."""
    indexes, constraints, triggers = _catalogue(cur, TABLE)
    owned_by_constraint = {name for name, kind, _ in constraints if kind in ("p", "u")}
    cur.execute(f"SELECT min(at), max(id) FROM {TABLE}")
    oldest, last_id = cur.fetchone()
    cur.execute(f"ALTER TABLE {TABLE} RENAME TO {WHOLE}")
    suffix = " PARTITION BY RANGE (at)" if partitioned else ""
    cur.execute(f"CREATE TABLE {TABLE} (LIKE {WHOLE} INCLUDING DEFAULTS){suffix}")
    cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id DROP DEFAULT")  # the old table's sequence goes with it
    if partitioned:
        now = timezone.now().astimezone(dt.timezone.utc).date()
        first = p.add_months(p.month_start(now), -MONTHS_BACK)
        if oldest is not None:
            first = min(first, p.month_start(oldest.astimezone(dt.timezone.utc).date()))
        month = first
        while month <= p.add_months(p.month_start(now), p.MONTHS_AHEAD):
            cur.execute(p.create_month_sql(month))
            month = p.add_months(month, 1)
        cur.execute(f"CREATE TABLE {p.DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT")
    cur.execute(f"INSERT INTO {TABLE} SELECT * FROM {WHOLE}")
    cur.execute(f"DROP TABLE {WHOLE}")  # its identity sequence, indexes and trigger go with it
    seq = f"{TABLE}_id_seq"
    cur.execute(f"CREATE SEQUENCE {seq} OWNED BY {TABLE}.id")
    cur.execute("SELECT setval(%s, %s, %s)", [seq, last_id or 1, last_id is not None])
    cur.execute(f"ALTER TABLE {TABLE} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = "PRIMARY KEY (id, at)" if partitioned else "PRIMARY KEY (id)"
        elif kind == "u" and definition.replace(" ", "") in ("UNIQUE(seq)", "UNIQUE(seq,at)"):
            definition = "UNIQUE (seq, at)" if partitioned else "UNIQUE (seq)"
        cur.execute(f'ALTER TABLE {TABLE} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        if name not in owned_by_constraint:
            cur.execute(definition)
    for definition in triggers:
        cur.execute(definition)
    cur.execute(f"ANALYZE {TABLE}")


def forward(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or p.is_partitioned(conn):
        return
    with conn.cursor() as cur:
        _rebuild(cur, partitioned=True)


def reverse(apps, schema_editor) -> None:  # type: ignore[no-untyped-def]
    conn = schema_editor.connection
    if conn.vendor != "postgresql" or not p.is_partitioned(conn):
        return
    with conn.cursor() as cur:
        _rebuild(cur, partitioned=False)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_index_events_by_type_and_time")]
    operations = [migrations.RunPython(forward, reverse)]
