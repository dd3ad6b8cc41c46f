"""Monthly partitions of the audit trail on PostgreSQL (docs/decisions/0128-monthly-partitions.md).

`audit_auditevent` is partitioned by `RANGE (at)`, one partition a month (UTC) named
`audit_auditevent_yYYYYmMM`, plus a default partition that catches an event outside every month (a clock far
off), so an insert never fails. The machinery is shared with the cases (`sheyin.common.partitions`); this
module names it for the audit trail. Audit rows never move: a month whose events already sit in the default
partition is refused its own partition, and its events stay, complete and verifiable, where they are.
"""

from __future__ import annotations

import datetime as dt

from django.db.backends.base.base import BaseDatabaseWrapper

from sheyin.common import partitions as shared
from sheyin.common.partitions import MONTHS_AHEAD, Ensured, add_months, month_start

SPEC = shared.AUDIT
TABLE = SPEC.table
DEFAULT_PARTITION = SPEC.default_partition

__all__ = ["DEFAULT_PARTITION", "MONTHS_AHEAD", "TABLE", "Ensured", "add_months", "month_start"]


def partition_name(month: dt.date) -> str:
    return SPEC.partition_name(month)


def is_partitioned(conn: BaseDatabaseWrapper | None = None) -> bool:
    return shared.is_partitioned(SPEC, conn)


def ensure_months(*, ahead: int = MONTHS_AHEAD, today: dt.date | None = None) -> Ensured:
    return shared.ensure_months(SPEC, ahead=ahead, today=today)


def partitions() -> list[tuple[str, str, int]]:
    return shared.partitions(SPEC)
