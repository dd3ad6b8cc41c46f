"""Rate limits: before authentication per source, after it per caller (fixed one-minute windows, counted
in the Django cache; production points SHEYIN_CACHE_URL at Redis so that every worker counts together).

Before authentication — nothing is looked up, verified or written for a refused request:
- every call from one address: SHEYIN_API_ADDRESS_RATE_PER_MINUTE (default 1200);
- failed authentications (a 401, or an address outside the client's allow-list) per address and per
  presented credential (the key ID or token prefix): once SHEYIN_API_AUTH_FAILURES_PER_MINUTE (default
  10) have failed in a window, further calls from that source are refused with 429 until it ends. A
  failure from outside a client's allow-list counts against the address only, so nobody can lock a
  bank out by sending its key ID from elsewhere.

After authentication, per caller: a bank client's limit is set on its record (`rate_limit_per_minute`);
personal tokens and public callers use SHEYIN_API_TOKEN_RATE_PER_MINUTE and
SHEYIN_API_PUBLIC_RATE_PER_MINUTE (per address).
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from sheyin.audit.context import address_of
from sheyin.common.counters import bump

from . import signing
from .principal import ClientPrincipal

WINDOW = 60
DEFAULT_TOKEN_RATE = 120
DEFAULT_PUBLIC_RATE = 120
DEFAULT_ADDRESS_RATE = 1200
DEFAULT_AUTH_FAILURES = 10
TOKEN_PREFIX_LENGTH = len("syt_") + 8

# Refusals of authentication (401 codes, and 403 address_not_allowed): counted, not audited one by one.
AUTH_FAILURE_CODES = frozenset(
    {
        "not_authenticated",
        "signature_headers_invalid",
        "unknown_client",
        "timestamp_out_of_window",
        "nonce_reused",
        "bad_signature",
        "invalid_token",
        "address_not_allowed",
    }
)
# Every refusal counted per source and window instead of one audit event per request.
COUNTED_CODES = AUTH_FAILURE_CODES | {"rate_limited"}


def _now() -> float:
    return time.time()


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def window_of(now: float) -> int:
    return int(now // WINDOW)


def seconds_left(now: float) -> int:
    return max(1, int(WINDOW - (now % WINDOW)) + 1)


def _key(kind: str, identity: str, window: int) -> str:
    return f"sheyin:api:{kind}:{identity}:{window}"


def _incr(key: str) -> int:
    return bump([key], WINDOW + 10)[0][0]


def hit(identity: str, limit: int, now: float | None = None) -> tuple[bool, int]:
    """Count one request; (allowed, seconds until the window resets)."""
    now = _now() if now is None else now
    count = _incr(_key("rate", identity, window_of(now)))
    return count <= limit, seconds_left(now)


def credential_of(request: HttpRequest) -> str:
    """The credential a request presents, as a label safe to store: never a secret or a whole token."""
    key_id = request.headers.get(signing.HEADER_KEY, "")
    if key_id:
        return f"key:{key_id}" if signing.KEY_ID_RE.match(key_id) else "invalid"
    authorization = request.headers.get("Authorization", "")
    if authorization:
        token = authorization.removeprefix("Bearer ").strip()
        prefix = token[:TOKEN_PREFIX_LENGTH]
        valid = prefix.startswith("syt_") and all(c in "0123456789abcdef" for c in prefix[4:])
        return f"token:{prefix}" if valid and len(prefix) == TOKEN_PREFIX_LENGTH else "invalid"
    return ""


def refuse_before_authentication(request: HttpRequest, now: float | None = None) -> int | None:
    """Seconds to wait when this request's source is over a limit (then answer 429 at once), else None."""
    now = _now() if now is None else now
    window = window_of(now)
    address = address_of(request)
    credential = credential_of(request)
    failures_seen = [_key("fail-address", address, window)]
    if credential:
        failures_seen.append(_key("fail-credential", credential, window))
    # the call counted and the failures read in one round trip
    (calls,), failed = bump([_key("address", address, window)], WINDOW + 10, read=failures_seen)
    if calls > _setting("SHEYIN_API_ADDRESS_RATE_PER_MINUTE", DEFAULT_ADDRESS_RATE):
        return seconds_left(now)
    if max(failed) >= _setting("SHEYIN_API_AUTH_FAILURES_PER_MINUTE", DEFAULT_AUTH_FAILURES):
        return seconds_left(now)
    return None


def note_failure(request: HttpRequest, code: str, now: float | None = None) -> None:
    """Count a failed authentication against the source address and (unless the address was outside the
    client's allow-list) the presented credential."""
    if code not in AUTH_FAILURE_CODES:
        return
    window = window_of(_now() if now is None else now)
    _incr(_key("fail-address", address_of(request), window))
    credential = credential_of(request)
    if credential and code != "address_not_allowed":
        _incr(_key("fail-credential", credential, window))


def caller_limit(request: HttpRequest) -> tuple[str, int]:
    """(counter identity, requests allowed per minute) for this request's caller."""
    principal = getattr(request, "api_principal", None)
    if isinstance(principal, ClientPrincipal):
        return f"c{principal.client.pk}", principal.client.rate_limit_per_minute
    if principal is not None and getattr(principal, "pk", None):
        return f"u{principal.pk}", _setting("SHEYIN_API_TOKEN_RATE_PER_MINUTE", DEFAULT_TOKEN_RATE)
    return f"a{address_of(request)}", _setting("SHEYIN_API_PUBLIC_RATE_PER_MINUTE", DEFAULT_PUBLIC_RATE)


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
