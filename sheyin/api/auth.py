"""Authentication for every router: `auth=ANY_AUTH` (bank clients or personal tokens), `auth=CLIENT_AUTH`
(bank clients only), `auth=TOKEN_AUTH`, or `auth=None` for public reads.

After authentication `request.api_principal` is who calls: a `ClientPrincipal` (a bank's head-office
system, 本行 scope) or the token's `User` (then `request.user` is that user too). Pass it as `by=` to
services and as the user to selectors; the role and scope rules apply unchanged.

A missing credential lets the next scheme try; a present but wrong one is refused at once with its
problem code (401 unknown_client, bad_signature, timestamp_out_of_window, nonce_reused, invalid_token;
403 address_not_allowed).
"""

from __future__ import annotations

import datetime as dt
import hmac as std_hmac
import re
import time
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security.base import AuthBase

from sheyin.audit.context import address_of
from sheyin.common.crypto import decrypt, sm3_hex
from sheyin.common.db import insert_once

from . import signing
from .models import ApiClient, Nonce, PersonalToken
from .principal import ClientPrincipal
from .problems import ApiProblem

TOKEN_RE = re.compile(r"^syt_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")
# last_used_at is a hint for the owner, not an audit record: write it at most once a minute.
TOUCH_EVERY = dt.timedelta(minutes=1)


def _attempted(request: HttpRequest) -> None:
    request._sheyin_auth_attempted = True  # type: ignore[attr-defined]  # the gateway audits the call


def _body(request: HttpRequest) -> bytes:
    try:
        return request.body
    except RequestDataTooBig as exc:
        raise ApiProblem("payload_too_large") from exc


def _touch(model: type[Any], obj: Any) -> None:
    now = timezone.now()
    if obj.last_used_at is None or now - obj.last_used_at > TOUCH_EVERY:
        model.objects.filter(pk=obj.pk).update(last_used_at=now)


def authenticate_signed(request: HttpRequest) -> ClientPrincipal:
    """Check a signed request (see signing.py); raise the precise problem on refusal."""
    h = request.headers
    key_id = h.get(signing.HEADER_KEY, "")
    ts, nonce, signature = (
        h.get(signing.HEADER_TIMESTAMP, ""),
        h.get(signing.HEADER_NONCE, ""),
        h.get(signing.HEADER_SIGNATURE, ""),
    )
    if not (
        signing.KEY_ID_RE.match(key_id)
        and signing.TIMESTAMP_RE.match(ts)
        and signing.NONCE_RE.match(nonce)
        and signing.SIGNATURE_RE.match(signature)
    ):
        raise ApiProblem("signature_headers_invalid")
    client = ApiClient.objects.select_related("bank").filter(key_id=key_id).first()
    if client is None or not client.is_active:
        raise ApiProblem("unknown_client")
    request._sheyin_client = client  # type: ignore[attr-defined]  # named in the audit even when refused
    if not client.address_allowed(address_of(request)):
        raise ApiProblem("address_not_allowed")
    if abs(time.time() - int(ts)) > signing.WINDOW_SECONDS:
        raise ApiProblem("timestamp_out_of_window")
    try:
        target = signing.canonical_target(request.path, request.META.get("QUERY_STRING", ""), decoded=True)
    except (UnicodeError, ValueError) as exc:
        raise ApiProblem("bad_signature") from exc
    # The method as sent: a HEAD is answered like a GET (common.middleware) but was signed as HEAD.
    method = request.META.get("REQUEST_METHOD") or request.method or ""
    if not signing.verify(decrypt(client.secret_enc), signature, method, target, ts, nonce, _body(request)):
        raise ApiProblem("bad_signature")
    # Only a correctly signed request spends its nonce (so nobody can burn another client's nonces).
    if insert_once(Nonce, client=client, nonce=nonce) is None:
        raise ApiProblem("nonce_reused")
    _touch(ApiClient, client)
    return ClientPrincipal(client)


def authenticate_token(request: HttpRequest, token: str) -> Any:
    m = TOKEN_RE.match(token.strip())
    if not m:
        raise ApiProblem("invalid_token")
    row = PersonalToken.objects.select_related("user").filter(prefix=m.group(1)).first()
    if row is None or not std_hmac.compare_digest(row.token_hash, sm3_hex(token.strip().encode())):
        raise ApiProblem("invalid_token")
    user = row.user
    request._sheyin_token = row  # type: ignore[attr-defined]
    cutoff = user.sessions_valid_after
    if (
        row.revoked_at is not None
        or row.expires_at <= timezone.now()
        or not user.is_active
        or (user.is_demo and not settings.DEMO_MODE)  # a demo account's password is published
        # Revoking a user's sessions, changing their roles or their password ends their tokens too.
        or (cutoff is not None and row.created_at < cutoff)
        or not user.has_perm("api.personal_tokens")
    ):
        raise ApiProblem("invalid_token")
    _touch(PersonalToken, row)
    return user


class SignedClientAuth(AuthBase):
    """A bank head-office client: HMAC-signed requests (docs/api.md, "Signing")."""

    openapi_type = "apiKey"
    openapi_in = "header"
    openapi_name = signing.HEADER_KEY
    openapi_description = (
        "Bank head-office client. Send X-Sheyin-Key, X-Sheyin-Timestamp (unix seconds), X-Sheyin-Nonce "
        f"(16-64 of [A-Za-z0-9_-]) and X-Sheyin-Signature = hex({signing.ALGORITHM}(secret, METHOD\\n"
        "canonical path?query\\ntimestamp\\nnonce\\nhex(SM3(body)))). See docs/api.md."
    )

    def __call__(self, request: HttpRequest) -> Any:
        _attempted(request)
        if not request.headers.get(signing.HEADER_KEY):
            return None
        principal = authenticate_signed(request)
        request.api_principal = principal  # type: ignore[attr-defined]
        return principal


class PersonalTokenAuth(HttpBearer):
    """A staff or agency user's personal token: `Authorization: Bearer syt_…`."""

    openapi_description = (
        "Personal access token of a user (接口管理 → 个人访问令牌); obeys the user's role and scope."
    )

    def __call__(self, request: HttpRequest) -> Any:
        _attempted(request)
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(request, token)
        request.user = user
        request.api_principal = user  # type: ignore[attr-defined]
        return user


CLIENT_AUTH = [SignedClientAuth()]
TOKEN_AUTH = [PersonalTokenAuth()]
ANY_AUTH = [*CLIENT_AUTH, *TOKEN_AUTH]
