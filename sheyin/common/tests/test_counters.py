"""Rate-limit counters: the same answers on Redis (one pipelined round trip) and on the local-memory cache."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from sheyin.common.counters import bump
from sheyin.common.tests.components import component_missing

REDIS_URL = "redis://127.0.0.1:6379/15"


@contextmanager
def _redis_cache() -> Iterator[None]:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        component_missing("redis", "no Redis server at 127.0.0.1:6379 (CI's .ci/run starts one)")
    prefix = f"t{uuid.uuid4().hex[:8]}"
    config = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
                          "KEY_PREFIX": prefix}}  # fmt: skip
    with override_settings(CACHES=config):
        try:
            yield
        finally:
            caches["default"].clear()


@pytest.fixture(params=["locmem", "redis"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    if request.param == "locmem":
        yield request.param
        return
    with _redis_cache():
        yield request.param


def test_a_counter_starts_at_one_and_counts_up(backend: str) -> None:
    assert bump(["calls"], 60) == ([1], [])
    assert bump(["calls", "other"], 60) == ([2, 1], [])


def test_counters_only_read_are_zero_until_counted_and_left_alone(backend: str) -> None:
    assert bump(["calls"], 60, read=["failures"]) == ([1], [0])
    bump(["failures"], 60)
    assert bump(["calls"], 60, read=["failures"]) == ([2], [1])
    assert bump([], 60, read=["failures"]) == ([], [1])  # reading does not count


def test_the_cache_api_reads_the_same_number(backend: str) -> None:
    bump(["calls"], 60)
    bump(["calls"], 60)
    assert caches["default"].get("calls") == 2


def test_on_redis_a_window_counter_lives_its_timeout_and_takes_one_round_trip() -> None:
    with _redis_cache():
        _one_round_trip()


def _one_round_trip() -> None:
    cache = caches["default"]
    pipelined = mock.patch.object(
        redis.client.Pipeline, "execute", autospec=True, side_effect=redis.client.Pipeline.execute
    )
    one_by_one = mock.patch.object(
        redis.Redis, "execute_command", autospec=True, side_effect=redis.Redis.execute_command
    )
    with pipelined as sent, one_by_one as single:
        bump(["a", "b"], 60, read=["c", "d"])
    assert sent.call_count == 1 and single.call_count == 0
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    assert 0 < client.ttl(cache.make_and_validate_key("a")) <= 60
