"""Monthly partitions of the audit trail on PostgreSQL (docs/decisions/0128-monthly-partitions.md).

`audit_auditevent` is partitioned by `RANGE (at)`, one partition a month named `audit_auditevent_yYYYYmMM`,
plus a default partition that catches an event outside every month (a clock far off), so an insert never
fails. A daily job creates the coming months ahead of time. SQLite, the embedded default, keeps one plain
table: nothing in the code depends on partitions.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

log = logging.getLogger(__name__)

TABLE = "audit_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, n: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def is_partitioned(conn: BaseDatabaseWrapper | None = None) -> bool:
    conn = conn or connection
    if conn.vendor != "postgresql":
        return False
    with conn.cursor() as cur:
        cur.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [TABLE])
        row = cur.fetchone()
    return bool(row and row[0] == "p")


def create_month_sql(month: dt.date) -> str:
    """One month's partition; bounds are dates at midnight in UTC, as `at` is stored (timestamptz)."""
    nxt = add_months(month, 1)
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(month)} PARTITION OF {TABLE} "
        f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO ('{nxt.isoformat()} 00:00:00+00')"
    )


@dataclass
class Ensured:
    created: list[str]
    refused: list[str]


def ensure_months(*, ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> Ensured:
    """Create this month's partition and the next `ahead` months' if they are missing.

    A month whose events already sit in the default partition cannot get its own partition (PostgreSQL
    would have to move rows, and audit rows never move or get deleted); it is named in `refused`, logged
    as an error, and its events stay, complete and verifiable, in the default partition.
    """
    out = Ensured(created=[], refused=[])
    if not is_partitioned():
        return out
    first = month_start(today or timezone.now().astimezone(dt.UTC).date())
    with connection.cursor() as cur:
        for n in range(ahead + 1):
            month = add_months(first, n)
            name = partition_name(month)
            cur.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
            if cur.fetchone()[0]:
                continue
            cur.execute(
                f"SELECT EXISTS (SELECT 1 FROM {DEFAULT_PARTITION} WHERE at >= %s AND at < %s)",  # noqa: S608 (a constant name)
                [_utc(month), _utc(add_months(month, 1))],
            )
            if cur.fetchone()[0]:
                log.error(
                    "audit partition %s not created: its events are already in %s", name, DEFAULT_PARTITION
                )
                out.refused.append(name)
                continue
            cur.execute(create_month_sql(month))
            out.created.append(name)
    return out


def _utc(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def partitions() -> list[tuple[str, str, int]]:
    """(partition, bounds, estimated rows) of the audit trail, oldest first; empty when not partitioned."""
    if not is_partitioned():
        return []
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), GREATEST(c.reltuples, 0)::bigint
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname
            """,
            [TABLE],
        )
        return [(r[0], r[1], int(r[2])) for r in cur.fetchall()]
