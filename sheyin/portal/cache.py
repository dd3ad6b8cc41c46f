"""A shared cache of the portal's public, rarely changing reads: outlets per district, the latest notices and
materials, the catalogue in force (issue: cheap requests).

- Every entry is keyed by a *generation* token kept in the cache itself. Any save or delete of what these
  reads show (outlets, banks, districts, policy materials and their item links, notices, catalogue versions
  and items) draws a new token at once and again when its transaction commits, so the next read after a
  write builds afresh (a read racing the write may store under the old token; nobody reads it again).
  Writes go through services that save objects one by one (`sheyin.common.lifecycle`), never through
  `QuerySet.update()`, so the signals see every change.
- What depends on the clock is never served past the next scheduled change: a notice dated in the future,
  a catalogue version that takes effect later. The builder returns that moment and the entry expires then.
- Misses are built from the primary (`pinned_to_primary`), so a lagging replica is never cached.
- `TTL` bounds every entry anyway. With several processes the cache must be shared (Redis in production,
  `REDIS_URL`), or each process only sees its own writes' invalidations until the TTL ends.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language

from sheyin.common.db_routing import pinned_to_primary

T = TypeVar("T")
TTL = 300
GENERATION_KEY = "portal:public:generation"
_MISS = object()


def _generation() -> str:
    token = cache.get(GENERATION_KEY)
    if token is None:
        token = uuid.uuid4().hex
        if not cache.add(GENERATION_KEY, token, None):
            token = cache.get(GENERATION_KEY) or token
    return str(token)


def invalidate() -> None:
    """Forget every cached public read (a new generation)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


def invalidate_on_write(**kwargs: Any) -> None:
    """Signal receiver: at once, and again when the writing transaction commits."""
    invalidate()
    transaction.on_commit(invalidate)


def cached(name: str, build: Callable[[], tuple[T, dt.datetime | None]]) -> T:
    """`build()` returns the value and the next moment it changes by itself (or None); per language."""
    key = f"portal:public:{_generation()}:{name}:{get_language()}"
    hit = cache.get(key, _MISS)
    if hit is not _MISS:
        return hit
    with pinned_to_primary():
        value, changes_at = build()
    timeout = TTL
    if changes_at is not None:
        timeout = min(TTL, int((changes_at - timezone.now()).total_seconds()))
    if timeout >= 1:
        cache.set(key, value, timeout)
    return value


def watched_models() -> list[Any]:
    """The models whose rows the cached reads show."""
    from django.apps import apps

    names = [
        ("institutions", "Outlet"), ("institutions", "Bank"), ("institutions", "Agency"),
        ("portal", "PolicyMaterial"), ("portal", "PolicyMaterialItem"), ("notices", "PublicNotice"),
        ("catalogue", "CatalogueVersion"), ("catalogue", "ServiceItem"),
    ]  # fmt: skip
    return [apps.get_model(app, model) for app, model in names if apps.is_installed(f"sheyin.{app}")]


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in watched_models():
        for signal in (post_save, post_delete):
            signal.connect(
                invalidate_on_write, sender=model, dispatch_uid=f"portal-cache-{model._meta.label}"
            )
