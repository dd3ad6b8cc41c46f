"""A busy database is a retryable answer, not a defect.

On the embedded SQLite default one writer at a time holds the database; a request that waits longer
than `busy_timeout` gets "database is locked" (or, in a shared-cache in-memory database, "database table
is locked"). On PostgreSQL the same situation is a lock timeout, a deadlock or a serialization failure.
The API retries such a call briefly, then answers 503 with Retry-After (sheyin.api.gateway); pages show
a friendly 503 page (sheyin.common.middleware).
"""

from __future__ import annotations

from django.db import OperationalError

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
