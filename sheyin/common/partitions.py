"""Monthly partitions on PostgreSQL, for any table that grows by the month (docs/decisions/0128-monthly-partitions.md).

A partitioned table (`Monthly`) is split by `RANGE (<column>)`, one partition a month named
`<table>_yYYYYmMM`, plus a default partition that catches a row outside every month (a clock far off), so
an insert never fails. A month starts at midnight in the table's time zone: UTC for the audit trail, Beijing
time for the cases (so that a receipt number, which carries the local day its case was called, always falls
in one partition). The daily job `ensure_month_partitions` creates the coming months of every table in
`TABLES` ahead of time. SQLite, the embedded default, keeps plain tables: nothing in the code depends on
partitions.

PostgreSQL requires every primary key and unique constraint of a partitioned table to include the partition
key, and a foreign key to reference such a constraint. `rebuild` therefore turns the primary key into
`(id, <column>)` and each single-column unique constraint of `unique` into `(<col>, <column>)`; columns in
`local_unique` are also unique within each partition (an index per partition). Foreign keys that reference
a partitioned table are replaced by constraint triggers (`drop_keys`, `add_key_triggers`) that keep the same integrity.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

log = logging.getLogger(__name__)

MONTHS_AHEAD = 3
MONTHS_BACK = 24  # partitions for the past two years exist from the start, whatever the data's age


@dataclass(frozen=True)
class Monthly:
    table: str
    column: str  # the partition key, a timestamptz
    tz: str  # months start at midnight in this zone
    unique: tuple[str, ...] = ()  # single-column unique constraints, made (<col>, <column>)
    local_unique: tuple[str, ...] = ()  # columns also unique within each partition

    @property
    def default_partition(self) -> str:
        return f"{self.table}_default"

    def partition_name(self, month: dt.date) -> str:
        return f"{self.table}_y{month.year:04d}m{month.month:02d}"

    def bound(self, month: dt.date) -> dt.datetime:
        return dt.datetime(month.year, month.month, month.day, tzinfo=ZoneInfo(self.tz))

    def today(self) -> dt.date:
        return timezone.now().astimezone(ZoneInfo(self.tz)).date()


AUDIT = Monthly("audit_auditevent", "at", "UTC", unique=("seq",))
# Beijing time: the project's TIME_ZONE, the zone of the day in each receipt number.
CASES = Monthly(
    "casework_case",
    "called_at",
    "Asia/Shanghai",
    unique=("receipt_no", "rating_token"),
    local_unique=("receipt_no",),
)
TABLES = (AUDIT, CASES)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def is_partitioned(spec: Monthly, conn: BaseDatabaseWrapper | None = None) -> bool:
    conn = conn or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [spec.table])
        row = cur.fetchone()
    return bool(row and row[0] == "p")


def _local_unique_sql(spec: Monthly, partition: str) -> list[str]:
    return [
        f"CREATE UNIQUE INDEX IF NOT EXISTS {partition}_{col}_uniq ON {partition} ({col})"
        for col in spec.local_unique
    ]


def create_month_sql(spec: Monthly, month: dt.date) -> list[str]:
    """One month's partition (and its own unique indexes); bounds are midnight in the table's zone."""
    name = spec.partition_name(month)
    start, end = spec.bound(month).isoformat(), spec.bound(add_months(month, 1)).isoformat()
    return [
        f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {spec.table} FOR VALUES FROM ('{start}') TO ('{end}')",
        *_local_unique_sql(spec, name),
    ]


def create_default_sql(spec: Monthly) -> list[str]:
    name = spec.default_partition
    return [f"CREATE TABLE {name} PARTITION OF {spec.table} DEFAULT", *_local_unique_sql(spec, name)]


@dataclass
class Ensured:
    created: list[str]
    refused: list[str]


def ensure_months(spec: Monthly, *, ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> Ensured:
    """Create this month's partition and the next `ahead` months' if they are missing.

    A month whose rows already sit in the default partition cannot get its own partition (PostgreSQL would
    have to move rows); it is named in `refused`, logged as an error, and its rows stay in the default
    partition, where every query still finds them.
    """
    out = Ensured(created=[], refused=[])
    if not is_partitioned(spec):
        return out
    first = month_start(today or spec.today())
    with connection.cursor() as cur:
        for n in range(ahead + 1):
            month = add_months(first, n)
            name = spec.partition_name(month)
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if cur.fetchone()[0]:
                continue
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM {spec.default_partition} WHERE {spec.column} >= %s AND {spec.column} < %s)",  # noqa: S608 (constant names)
                [spec.bound(month), spec.bound(add_months(month, 1))],
            )
            if cur.fetchone()[0]:
                log.error(
                    "partition %s not created: its rows are already in %s", name, spec.default_partition
                )
                out.refused.append(name)
                continue
            for sql in create_month_sql(spec, month):
                cur.execute(sql)
            out.created.append(name)
    return out


def partitions(spec: Monthly) -> list[tuple[str, str, int]]:
    """(partition, bounds, estimated rows) of a table, oldest first; empty when not partitioned."""
    if not is_partitioned(spec):
        return []
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), GREATEST(c.reltuples, 0)::bigint
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname
            """,
            [spec.table],
        )
        return [(r[0], r[1], int(r[2])) for r in cur.fetchall()]


