"""Per-request facts the audit trail records (client address), without passing the request around."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from sheyin.common.net import client_address as _client_address

client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")


def address_of(request: HttpRequest) -> str:
    """The client's address: forwarded headers count only from a trusted proxy (sheyin.common.net)."""
    return _client_address(request)


class AuditContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = client_address.set(address_of(request))
        try:
            return self.get_response(request)
        finally:
            client_address.reset(token)
