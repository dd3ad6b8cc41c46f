"""The read-replica router against a real streaming replica (scripts/pg_replica.sh, started by .ci/run; the
replica copies the whole local cluster, so this test's database is there too once it has streamed): a write
on the primary, then a read by the writer (pinned: the primary, at once) and by another session (the
replica, as soon as the row has streamed), then the writer's pin running out; a replica further behind
than allowed is skipped (docs/decisions/0122-reads-that-may-lag.md)."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from typing import Any

import environ
import pytest
from django.conf import settings as django_settings
from django.db import DatabaseError, connection, connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from sheyin.common import db_routing
from sheyin.common.db_routing import PIN_COOKIE, ReplicaPinningMiddleware, read_alias, reads_may_lag
from sheyin.common.models import NumberSeries
from sheyin.common.tests.components import component_missing

pytestmark = [
    # committed rows (only those stream to the replica); "__all__": the test may query the replica alias
    pytest.mark.django_db(transaction=True, databases="__all__"),
    pytest.mark.filterwarnings("ignore:Overriding setting DATABASES"),
]

ALIAS = db_routing.REPLICA_ALIAS
# How long the replica may take to replay up to the primary's position. Generous: on a machine where other
# databases of the cluster are busy, the replica replays their WAL too (it copies the whole cluster).
CATCH_UP_S = float(os.environ.get("SHEYIN_TEST_REPLICA_CATCH_UP_S", "240"))


def _write(request: HttpRequest) -> HttpResponse:
    NumberSeries.objects.create(key=request.POST["key"])
    return HttpResponse("written")


def _read(request: HttpRequest) -> HttpResponse:
    """A read that may lag (as on a dashboard): where it went, and whether it saw the row."""
    with reads_may_lag():
        alias = read_alias()
        seen = NumberSeries.objects.filter(key=request.GET["key"]).exists()
    return HttpResponse(f"{alias} {seen}")


def _primary_position() -> str:
    with connection.cursor() as cur:
        cur.execute("select pg_current_wal_lsn()::text")
        return str(cur.fetchone()[0])


def _replayed(position: str) -> bool:
    """Whether the replica has replayed the primary's WAL up to `position`."""
    try:
        with connections[ALIAS].cursor() as cur:
            cur.execute("select pg_is_in_recovery() and pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            return bool(cur.fetchone()[0])
    except Exception:  # not there yet (the database streams in), or not answering
        connections[ALIAS].close()
        return False


def _catch_up(position: str) -> float:
    """Wait until the replica has replayed `position`; the seconds it took."""
    started = time.monotonic()
    while not _replayed(position):
        if time.monotonic() - started > CATCH_UP_S:
            raise TimeoutError(_behind())
        time.sleep(0.1)
    return time.monotonic() - started


def _behind() -> str:
    try:
        with connections[ALIAS].cursor() as cur:
            cur.execute("select pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())")
            return f"{float(cur.fetchone()[0]) / 1e6:,.0f} MB received but not yet replayed"
    except Exception as exc:
        return f"not answering ({exc})"


@pytest.fixture
def live_replica() -> Iterator[str]:
    """The `replica` alias pointed at the real replica's copy of this test's database (the test settings
    otherwise mirror it onto the primary)."""
    if connection.vendor != "postgresql":
        pytest.skip("streaming replication is PostgreSQL's; this run is on SQLite")
    url = os.environ.get("DATABASE_REPLICA_URL", "")
    if not url:
        component_missing(
            "replica", "no streaming replica: DATABASE_REPLICA_URL is empty (scripts/pg_replica.sh)"
        )
    cfg = environ.Env.db_url_config(url)
    cfg.update(NAME=connection.settings_dict["NAME"], OPTIONS={"connect_timeout": 2}, ATOMIC_REQUESTS=False,
               AUTOCOMMIT=True, CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False, TIME_ZONE=None,
               TEST={"MIRROR": None, "NAME": None, "CHARSET": None, "COLLATION": None, "MIGRATE": True})  # fmt: skip
    cfg.setdefault("PASSWORD", "")
    saved = connections.settings.get(ALIAS)
    old_conn = getattr(connections._connections, ALIAS, None)
    connections.settings[ALIAS] = cfg
    if old_conn is not None:
        delattr(connections._connections, ALIAS)
    db_routing.forget_health()
    databases = {**django_settings.DATABASES, ALIAS: cfg}
    try:
        with override_settings(DATABASES=databases):
            try:  # this test database was created on the primary moments ago: it must have streamed
                _catch_up(_primary_position())
            except TimeoutError as exc:
                component_missing("replica", f"the replica at {cfg['HOST']}:{cfg['PORT']} has not replayed the "
                                  f"primary's position within {CATCH_UP_S:.0f} s: {exc}")  # fmt: skip
            yield ALIAS
    finally:
        db_routing.forget_health()
        if hasattr(connections._connections, ALIAS):
            connections[ALIAS].close()
            delattr(connections._connections, ALIAS)
        if saved is None:
            connections.settings.pop(ALIAS, None)
        else:
            connections.settings[ALIAS] = saved
        if old_conn is not None:
            setattr(connections._connections, ALIAS, old_conn)


def test_a_write_is_read_back_by_its_writer_at_once_and_by_another_session_from_the_replica(
    live_replica: str, settings: Any
) -> None:
    settings.SHEYIN_REPLICA_PIN_SECONDS = 3
    settings.SHEYIN_REPLICA_CHECK_SECONDS = 0  # every read checks the replica afresh
    # The lag limit is another test's subject: here the replica is used however far behind the rest of the
    # cluster keeps it, so that the read shows what the replica holds.
    settings.SHEYIN_REPLICA_MAX_LAG_SECONDS = 24 * 3600
    writes, reads = ReplicaPinningMiddleware(_write), ReplicaPinningMiddleware(_read)
    rf = RequestFactory()
    key = f"replica-live-{uuid.uuid4().hex[:8]}"
    written = writes(rf.post("/write", {"key": key}))
    after_write = _primary_position()
    pin = written.cookies[PIN_COOKIE].value

    writer = rf.get("/read", {"key": key})
    writer.COOKIES[PIN_COOKIE] = pin
    assert reads(writer).content == b"default True"  # the writer's next read: the primary, row and all

    # Another session's read goes to the replica: it holds the row once the write has streamed and been
    # replayed (before that, the same read may answer without it: the lag these reads accept).
    assert reads(rf.get("/read", {"key": key})).content in (b"replica False", b"replica True")
    _catch_up(after_write)
    assert reads(rf.get("/read", {"key": key})).content == b"replica True"

    with connections[live_replica].cursor() as cur:  # it is the standby that answered, not the primary
        cur.execute("select pg_is_in_recovery(), current_setting('port')")
        assert cur.fetchone() == (True, str(connections[live_replica].settings_dict["PORT"]))
    time.sleep(settings.SHEYIN_REPLICA_PIN_SECONDS + 0.5)
    later = rf.get("/read", {"key": key})
    later.COOKIES[PIN_COOKIE] = pin
    assert reads(later).content == b"replica True"  # the pin has run out: the writer's reads may lag too


def test_a_real_replica_further_behind_than_allowed_is_skipped(live_replica: str, settings: Any) -> None:
    lag = db_routing.replica_lag_seconds()  # measured on the standby itself
    assert lag is not None and lag >= 0
    settings.SHEYIN_REPLICA_MAX_LAG_SECONDS = lag + 3600.0
    with reads_may_lag():
        assert read_alias() == "replica"  # within the limit: used
    settings.SHEYIN_REPLICA_MAX_LAG_SECONDS = -1.0  # any delay at all is too much
    db_routing.forget_health()
    with reads_may_lag():
        assert read_alias() == "default"


def test_the_replica_refuses_writes(live_replica: str) -> None:
    with (
        pytest.raises(DatabaseError, match="read-only transaction"),
        connections[live_replica].cursor() as cur,
    ):
        cur.execute("insert into common_numberseries (key, last) values ('x', 0)")
