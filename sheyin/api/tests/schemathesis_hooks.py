"""Schemathesis CLI hooks: sign every request as a bank's head-office system would.

Loaded by `schemathesis run` through SCHEMATHESIS_HOOKS (see test_schemathesis.py); the key ID comes
as an explicit X-Sheyin-Key header (so that schemathesis can drop or replace it to check that a request
without valid credentials is refused), the secret from SHEYIN_TEST_API_SECRET.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import requests
import schemathesis

from sheyin.api import signing

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _well_formed_key(key: str) -> bool:
    """The documented Idempotency-Key form (1-100 visible ASCII characters)."""
    return 1 <= len(key) <= 100 and all(0x21 <= ord(c) <= 0x7E for c in key)


class SignedAuth(requests.auth.AuthBase):
    """Signs the final request (method, path?query, body bytes) for whatever key the request names."""

    def __init__(self, secret: str) -> None:
        self.secret = secret

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        key_id = r.headers.get(signing.HEADER_KEY)
        if not key_id:
            return r
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        # A real client makes a fresh key per intended write; hypothesis repeats values, and the same key
        # with another body is rightly refused (tested in test_idempotency.py). Malformed keys are kept.
        if _well_formed_key(str(r.headers.get(IDEMPOTENCY_HEADER, ""))):
            r.headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
        r.headers.update(signing.signed_headers(key_id, self.secret, r.method or "GET", r.path_url, body))
        return r


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    kwargs["auth"] = SignedAuth(os.environ["SHEYIN_TEST_API_SECRET"])
