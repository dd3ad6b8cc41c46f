"""Personal data at rest: SM4-GCM encryption and an HMAC-SM3 blind index (国密, as 密评 expects).

`cryptography` offers SM4 and SM3 through OpenSSL. The blind index lets the database find a row by
an exact ID number without ever storing or comparing the clear value.

Every app declares the encrypted columns it keeps (`register_encrypted`), so that the key check at start
(`common.keys`) can test the keys against stored data and `rotate_keys` can re-encrypt and re-index them.
"""

from __future__ import annotations

import base64
import functools
import os
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings

_NONCE = 12
_TAG = 16


@functools.cache
def _keys(data_key: str, index_key: str) -> tuple[bytes, bytes]:
    return bytes.fromhex(data_key), bytes.fromhex(index_key)


def _data_key() -> bytes:
    return _keys(settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY)[0]


def _index_key() -> bytes:
    return _keys(settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY)[1]


def encrypt(plain: str, key: bytes | None = None) -> str:
    return base64.b64encode(encrypt_bytes(plain.encode(), key)).decode()


def decrypt(token: str, key: bytes | None = None) -> str:
    """The clear text; `cryptography.exceptions.InvalidTag` when `token` was not made with this key."""
    return decrypt_bytes(base64.b64decode(token), key).decode()


def encrypt_bytes(plain: bytes, key: bytes | None = None) -> bytes:
    """SM4-GCM of binary data (nonce, tag and ciphertext in one value) for binary columns."""
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(key or _data_key()), modes.GCM(nonce)).encryptor()
    body = enc.update(plain) + enc.finalize()
    return nonce + enc.tag + body


def decrypt_bytes(raw: bytes, key: bytes | None = None) -> bytes:
    nonce, tag, body = raw[:_NONCE], raw[_NONCE : _NONCE + _TAG], raw[_NONCE + _TAG :]
    dec = Cipher(algorithms.SM4(key or _data_key()), modes.GCM(nonce, tag)).decryptor()
    return dec.update(body) + dec.finalize()


def blind_index(value: str, key: bytes | None = None) -> str:
    mac = hmac.HMAC(key or _index_key(), hashes.SM3())
    mac.update(value.encode())
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()


@dataclass(frozen=True)
class EncryptedField:
    """A column holding `encrypt(...)` text, and optionally the column holding `blind_index` of the same
    clear value (the key rotation recomputes it from the decrypted value)."""

    model: str  # "app_label.ModelName"
    field: str
    index: str = ""
    binary: bool = False  # a binary column holding `encrypt_bytes(...)` (no blind index)

    def empty(self) -> dict[str, Any]:
        """The lookup of rows with nothing stored in the column."""
        return {f"{self.field}__isnull": True} if self.binary else {self.field: ""}

    def open(self, stored: Any, key: bytes) -> str | bytes:
        return decrypt_bytes(bytes(stored), key) if self.binary else decrypt(stored, key)

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"


_ENCRYPTED: dict[str, EncryptedField] = {}


def register_encrypted(*fields: EncryptedField) -> None:
    for f in fields:
        _ENCRYPTED[f.label] = f


def encrypted_fields() -> list[EncryptedField]:
    return sorted(_ENCRYPTED.values(), key=lambda f: f.label)
