"""Database helpers that know no domain: serialising a read-then-write, and telling a busy database
from a broken query.

A busy database is a retryable answer, not a defect:

On the embedded SQLite default one writer at a time holds the database; a request that waits longer
than `busy_timeout` gets "database is locked" (or, in a shared-cache in-memory database, "database table
is locked"). On PostgreSQL the same situation is a lock timeout, a deadlock or a serialization failure.
The API retries such a call briefly, then answers 503 with Retry-After (sheyin.api.gateway); pages show
a friendly 503 page (sheyin.common.middleware).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.db import OperationalError, connection, transaction


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


# PostgreSQL SQLSTATEs of a transaction that may succeed when tried again.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})  # serialization, deadlock, lock not available
SQLITE_BUSY_MESSAGES = ("database is locked", "database table is locked", "database schema is locked")
RETRY_AFTER_SECONDS = 2


def _busy(exc: BaseException) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return any(m in str(exc).lower() for m in SQLITE_BUSY_MESSAGES)


def is_busy(exc: BaseException | None) -> bool:
    """Whether the exception — or one it was raised from or while handling (e.g. the session that could
    not be saved) — says the database is busy (try again shortly), not that a query is wrong."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if _busy(exc):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def insert_once(model: type[Any], **values: Any) -> Any | None:
    """Insert a row of `model` unless an equal row already breaks one of its unique constraints: the saved
    instance, or None. One statement (`INSERT … ON CONFLICT DO NOTHING RETURNING`, PostgreSQL
    and SQLite alike) where `create()` in a savepoint takes three and logs an error for every refusal;
    used for the API's nonces and idempotency keys, which every signed call writes. Values not given take
    their model defaults, as `create()` would give them."""
    from django.db import connections, router
    from django.utils import timezone

    obj = model(**values)
    now = timezone.now()
    conn = connections[router.db_for_write(model)]
    qn = conn.ops.quote_name
    columns, params = [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            setattr(obj, f.attname, now)
        columns.append(qn(f.column))
        params.append(f.get_db_prep_save(getattr(obj, f.attname), connection=conn))
    pk = model._meta.pk
    sql = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(params))}) "  # noqa: S608
        f"ON CONFLICT DO NOTHING RETURNING {qn(pk.column)}"
    )
    with conn.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    setattr(obj, pk.attname, row[0])
    obj._state.adding, obj._state.db = False, conn.alias
    return obj
