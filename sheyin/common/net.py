"""Who is on the other end: the client's address, believing forwarded addresses only from our own proxies.

`X-Real-IP` and `X-Forwarded-For` are request headers: anyone can send them. Only when the socket peer
(`REMOTE_ADDR`) is one of the proxies listed in setting SHEYIN_TRUSTED_PROXIES (addresses or CIDR
networks, from the environment) does the platform read them: first `X-Real-IP` (our nginx overwrites
it), else the right-most address in `X-Forwarded-For` that is not itself a trusted proxy. Anything
that is not an IP address is ignored. Rate limits, API allow-lists, the audit trail and the login
lock-out all use this one function.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_LENGTH = 45  # the longest textual IPv6 address (with an embedded IPv4 part)


@functools.lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def trusted_proxies() -> tuple[IPNetwork, ...]:
    return _networks(tuple(getattr(settings, "SHEYIN_TRUSTED_PROXIES", ()) or ()))


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, networks: Iterable[IPNetwork]) -> bool:
    ip = _ip(address)
    return ip is not None and any(ip in n for n in networks)


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ('' when unknown)."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    networks = trusted_proxies()
    if not networks or not _trusted(remote, networks):
        return remote[:MAX_LENGTH]
    real = request.META.get("HTTP_X_REAL_IP") or ""
    if _ip(real) is not None:
        return str(_ip(real))
    forwarded = [a.strip() for a in (request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",")]
    for candidate in reversed(forwarded):
        ip = _ip(candidate)
        if ip is None:
            break  # a malformed hop: trust nothing further left
        if not _trusted(candidate, networks):
            return str(ip)
    return remote[:MAX_LENGTH]
