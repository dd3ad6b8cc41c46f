"""Rate limits per caller: a fixed one-minute window counted in the Django cache.

A bank client's limit is set on its record (`rate_limit_per_minute`); personal tokens and anonymous
(public) callers use settings SHEYIN_API_TOKEN_RATE_PER_MINUTE and SHEYIN_API_PUBLIC_RATE_PER_MINUTE.
The cache is process-local (locmem) by default; production points SHEYIN_CACHE_URL at Redis so that
every worker counts together.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from sheyin.audit.context import address_of

from .principal import ClientPrincipal

WINDOW = 60
DEFAULT_TOKEN_RATE = 120
DEFAULT_PUBLIC_RATE = 120


def caller_limit(request: HttpRequest) -> tuple[str, int]:
    """(counter identity, requests allowed per minute) for this request's caller."""
    principal = getattr(request, "api_principal", None)
    if isinstance(principal, ClientPrincipal):
        return f"c{principal.client.pk}", principal.client.rate_limit_per_minute
    if principal is not None and getattr(principal, "pk", None):
        return f"u{principal.pk}", getattr(settings, "SHEYIN_API_TOKEN_RATE_PER_MINUTE", DEFAULT_TOKEN_RATE)
    return f"a{address_of(request)}", getattr(
        settings, "SHEYIN_API_PUBLIC_RATE_PER_MINUTE", DEFAULT_PUBLIC_RATE
    )


def hit(identity: str, limit: int, now: float | None = None) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window resets)."""
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    key = f"sheyin:api:rate:{identity}:{window}"
    cache.add(key, 0, timeout=WINDOW + 10)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW + 10)
        count = 1
    return count <= limit, max(1, int(WINDOW - (now % WINDOW)) + 1)


class CallerRateThrottle(BaseThrottle):
    """Ninja throttle: runs after authentication, so it knows the caller."""

    _local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        identity, limit = caller_limit(request)
        allowed, wait = hit(identity, limit)
        self._local.wait = wait
        return allowed

    def wait(self) -> float | None:
        return float(getattr(self._local, "wait", WINDOW))
