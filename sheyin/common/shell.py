"""Header extras (e.g. the unread-notification count) contributed by apps without common importing them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

_PROVIDERS: list[Callable[[HttpRequest], dict[str, Any]]] = []


def register_header_extra(provider: Callable[[HttpRequest], dict[str, Any]]) -> None:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def header_extras(request: HttpRequest) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for provider in _PROVIDERS:
        out.update(provider(request))
    return out