# --- the migrations' rebuild -----------------------------------------------------------------------------


def _catalogue(cur: Any, table: str) -> tuple[list[tuple[str, str]], list[tuple[str, str, str]], list[str]]:
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


def rebuild(cur: Any, spec: Monthly, *, partitioned: bool, months_back: int = MONTHS_BACK) -> None:
    """Copy the table into a new one of the other kind under the same name, with the same names inside.

    Every index, check, unique and outgoing foreign-key constraint and trigger is read from the catalogue
    and made again under its own name, so later migrations find them; only the primary key and the unique
    constraints of `spec.unique` change (they gain the partition key). PostgreSQL 15 has no identity
    columns on partitioned tables, so `id` takes its values from a sequence owned by the column, set past
    the highest copied id. Foreign keys that reference the table must be gone first (`drop_keys`).
    """
    table, key = spec.table, spec.column
    whole = f"{table}_whole"
    indexes, constraints, triggers = _catalogue(cur, table)
    owned_by_constraint = {name for name, kind, _ in constraints if kind in ("p", "u")}
    cur.execute(f"SELECT min({key}), max(id) FROM {table}")  # noqa: S608 (constant names)
    oldest, last_id = cur.fetchone()
    cur.execute(f"ALTER TABLE {table} RENAME TO {whole}")
    suffix = f" PARTITION BY RANGE ({key})" if partitioned else ""
    cur.execute(f"CREATE TABLE {table} (LIKE {whole} INCLUDING DEFAULTS){suffix}")
    cur.execute(f"ALTER TABLE {table} ALTER COLUMN id DROP DEFAULT")  # the old table's sequence goes with it
    if partitioned:
        now = spec.today()
        month = add_months(month_start(now), -months_back)
        if oldest is not None:
            month = min(month, month_start(oldest.astimezone(ZoneInfo(spec.tz)).date()))
        while month <= add_months(month_start(now), MONTHS_AHEAD):
            for sql in create_month_sql(spec, month):
                cur.execute(sql)
            month = add_months(month, 1)
        for sql in create_default_sql(spec):
            cur.execute(sql)
    cur.execute(f"INSERT INTO {table} SELECT * FROM {whole}")  # noqa: S608 (constant names)
    cur.execute(f"DROP TABLE {whole}")  # its identity sequence, indexes and triggers go with it
    seq = f"{table}_id_seq"
    cur.execute(f"CREATE SEQUENCE {seq} OWNED BY {table}.id")
    cur.execute("SELECT setval(%s, %s, %s)", [seq, last_id or 1, last_id is not None])
    cur.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT nextval('{seq}')")
    for name, kind, definition in constraints:
        if kind == "p":
            definition = f"PRIMARY KEY (id, {key})" if partitioned else "PRIMARY KEY (id)"
        elif kind == "u":
            for col in spec.unique:
                if definition.replace(" ", "") in (f"UNIQUE({col})", f"UNIQUE({col},{key})"):
                    definition = f"UNIQUE ({col}, {key})" if partitioned else f"UNIQUE ({col})"
        cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for name, definition in indexes:
        if name not in owned_by_constraint:
            cur.execute(definition)
    for definition in triggers:
        cur.execute(definition)
    cur.execute(f"ANALYZE {table}")


# --- foreign keys to a partitioned table, as constraint triggers -------------------------------------------

CHECK_SUFFIX = "_fk_check"  # the function on a referencing table: the referenced row exists
GUARD_SUFFIX = "_referenced_check"  # the function on the referenced table: no row still refers to it


def referencing_keys(cur: Any, table: str) -> list[tuple[str, str, str, str]]:
    """(referencing table, column, constraint name, ON DELETE action) of every foreign key to `table`."""
    cur.execute(
        """
        SELECT c.conrelid::regclass::text, a.attname, c.conname, c.confdeltype
        FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'f' AND c.confrelid = to_regclass(%s) ORDER BY c.conrelid::regclass::text, c.conname
        """,
        [table],
    )
    return [tuple(r) for r in cur.fetchall()]


