"""Reads that rarely change, cached until the next write of what they show (a *generation*), shared by
every process and kept decoded in each one.

- Every entry is keyed by a generation token kept in the shared cache itself. Any save or delete of a
  watched model draws a new token at once and again when its transaction commits, so the next read after
  a write builds afresh (a read racing the write may store under the old token; nobody reads it again).
  Writes go through services that save objects one by one (`sheyin.common.lifecycle`), never through
  `QuerySet.update()`, so the signals see every change; a command that writes in bulk calls `invalidate()`.
- What depends on the clock is never served past its next scheduled change: the builder returns that
  moment and the entry expires then. `ttl` bounds every entry anyway.
- Misses are built from the primary (`pinned_to_primary`), so a lagging replica is never cached.
- The token is read once per request (`common.memo`), and each process keeps the entries it has decoded
  (`local_size` of them, with their expiry): a request whose reads are all cached costs one round trip to
  the shared cache, not one per read plus the transfer and unpickling of each value. The token is still
  read on every request, so a write in any process shows on the next request in every process.
- Values handed out from the process's copy are shared between requests: callers must not change them
  (lists and dicts built from them are theirs; the cached objects are not).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from sheyin.common.db_routing import pinned_to_primary
from sheyin.common.memo import put, remember

T = TypeVar("T")
_MISS = object()
FORMAT = "v2"  # entries hold (expires_at, value); bump when that changes


class GenerationalCache:
    def __init__(
        self, namespace: str, models: Callable[[], list[Any]], *, ttl: int = 300, local_size: int = 64
    ) -> None:
        self.namespace = namespace
        self.generation_key = f"{namespace}:generation"
        self.models = models
        self.ttl = ttl
        self.local_size = local_size
        self._local: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    # --- the token ---------------------------------------------------------------------------------
    def _read_generation(self) -> str:
        token = cache.get(self.generation_key)
        if token is None:
            token = uuid.uuid4().hex
            if not cache.add(self.generation_key, token, None):
                token = cache.get(self.generation_key) or token
        return str(token)

    def generation(self) -> str:
        return remember(("generation", self.namespace), self._read_generation)

    def invalidate(self) -> None:
        """Forget every entry (a new generation), in this request's memo too."""
        token = uuid.uuid4().hex
        cache.set(self.generation_key, token, None)
        put(("generation", self.namespace), token)

    def invalidate_on_write(self, **kwargs: Any) -> None:
        """Signal receiver: at once, and again when the writing transaction commits."""
        self.invalidate()
        transaction.on_commit(self.invalidate)

    def connect(self) -> None:
        from django.db.models.signals import post_delete, post_save

        for model in self.models():
            for signal in (post_save, post_delete):
                signal.connect(
                    self.invalidate_on_write,
                    sender=model,
                    dispatch_uid=f"{self.namespace}-cache-{model._meta.label}",
                )

    # --- the entries -------------------------------------------------------------------------------
    def cached(
        self, name: str, build: Callable[[], tuple[T, dt.datetime | None]], *, per_language: bool = True
    ) -> T:
        """`build()` returns the value and the next moment it changes by itself (or None)."""
        lang = get_language() if per_language else "-"
        key = f"{self.namespace}:{FORMAT}:{self.generation()}:{name}:{lang}"
        now = time.time()
        local = self._local.get(key)
        if local is not None and local[0] > now:
            return local[1]
        hit = cache.get(key, _MISS)
        if isinstance(hit, tuple) and len(hit) == 2:
            expires_at, value = hit
            self._keep(key, expires_at, value)
            return value
        with pinned_to_primary():
            value, changes_at = build()
        timeout = self.ttl
        if changes_at is not None:
            timeout = min(self.ttl, int((changes_at - timezone.now()).total_seconds()))
        if timeout >= 1:
            expires_at = now + timeout
            cache.set(key, (expires_at, value), timeout)
            self._keep(key, expires_at, value)
        return value

    def _keep(self, key: str, expires_at: float, value: Any) -> None:
        self._local[key] = (expires_at, value)
        self._local.move_to_end(key)
        while len(self._local) > self.local_size:
            self._local.popitem(last=False)
