"""Counters of fixed windows in the shared cache (rate limits), in one round trip to Redis.

Django's cache API counts in three round trips on Redis (`add`, then `incr`, which asks `EXISTS` first),
and an API call bumps two counters and reads two more: seven round trips, each a context switch, on every
signed call. On Redis, `bump` sends them as one pipeline: `SET key 0 EX ttl NX` (the window's counter is
created with its lifetime) then `INCR key`, and `GET` for each counter only read. Other cache backends
(local memory in development and tests) get the same answers through the cache API.

The values stay readable through the cache API: Django's Redis serializer stores integers as plain numbers,
which `INCR` understands.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

ALIAS = "default"


def bump(keys: Sequence[str], timeout: int, read: Sequence[str] = ()) -> tuple[list[int], list[int]]:
    """Add one to each counter of `keys` (a missing one starts at 1 and lives `timeout` seconds) and read
    each counter of `read` (0 when missing): (the new counts, the counts read)."""
    cache = caches[ALIAS]
    if isinstance(cache, RedisCache):
        full = [cache.make_and_validate_key(k) for k in keys]
        seen = [cache.make_and_validate_key(k) for k in read]
        client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]  # Django's redis-py client
        pipe = client.pipeline(transaction=False)
        for key in full:
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
        for key in seen:
            pipe.get(key)
        out = pipe.execute()
        counts = [int(v) for v in out[1 : 2 * len(full) : 2]]
        return counts, [int(v or 0) for v in out[2 * len(full) :]]
    counts = []
    for key in keys:
        cache.add(key, 0, timeout=timeout)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=timeout)
            counts.append(1)
    found = cache.get_many(list(read)) if read else {}
    return counts, [int(found.get(k) or 0) for k in read]
