"""The read-replica router: which reads may lag, pinning after a write, skipping a dead or late replica.

Runs on SQLite and PostgreSQL without a replica; tests/test_replica_live.py repeats the story against the real
streaming replica when DATABASE_REPLICA_URL is set (docs/decisions/0122-reads-that-may-lag.md)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from sheyin.common import db_routing
from sheyin.common.db_routing import (
    PIN_COOKIE,
    ReplicaPinningMiddleware,
    ReplicaRouter,
    read_alias,
    reads_may_lag,
    replica_usable,
)
from sheyin.common.tests.components import component_missing

pytestmark = pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")

DEAD_REPLICA = {
    "ENGINE": "django.db.backends.postgresql",
    "NAME": "nothing",
    "USER": "postgres",
    "HOST": "127.0.0.1",
    "PORT": "1",  # nothing listens there
    "OPTIONS": {"connect_timeout": 1},
}


@pytest.fixture
def dead_replica() -> Iterator[str]:
    """A replica alias that never answers (added to the connection handler for this test only)."""
    alias = "replica"
    saved = connections.settings.get(alias)
    had_conn = hasattr(connections._connections, alias)
    old_conn = getattr(connections._connections, alias, None)
    cfg = dict(DEAD_REPLICA)
    for key, value in {"ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0,
                       "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None, "PASSWORD": "",
                       "TEST": {"MIRROR": None, "NAME": None, "CHARSET": None, "COLLATION": None,
                                "MIGRATE": True}}.items():  # fmt: skip
        cfg.setdefault(key, value)
    connections.settings[alias] = cfg
    if had_conn:
        delattr(connections._connections, alias)
    db_routing.forget_health()
    databases = dict(django_settings.DATABASES)
    databases[alias] = cfg
    with override_settings(DATABASES=databases):
        yield alias
    db_routing.forget_health()
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)
    if saved is None:
        connections.settings.pop(alias, None)
    else:
        connections.settings[alias] = saved
    if had_conn:
        setattr(connections._connections, alias, old_conn)


def test_reads_outside_reads_may_lag_stay_on_the_primary() -> None:
    assert read_alias() == "default"
    assert ReplicaRouter().db_for_read(None) == "default"


def test_writes_and_migrations_use_only_the_primary() -> None:
    router = ReplicaRouter()
    with reads_may_lag():
        assert router.db_for_write(None) == "default"
    assert router.allow_migrate("default", "casework") is True
    assert router.allow_migrate("replica", "casework") is False


def test_without_a_configured_replica_reads_that_may_lag_use_the_primary(settings: Any) -> None:
    settings.DATABASES = {k: v for k, v in settings.DATABASES.items() if k != "replica"}
    with reads_may_lag():
        assert read_alias() == "default"


def test_a_dead_replica_is_skipped_and_the_verdict_is_cached(dead_replica: str, settings: Any) -> None:
    settings.SHEYIN_REPLICA_CHECK_SECONDS = 60
    started = time.monotonic()
    with reads_may_lag():
        assert read_alias() == "default"
    assert replica_usable(dead_replica) is False
    assert db_routing._health[dead_replica][1] is False
    # the second answer comes from the cache: no new connection attempt
    before = time.monotonic()
    with reads_may_lag():
        assert read_alias() == "default"
    assert time.monotonic() - before < 0.05
    assert time.monotonic() - started < 10


def test_a_replica_judged_usable_serves_reads_that_may_lag_only(dead_replica: str) -> None:
    db_routing._health[dead_replica] = (time.monotonic(), True)  # as if the lag check had just passed
    assert read_alias() == "default"
    with reads_may_lag():
        assert read_alias() == dead_replica
        with db_routing.pinned_to_primary():
            assert read_alias() == "default"


def test_a_late_replica_is_skipped(dead_replica: str, settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SHEYIN_REPLICA_MAX_LAG_SECONDS = 10
    monkeypatch.setattr(db_routing, "replica_lag_seconds", lambda alias="replica": 42.0)
    assert replica_usable(dead_replica) is False
    db_routing.forget_health()
    monkeypatch.setattr(db_routing, "replica_lag_seconds", lambda alias="replica": 3.0)
    assert replica_usable(dead_replica) is True


def _seen_pin(request: HttpRequest) -> HttpResponse:
    return HttpResponse("pinned" if db_routing._pinned.get() else "free")


def test_a_write_pins_the_writers_reads_to_the_primary_for_a_while(settings: Any) -> None:
    settings.SHEYIN_REPLICA_PIN_SECONDS = 15
    mw = ReplicaPinningMiddleware(_seen_pin)
    rf = RequestFactory()
    post = mw(rf.post("/x"))
    assert post.content == b"pinned"
    cookie = post.cookies[PIN_COOKIE]
    assert cookie["max-age"] == 15 and cookie["httponly"]
    same_user = rf.get("/x")
    same_user.COOKIES[PIN_COOKIE] = cookie.value
    assert mw(same_user).content == b"pinned"
    assert PIN_COOKIE not in mw(same_user).cookies  # a read does not extend the pin
    assert mw(rf.get("/x")).content == b"free"  # another user's reads may lag


def test_an_expired_or_forged_pin_does_not_pin(settings: Any) -> None:
    mw = ReplicaPinningMiddleware(_seen_pin)
    rf = RequestFactory()
    for value in (str(int(time.time()) - 1), "nonsense", ""):
        req = rf.get("/x")
        req.COOKIES[PIN_COOKIE] = value
        assert mw(req).content == b"free"


@pytest.mark.django_db
def test_the_test_suites_mirror_reads_the_default_database() -> None:
    if connections["default"].vendor != "postgresql":
        pytest.skip("a replica is configured only on PostgreSQL")
    if not os.environ.get("DATABASE_REPLICA_URL"):
        component_missing("replica", "no replica alias configured (DATABASE_REPLICA_URL)")
    assert connections["replica"].settings_dict["TEST"]["MIRROR"] == "default"
    with reads_may_lag():
        assert read_alias() == "default"


@pytest.mark.django_db
def test_views_that_may_lag_answer_with_the_router_in_place(client: Any) -> None:
    """The public portal opts in; it answers normally whether or not a replica is configured."""
    assert client.get("/").status_code in (200, 302)
