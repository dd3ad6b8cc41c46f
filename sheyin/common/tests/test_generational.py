"""The generational cache: one read of the token per request, decoded copies kept in the process, and a
write in any process still showing on the next request."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from sheyin.common import memo
from sheyin.common.generational import GenerationalCache


def _fresh() -> GenerationalCache:
    return GenerationalCache("test:gen", lambda: [], ttl=60, local_size=3)


def _builder(calls: list[int], changes_at: dt.datetime | None = None) -> Callable[[], tuple[int, Any]]:
    def build() -> tuple[int, Any]:
        calls.append(1)
        return len(calls), changes_at

    return build


def _in_request(fn: Callable[[], Any]) -> Any:
    return memo.MemoMiddleware(lambda request: fn())(object())  # type: ignore[arg-type]


@pytest.fixture
def cache_reads(monkeypatch):  # type: ignore[no-untyped-def]
    keys: list[str] = []
    real_get = cache.get

    def counting_get(key: str, default: Any = None, version: Any = None) -> Any:
        keys.append(key)
        return real_get(key, default, version)

    monkeypatch.setattr(cache, "get", counting_get)
    return keys


def test_a_request_reads_the_token_once_and_a_kept_entry_costs_nothing_more(cache_reads) -> None:  # type: ignore[no-untyped-def]
    gen, calls = _fresh(), list[int]()
    _in_request(lambda: gen.cached("a", _builder(calls)))
    cache_reads.clear()
    values = _in_request(lambda: [gen.cached("a", _builder(calls)) for _ in range(3)])
    assert values == [1, 1, 1] and calls == [1]
    assert cache_reads == [gen.generation_key]  # the token, once; the value came from the process's copy


def test_another_process_reads_the_shared_entry_without_building_it() -> None:
    first, second, calls = _fresh(), _fresh(), list[int]()
    assert first.cached("a", _builder(calls)) == 1
    assert second.cached("a", _builder(calls)) == 1  # a second process: from the shared cache
    assert calls == [1]


def test_a_write_in_another_process_shows_on_the_next_request_despite_the_kept_copy() -> None:
    here, elsewhere, calls = _fresh(), _fresh(), list[int]()
    assert _in_request(lambda: here.cached("a", _builder(calls))) == 1
    elsewhere.invalidate()  # the write happened in the other process
    assert _in_request(lambda: here.cached("a", _builder(calls))) == 2


@pytest.mark.django_db
def test_a_write_within_the_request_shows_on_its_next_read() -> None:
    gen, calls = _fresh(), list[int]()

    def view() -> list[int]:
        seen = [gen.cached("a", _builder(calls))]
        gen.invalidate_on_write()
        seen.append(gen.cached("a", _builder(calls)))
        return seen

    assert _in_request(view) == [1, 2]


def test_a_kept_copy_is_not_served_past_its_moment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    gen, calls = _fresh(), list[int]()
    soon = timezone.now() + dt.timedelta(seconds=30)
    assert gen.cached("a", _builder(calls, soon)) == 1
    assert gen.cached("a", _builder(calls, soon)) == 1
    later = time.time() + 31
    monkeypatch.setattr("sheyin.common.generational.time.time", lambda: later)
    cache.clear()  # the shared entry expired too
    assert gen.cached("a", _builder(calls, soon)) == 2


def test_the_process_keeps_only_its_most_recent_entries() -> None:
    gen, calls = _fresh(), list[int]()
    for name in "abcd":
        gen.cached(name, _builder(calls))
    assert len(gen._local) == 3
    assert not any(":a:" in key for key in gen._local)
