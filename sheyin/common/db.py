"""Database helpers that know no domain."""

from __future__ import annotations

import hashlib

from django.db import connection, transaction


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (PostgreSQL advisory locks take a bigint)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def serialise(name: str) -> None:
    """Hold the lock called `name` until the current transaction ends, so that two transactions that
    read-then-write the same thing (e.g. the layout of every outlet in the city) run one after the other.

    PostgreSQL: a transaction-level advisory lock (`pg_advisory_xact_lock`), released at commit or
    rollback. SQLite: nothing to do — its transactions begin IMMEDIATE (settings), so only one writer runs
    at a time and the second waits at BEGIN. Call it first in the transaction, before the read it
    protects: a read done before the lock may be stale."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("serialise() must be called inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(name)])
