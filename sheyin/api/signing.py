"""Request signing for bank head-office clients (see docs/api.md and docs/decisions/0006-api-signing.md).

    string_to_sign = "\\n".join([METHOD, canonical_target, timestamp, nonce, hex(SM3(body))])
    X-Sheyin-Signature = hex(HMAC-SM3(secret, string_to_sign))

`canonical_target` is the path percent-encoded as RFC 3986 (every byte but unreserved characters and
"/" as %XX, upper-case), then "?" and the query string exactly as sent, if there is one. The HMAC key
is the secret as ASCII bytes. This module is pure (no Django) so that a client can copy it.
"""

from __future__ import annotations

import hmac as std_hmac
import os
import re
import time
from urllib.parse import quote, unquote

from cryptography.hazmat.primitives import hashes, hmac

HEADER_KEY = "X-Sheyin-Key"
HEADER_TIMESTAMP = "X-Sheyin-Timestamp"
HEADER_NONCE = "X-Sheyin-Nonce"
HEADER_SIGNATURE = "X-Sheyin-Signature"
WINDOW_SECONDS = 300
NONCE_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
TIMESTAMP_RE = re.compile(r"^[0-9]{1,12}$")
SIGNATURE_RE = re.compile(r"^[0-9a-fA-F]{64}$")


def _sm3_available() -> bool:
    try:
        mac = hmac.HMAC(b"k", hashes.SM3())
        mac.update(b"")
        mac.finalize()
    except Exception:  # an OpenSSL build without SM3
        return False
    return True


# HMAC-SM3 (国密) where OpenSSL offers SM3 — it does in cryptography 50 — else HMAC-SHA256.
ALGORITHM = "HMAC-SM3" if _sm3_available() else "HMAC-SHA256"


def _hash() -> hashes.HashAlgorithm:
    return hashes.SM3() if ALGORITHM == "HMAC-SM3" else hashes.SHA256()


def body_digest(body: bytes) -> str:
    digest = hashes.Hash(_hash())
    digest.update(body)
    return digest.finalize().hex()


def canonical_path(decoded_path: str) -> str:
    """The path as signed: percent-encode everything but unreserved characters and "/"."""
    return quote(decoded_path, safe="/")


def canonical_target(path: str, query: str = "", *, decoded: bool = False) -> str:
    """`path` as sent (percent-encoded, decoded=False) or as a server sees it (decoded=True)."""
    p = canonical_path(path if decoded else unquote(path))
    return f"{p}?{query}" if query else p


def string_to_sign(method: str, target: str, timestamp: str, nonce: str, body: bytes) -> str:
    return "\n".join([method.upper(), target, timestamp, nonce, body_digest(body)])


def sign(secret: str, method: str, target: str, timestamp: str, nonce: str, body: bytes) -> str:
    mac = hmac.HMAC(secret.encode("ascii"), _hash())
    mac.update(string_to_sign(method, target, timestamp, nonce, body).encode("utf-8"))
    return mac.finalize().hex()


def verify(
    secret: str, signature: str, method: str, target: str, timestamp: str, nonce: str, body: bytes
) -> bool:
    expected = sign(secret, method, target, timestamp, nonce, body)
    return std_hmac.compare_digest(expected, signature.lower())


def new_nonce() -> str:
    return os.urandom(16).hex()


def signed_headers(
    key_id: str,
    secret: str,
    method: str,
    path_with_query: str,
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four headers for one request. `path_with_query` as sent on the wire, e.g.
    "/api/v1/institutions/outlets?status=operating"."""
    path, _, query = path_with_query.partition("?")
    ts = str(int(time.time()) if timestamp is None else timestamp)
    n = nonce or new_nonce()
    return {
        HEADER_KEY: key_id,
        HEADER_TIMESTAMP: ts,
        HEADER_NONCE: n,
        HEADER_SIGNATURE: sign(secret, method, canonical_target(path, query), ts, n, body),
    }
