"""Bulk loading the way `pg_restore` does it: rows first, then the tables' own indexes and constraints.

Inserting tens of millions of rows through 16 secondary indexes and 7 foreign keys a row costs random
index writes per row (the 1-million-case build loaded cases at 3,500 rows/s); building each index once
over the loaded table, and checking each foreign key with one join, is an order of magnitude cheaper.

`set_aside` reads the definitions of a table's secondary indexes (plain ones: partial and expression
indexes stay) and of its unique, exclusion and foreign-key constraints from the catalogue, then drops them; `restore_statements` gives back exactly
those definitions, in their original order (so that the names PostgreSQL gives a partition's indexes
come out the same), to be run once the rows are in. The primary key, check constraints, NOT NULL and
ordinary triggers are never touched, so every row is still checked against them as it goes in, and the
unique and foreign-key constraints check every row when they are added again.

A key to a partitioned table (the cases, 0128) is a pair of constraint triggers, not a foreign key: the
trigger on the referencing table would look each loaded row's parent up at commit, one by one, holding
every pending check in memory. It is disabled while the rows go in; putting it back runs one anti-join of
the whole table, which fails the build on any row whose parent is missing, then enables it again.
Partitions' own indexes (a month's unique receipt numbers) are set aside and made again like the parent's. `definitions` lists what a table
carries, so a run can prove that the schema it leaves is the migrated one (`scale` compares it and fails
otherwise). Nothing here invents an index: only what the migrations made is dropped and made again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Execute = Callable[[str], Any]
Fetch = Callable[[str, Sequence[Any]], list[tuple[Any, ...]]]

# Indexes of a table that neither are its primary key nor back a constraint, in creation order. Partial
# and expression indexes stay in place: PostgreSQL prints their predicate in a form that, run again, is
# stored (and printed) differently though it means the same (`status IN (...)` as one array cast, or as
# casts of each element), so the schema could not be shown to be the migrated one; they are small.
# A partition's index made through its parent's goes and comes back with the parent's; one of its own is
# listed here too.
_INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
WHERE (i.indrelid = %s::regclass OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass))
  AND NOT i.indisprimary AND i.indpred IS NULL AND i.indexprs IS NULL
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid)
  AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
ORDER BY i.indexrelid
"""
# Unique, exclusion and foreign-key constraints (the primary key and checks stay), in creation order.
_CONSTRAINTS = """
SELECT c.conname, pg_get_constraintdef(c.oid), c.contype
FROM pg_constraint c
WHERE c.conrelid = %s::regclass AND c.contype IN ('u', 'x', 'f')
ORDER BY c.contype = 'f', c.oid
"""
# The enabled triggers of a key to a partitioned table on a referencing table (sheyin.common.partitions):
# (name, referencing column, referenced table).
_KEY_TRIGGERS = """
SELECT t.tgname, t.tgargs FROM pg_trigger t JOIN pg_proc f ON f.oid = t.tgfoid
WHERE t.tgrelid = %s::regclass AND t.tgconstraint <> 0 AND NOT t.tgisinternal AND t.tgenabled <> 'D'
  AND f.proname LIKE '%%\\_fk\\_check'
ORDER BY t.tgname
"""