def _functions_sql(table: str) -> list[str]:
    # Both fire at commit (DEFERRABLE INITIALLY DEFERRED, as Django makes its foreign keys) and raise SQLSTATE
    # 23503, so a violation is an IntegrityError as before. The check ignores a row deleted or changed
    # since (as PostgreSQL's own check does), and locks the referenced row FOR KEY SHARE so that it cannot be
    # deleted until the referencing transaction ends; the guard ignores a row that still exists (an update
    # that moved it to another partition) and refuses while any row refers to it (NO ACTION: every key is
    # PROTECT in the models).
    return [
        f"""
CREATE FUNCTION {table}{CHECK_SUFFIX}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  ref bigint := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint;
  live boolean;
BEGIN
  IF ref IS NULL THEN RETURN NULL; END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I.%I WHERE id = $1 AND %I = $2)',
                 TG_TABLE_SCHEMA, TG_TABLE_NAME, TG_ARGV[0]) INTO live USING NEW.id, ref;
  IF NOT live THEN RETURN NULL; END IF;
  PERFORM 1 FROM {table} WHERE id = ref FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('insert or update on table "%s" violates foreign key constraint "%s"', TG_TABLE_NAME, TG_NAME),
      DETAIL = format('Key (%s)=(%s) is not present in table "{table}".', TG_ARGV[0], ref);
  END IF;
  RETURN NULL;
END $$""",  # noqa: S608 (constant names)
        f"""
CREATE FUNCTION {table}{GUARD_SUFFIX}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  still boolean;
BEGIN
  PERFORM 1 FROM {table} WHERE id = OLD.id;
  IF FOUND THEN RETURN NULL; END IF;
  EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I = $1)', TG_ARGV[0], TG_ARGV[1]) INTO still USING OLD.id;
  IF still THEN
    RAISE foreign_key_violation USING
      MESSAGE = format('update or delete on table "{table}" violates foreign key constraint "%s" on table "%s"',
                       TG_NAME, TG_ARGV[0]),
      DETAIL = format('Key (id)=(%s) is still referenced from table "%s".', OLD.id, TG_ARGV[0]);
  END IF;
  RETURN NULL;
END $$""",  # noqa: S608 (constant names)
    ]


def drop_keys(cur: Any, table: str) -> list[tuple[str, str, str]]:
    """Drop every foreign key to `table` (to be replaced by `add_key_triggers` once the table is rebuilt).
    Only NO ACTION/RESTRICT keys are supported. Returns (referencing table, column, name) of each."""
    keys = referencing_keys(cur, table)
    for child, _col, name, on_delete in keys:
        if on_delete not in ("a", "r"):
            raise RuntimeError(f"{child}.{name}: ON DELETE {on_delete!r} has no trigger equivalent here")
        cur.execute(f'ALTER TABLE {child} DROP CONSTRAINT "{name}"')
    return [(child, col, name) for child, col, name, _ in keys]


def add_key_triggers(cur: Any, table: str, keys: list[tuple[str, str, str]]) -> None:
    """Constraint triggers named after each key: one on the referencing table (the referenced row exists),
    one on `table` (a referenced row is not deleted, nor its id changed)."""
    cur.execute("SELECT to_regproc(%s) IS NULL", [f"{table}{CHECK_SUFFIX}"])
    if cur.fetchone()[0]:
        for sql in _functions_sql(table):
            cur.execute(sql)
    for child, col, name in keys:
        cur.execute(
            f'CREATE CONSTRAINT TRIGGER "{name}" AFTER INSERT OR UPDATE OF {col} ON {child} '
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {table}{CHECK_SUFFIX}('{col}', '{table}')"
        )
        cur.execute(
            f'CREATE CONSTRAINT TRIGGER "{name}" AFTER DELETE OR UPDATE OF id ON {table} '
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {table}{GUARD_SUFFIX}('{child}', '{col}')"
        )


def trigger_keys(cur: Any, table: str) -> list[tuple[str, str, str]]:
    """(referencing table, column, name) of every key to `table` kept by constraint triggers."""
    cur.execute(
        """
        SELECT t.tgname, t.tgargs FROM pg_trigger t
        WHERE t.tgrelid = to_regclass(%s) AND t.tgfoid = to_regproc(%s) ORDER BY t.tgname
        """,
        [table, f"{table}{GUARD_SUFFIX}"],
    )
    out = []
    for name, args in cur.fetchall():
        child, col = bytes(args).split(b"\x00")[:2]
        out.append((child.decode(), col.decode(), name))
    return out


def triggers_to_keys(cur: Any, table: str) -> list[tuple[str, str, str]]:
    """The reverse of `add_key_triggers`: the triggers and their functions go, the foreign keys come back
    (validated, as Django makes them: DEFERRABLE INITIALLY DEFERRED)."""
    keys = trigger_keys(cur, table)
    for child, _col, name in keys:
        cur.execute(f'DROP TRIGGER "{name}" ON {child}')
        cur.execute(f'DROP TRIGGER "{name}" ON {table}')
    cur.execute(f"DROP FUNCTION IF EXISTS {table}{CHECK_SUFFIX}()")
    cur.execute(f"DROP FUNCTION IF EXISTS {table}{GUARD_SUFFIX}()")
    return keys


def add_keys(cur: Any, table: str, keys: list[tuple[str, str, str]]) -> None:
    for child, col, name in keys:
        cur.execute(
            f'ALTER TABLE {child} ADD CONSTRAINT "{name}" FOREIGN KEY ({col}) REFERENCES {table}(id) '
            "DEFERRABLE INITIALLY DEFERRED"
        )
