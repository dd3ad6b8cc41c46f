"""The portal's public, rarely changing reads, cached until the next write of what they show: outlets per
district, the latest notices and materials, the catalogue in force (`sheyin.common.generational`).

With several processes the shared cache must be shared indeed (Redis in production, `REDIS_URL`), or each
process only sees its own writes' invalidations until the entries' time runs out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from sheyin.common.generational import GenerationalCache

T = TypeVar("T")
TTL = 300


def watched_models() -> list[Any]:
    """The models whose rows the cached reads show."""
    from django.apps import apps

    names = [
        ("institutions", "Outlet"), ("institutions", "Bank"), ("institutions", "Agency"),
        ("portal", "PolicyMaterial"), ("portal", "PolicyMaterialItem"), ("notices", "PublicNotice"),
        ("catalogue", "CatalogueVersion"), ("catalogue", "ServiceItem"),
    ]  # fmt: skip
    return [apps.get_model(app, model) for app, model in names if apps.is_installed(f"sheyin.{app}")]


PUBLIC = GenerationalCache("portal:public", watched_models, ttl=TTL)


def cached(name: str, build: Callable[[], tuple[T, dt.datetime | None]]) -> T:
    """`build()` returns the value and the next moment it changes by itself (or None); per language."""
    return PUBLIC.cached(name, build)


def invalidate() -> None:
    """Forget every cached public read (a new generation)."""
    PUBLIC.invalidate()


def connect() -> None:
    PUBLIC.connect()