@dataclass
class Aside:
    """What was taken off one table, to be put back."""

    table: str
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE ... statement)
    unique: list[tuple[str, str]] = field(default_factory=list)  # (name, constraint definition)
    foreign: list[tuple[str, str]] = field(default_factory=list)
    key_triggers: list[tuple[str, str, str]] = field(default_factory=list)  # (trigger, column, referenced)

    def index_statements(self) -> list[str]:
        """Indexes and unique constraints: independent of each other, any order, any connection."""
        # A partitioned table's index is listed `ON ONLY` the parent; made without ONLY it is made on
        # every partition as well, as the migration made it.
        made = [sql.replace(" ON ONLY ", " ON ", 1) for _name, sql in self.indexes]
        return made + [f"ALTER TABLE {self.table} ADD CONSTRAINT {n} {d}" for n, d in self.unique]

    def foreign_statements(self) -> list[str]:
        """Foreign keys, then each key trigger's check (one anti-join) and the trigger enabled again: after the
        indexes (the referenced keys are primary keys, never set aside)."""
        out = [f"ALTER TABLE {self.table} ADD CONSTRAINT {n} {d}" for n, d in self.foreign]
        for name, col, parent in self.key_triggers:
            orphan = (
                f"SELECT 1 FROM {self.table} c WHERE c.{col} IS NOT NULL "  # noqa: S608 (catalogue names)
                f"AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE p.id = c.{col})"
            )
            message = f'{self.table}.{col} refers to a row missing from "{parent}" ({name})'
            out.append(
                f"DO $$ BEGIN IF EXISTS ({orphan}) THEN "
                f"RAISE foreign_key_violation USING MESSAGE = '{message}'; END IF; END $$"
            )
            out.append(f'ALTER TABLE {self.table} ENABLE TRIGGER "{name}"')
        return out


def django_fetch(sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """`Fetch` through Django's default connection (the build's own, or a test's transaction)."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall())


def django_execute(sql: str) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql)


def definitions(fetch: Fetch, tables: Sequence[str]) -> dict[str, list[str]]:
    """Every index (with its definition) and constraint of `tables` and of their partitions, sorted."""
    out: dict[str, list[str]] = {}
    for table in tables:
        rows = fetch(
            """
            SELECT 'index ' || i.indexrelid::regclass::text || ': ' || pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid = %s::regclass
               OR i.indrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)
            UNION ALL
            SELECT 'constraint ' || c.conrelid::regclass::text || '.' || c.conname || ': '
                   || pg_get_constraintdef(c.oid) || CASE WHEN c.convalidated THEN '' ELSE ' (not valid)' END
            FROM pg_constraint c
            WHERE c.conrelid = %s::regclass
               OR c.conrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)
            UNION ALL
            SELECT 'trigger ' || t.tgrelid::regclass::text || '.' || t.tgname || ': ' || pg_get_triggerdef(t.oid)
                   || CASE WHEN t.tgenabled = 'D' THEN ' (disabled)' ELSE '' END
            FROM pg_trigger t
            WHERE NOT t.tgisinternal AND (t.tgrelid = %s::regclass
               OR t.tgrelid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass))
            """,
            [table, table, table, table, table, table],
        )
        out[table] = sorted(r[0] for r in rows)
    return out


def set_aside(fetch: Fetch, execute: Execute, tables: Sequence[str]) -> list[Aside]:
    """Read, then drop, the secondary indexes and the unique and foreign-key constraints of `tables`, and
    disable the triggers of their keys to partitioned tables."""
    aside = []
    for table in tables:
        a = Aside(table)
        a.indexes = [(n, sql) for n, sql in fetch(_INDEXES, [table, table])]
        for name, definition, kind in fetch(_CONSTRAINTS, [table]):
            (a.foreign if kind == "f" else a.unique).append((name, definition))
        for name, args in fetch(_KEY_TRIGGERS, [table]):
            col, parent = (v.decode() for v in bytes(args).split(b"\x00")[:2])
            a.key_triggers.append((name, col, parent))
        aside.append(a)
    for a in aside:
        # Foreign keys first: a unique constraint may be what another table's key refers to.
        for name, _d in [*a.foreign, *a.unique]:
            execute(f"ALTER TABLE {a.table} DROP CONSTRAINT {name}")
        for name, _sql in a.indexes:
            execute(f"DROP INDEX {name}")
        for name, _col, _parent in a.key_triggers:
            execute(f'ALTER TABLE {a.table} DISABLE TRIGGER "{name}"')
    return aside


def restore_statements(aside: Sequence[Aside]) -> tuple[list[str], list[str]]:
    """(indexes and unique constraints, foreign keys and key triggers): run the first list (in parallel if
    wished), then the second, in order."""
    first = [s for a in aside for s in a.index_statements()]
    second = [s for a in aside for s in a.foreign_statements()]
    return first, second
