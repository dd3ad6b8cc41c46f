"""Idempotency-Key on every POST/PUT/PATCH: a retry returns the first response and writes nothing twice.

The gateway (gateway.py) runs each write in one transaction; `idempotent` (an operation decorator the
API applies to every operation) reserves (caller, key) inside it before the operation runs, and the
gateway stores the response in the same transaction. So the write and its record commit together or
not at all, and the unique constraint lets exactly one of two concurrent requests with one key win.

- same key, same method, path and body: the stored response, with `Idempotent-Replayed: true`;
- same key, different request: 422 `idempotency_key_reused`;
- same key while the first is still running: 409 `idempotency_in_progress`;
- no key: 400 `idempotency_key_missing`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from sheyin.common.crypto import decrypt, encrypt, sm3_hex
from sheyin.common.db import insert_once

from .models import IdempotencyRecord
from .principal import ClientPrincipal
from .problems import ApiProblem

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
HEADER = "Idempotency-Key"
KEY_RE = re.compile(r"^[\x21-\x7e]{1,100}$")
RETENTION = dt.timedelta(hours=24)


def fingerprint(request: HttpRequest) -> str:
    target = request.path + ("?" + request.META["QUERY_STRING"] if request.META.get("QUERY_STRING") else "")
    return sm3_hex(
        b"\n".join([(request.method or "").encode(), target.encode("utf-8", "replace"), request.body])
    )


def _owner(principal: Any) -> dict[str, Any]:
    if isinstance(principal, ClientPrincipal):
        return {"client": principal.client}
    return {"user": principal}


def replay(rec: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(
        decrypt(rec.response_enc).encode("utf-8") if rec.response_enc else b"",
        status=rec.status_code,
        content_type=rec.content_type or None,
    )
    response["Idempotent-Replayed"] = "true"
    return response


def idempotent(view_func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view_func)
    def inner(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        principal = getattr(request, "api_principal", None)
        if request.method not in WRITE_METHODS or principal is None:
            return view_func(request, *args, **kwargs)
        key = request.headers.get(HEADER, "")
        if not KEY_RE.match(key):
            raise ApiProblem("idempotency_key_missing")
        fp = fingerprint(request)
        owner = _owner(principal)
        values = {
            **owner,
            "key": key,
            "method": request.method,
            "path": request.path[:500],
            "request_hash": fp,
        }
        rec = insert_once(IdempotencyRecord, **values)
        if rec is None:  # the key was used before by this caller
            prior = IdempotencyRecord.objects.filter(**owner, key=key).first()
            if prior is None or (prior.status_code == 0 and prior.request_hash == fp):
                raise ApiProblem("idempotency_in_progress") from None
            if prior.request_hash != fp:
                raise ApiProblem("idempotency_key_reused") from None
            request._sheyin_replayed = True  # type: ignore[attr-defined]
            return replay(prior)
        request._sheyin_idempotency = rec  # type: ignore[attr-defined]
        return view_func(request, *args, **kwargs)

    return inner


def store(request: HttpRequest, response: HttpResponse) -> None:
    """Keep the response of a write that ran (called by the gateway inside the write's transaction)."""
    rec: IdempotencyRecord | None = getattr(request, "_sheyin_idempotency", None)
    if rec is None or getattr(response, "streaming", False):
        return
    rec.status_code = response.status_code
    rec.content_type = response.get("Content-Type", "")[:100]
    rec.response_enc = encrypt(response.content.decode("utf-8", "replace"))
    rec.save(update_fields=["status_code", "content_type", "response_enc"])


def purge(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - RETENTION
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
