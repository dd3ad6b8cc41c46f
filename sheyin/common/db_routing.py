"""Reads that may lag go to a read replica; everything else stays on the primary.

docs/decisions/0122-reads-that-may-lag.md says which reads may lag and why. In short:

- Only code inside `reads_may_lag()` (a context manager that is also a decorator) may read from the replica:
  dashboards and statistical reports, the public portal, API list reads and exports. Everything else —
  every write, every read that decides a write, sessions, logins, permission checks outside those views,
  management commands and Huey jobs — uses the primary (`default`), because nothing else opts in.
- After a user's write (any request that is not GET/HEAD/OPTIONS) the user's reads stay on the primary for
  `SHEYIN_REPLICA_PIN_SECONDS`: `ReplicaPinningMiddleware` sets a short cookie, the semantics of
  django-multidb-router's `PinningReplicaRouter` (that package is unmaintained; this is the same idea in a few
  lines, plus the lag check it lacks).
- A replica that does not answer, or whose replay lags behind the primary by more than
  `SHEYIN_REPLICA_MAX_LAG_SECONDS`, is skipped; the verdict is cached for `SHEYIN_REPLICA_CHECK_SECONDS` per
  process, so a dead replica costs one short connection attempt every few seconds, not one per query.
- Migrations run on the primary only (`allow_migrate`); the replica receives them by streaming.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

logger = logging.getLogger(__name__)

REPLICA_ALIAS = "replica"
PIN_COOKIE = "sheyin_rw"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_may_lag: contextvars.ContextVar[bool] = contextvars.ContextVar("sheyin_reads_may_lag", default=False)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("sheyin_reads_pinned", default=False)

# alias -> (checked at, usable); per process.
_health: dict[str, tuple[float, bool]] = {}

LAG_SQL = """
select case
  when not pg_is_in_recovery() then null
  when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
  else coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 1e9)
end
"""


@contextmanager
def reads_may_lag() -> Iterator[None]:
    """Reads inside may come from a replica (seconds behind the primary). Use as `with` or as a decorator."""
    token = _may_lag.set(True)
    try:
        yield
    finally:
        _may_lag.reset(token)


@contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Reads inside come from the primary even within `reads_may_lag()`."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def replica_lag_seconds(alias: str = REPLICA_ALIAS) -> float | None:
    """The replica's replay delay in seconds (0 when it has replayed all it received); None if it is no replica.

    Raises the driver's error when the replica does not answer."""
    conn = connections[alias]
    if conn.vendor != "postgresql":
        return 0.0
    with conn.cursor() as cur:
        cur.execute(LAG_SQL)
        row = cur.fetchone()
    return None if row is None or row[0] is None else float(row[0])


def replica_usable(alias: str = REPLICA_ALIAS, *, now: float | None = None) -> bool:
    """Whether the replica answers and is no further behind than allowed; cached a few seconds per process."""
    now = time.monotonic() if now is None else now
    cached = _health.get(alias)
    if cached is not None and now - cached[0] < settings.SHEYIN_REPLICA_CHECK_SECONDS:
        return cached[1]
    try:
        lag = replica_lag_seconds(alias)
        usable = lag is not None and lag <= settings.SHEYIN_REPLICA_MAX_LAG_SECONDS
        if not usable:
            logger.warning("read replica %s skipped: lag %s s", alias, lag)
    except Exception as exc:
        logger.warning("read replica %s skipped: %s", alias, exc)
        usable = False
        with contextlib.suppress(Exception):  # the connection is already broken
            connections[alias].close()
    _health[alias] = (now, usable)
    return usable


def forget_health() -> None:
    _health.clear()


def read_alias() -> str:
    """Where a read goes now: the replica only inside `reads_may_lag()`, unpinned, with a usable replica."""
    if not _may_lag.get() or _pinned.get() or REPLICA_ALIAS not in settings.DATABASES:
        return DEFAULT_DB_ALIAS
    mirror = connections[REPLICA_ALIAS].settings_dict.get("TEST", {}).get("MIRROR")
    if mirror:  # the test suite's stand-in for the replica is the default database itself
        return str(mirror)
    return REPLICA_ALIAS if replica_usable() else DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Django database router (DATABASE_ROUTERS)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: Any, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaPinningMiddleware:
    """After a write, the writer's reads stay on the primary for SHEYIN_REPLICA_PIN_SECONDS (a cookie)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        writes = request.method not in SAFE_METHODS
        pinned = writes or _pin_valid(request.COOKIES.get(PIN_COOKIE, ""))
        token = _pinned.set(pinned)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        seconds = settings.SHEYIN_REPLICA_PIN_SECONDS
        if writes and seconds > 0:
            response.set_cookie(
                PIN_COOKIE, str(int(time.time()) + seconds), max_age=seconds, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
        return response


def _pin_valid(value: str) -> bool:
    """The cookie holds the time the pin ends; a forged value can only send its own reads to the primary."""
    try:
        return int(value) > time.time()
    except ValueError:
        return False
