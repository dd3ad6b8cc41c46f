"""Throwaway PostgreSQL databases for the benchmarks: a fresh name per run, and a drop that refuses any
database this process did not create.

A run never uses a fixed database name that another run could drop: `generated_name()` gives
`sheyin_bench_<pid>_<UTC timestamp>`, `create_database()` records what it created, and `drop_database()`
drops only a name that is both of that form and recorded as created by this process.
"""

from __future__ import annotations

import datetime as dt
import os
import re

DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
GENERATED = re.compile(r"sheyin_bench_[0-9]+_[0-9]{14}(?:_[a-z0-9]{1,20})?")
VALID_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")

_created: set[str] = set()


def generated_name(tag: str = "") -> str:
    """A database name no other run uses: the process id and the time to the second."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    name = f"sheyin_bench_{os.getpid()}_{stamp}"
    if tag:
        if not re.fullmatch(r"[a-z0-9]{1,20}", tag):
            raise ValueError(f"invalid tag {tag!r}")
        name = f"{name}_{tag}"
    return name


def admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else DEFAULT_ADMIN_URL


def url_for(name: str, base: str | None = None) -> str:
    head, _sep, _tail = (base or admin_url()).rpartition("/")
    return f"{head}/{name}"


def exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def create_database(name: str) -> None:
    """Create `name` and remember that this process created it (only such a database may be dropped)."""
    import psycopg

    if not VALID_NAME.fullmatch(name):
        raise ValueError(f"invalid database name {name!r}")
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _created.add(name)


def may_drop(name: str) -> bool:
    """Only a generated name that this process created."""
    return bool(GENERATED.fullmatch(name)) and name in _created


def drop_database(name: str) -> None:
    """Drop a database this process created under a generated name; refuse anything else."""
    import psycopg

    if not may_drop(name):
        raise PermissionError(f"refusing to drop {name!r}: not a database this run created")
    with psycopg.connect(url_for("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _created.discard(name)


def use_database(name: str) -> None:
    """Point Django (not yet set up) at `name` on the same server."""
    os.environ["DATABASE_URL"] = url_for(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    if not s:
        return 0.0
    k = min(len(s) - 1, max(0, round(p / 100 * (len(s) - 1))))
    return s[k]
