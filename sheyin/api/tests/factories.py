"""API clients and tokens as the services make them, plus a signed test client."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from sheyin.api import services, signing
from sheyin.api.models import ApiClient, PersonalToken
from sheyin.common.crypto import decrypt


def api_client_for(bank: Any, *, name: str = "总行前置系统", **data: Any) -> tuple[ApiClient, str]:
    """A registered client of `bank` and its secret (registered by the system itself)."""
    return services.client_register(data={"bank": bank, "name": name, **data}, by=None)


def token_for(user: Any, *, name: str = "脚本", days: int = 30) -> tuple[PersonalToken, str]:
    return services.token_create(user=user, name=name, days=days, by=user)


class SignedClient:
    """Django's test client, signing every request like a bank's system would."""

    def __init__(self, client: ApiClient, secret: str | None = None) -> None:
        self.api_client = client
        self.secret = secret or decrypt(client.secret_enc)
        self.http = Client()

    def headers(self, method: str, path: str, body: bytes = b"", **overrides: Any) -> dict[str, str]:
        return signing.signed_headers(self.api_client.key_id, self.secret, method, path, body, **overrides)

    def get(
        self, path: str, *, headers: dict[str, str] | None = None, address: str = "127.0.0.1", **sign: Any
    ) -> Any:
        h = {**self.headers("GET", path, **sign), **(headers or {})}
        return self.http.get(path, headers=h, REMOTE_ADDR=address)

    def send(
        self,
        method: str,
        path: str,
        data: Any,
        *,
        key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        body = json.dumps(data, ensure_ascii=False).encode()
        h = self.headers(method, path, body)
        if key is not None:
            h["Idempotency-Key"] = key
        h.update(headers or {})
        return self.http.generic(method, path, body, content_type="application/json", headers=h)
