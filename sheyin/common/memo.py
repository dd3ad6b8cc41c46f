"""A memo for one request: look-ups that several layers repeat while serving the same request (the
user's grant in force: the grant middleware, then the service) are made once.

It is active only while a request runs (`MemoMiddleware` opens it and throws it away at the end), so
jobs, commands and services called outside a request always look up afresh. Keys name what they hold
(e.g. `("grant", user_pk, day)`); a write that changes what a key holds within the same request calls
`forget()`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse

T = TypeVar("T")

_store: contextvars.ContextVar[dict[Hashable, Any] | None] = contextvars.ContextVar(
    "sheyin_memo", default=None
)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, made once per request for `key`; outside a request, every time."""
    store = _store.get()
    if store is None:
        return compute()
    if key in store:
        return store[key]
    value: T = compute()
    store[key] = value
    return value


def put(key: Hashable, value: Any) -> None:
    """Replace what this request remembers for `key` (a write that knows the new value); outside a
    request, nothing."""
    store = _store.get()
    if store is not None:
        store[key] = value


def forget() -> None:
    """Drop everything remembered in this request (after a write that changes it)."""
    store = _store.get()
    if store is not None:
        store.clear()


class MemoMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _store.set({})
        try:
            return self.get_response(request)
        finally:
            _store.reset(token)
