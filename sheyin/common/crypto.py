"""Personal data at rest: SM4-GCM encryption and an HMAC-SM3 blind index (国密, as 密评 expects).

`cryptography` offers SM4 and SM3 through OpenSSL. The blind index lets the database find a row by
an exact ID number without ever storing or comparing the clear value.
"""

from __future__ import annotations

import base64
import functools
import os

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


def encrypt(plain: str) -> str:
    return base64.b64encode(encrypt_bytes(plain.encode())).decode()


def decrypt(token: str) -> str:
    return decrypt_bytes(base64.b64decode(token)).decode()


def encrypt_bytes(plain: bytes) -> bytes:
    """SM4-GCM of binary data (nonce, tag and ciphertext in one value) for binary columns."""
    nonce = os.urandom(_NONCE)
    enc = Cipher(algorithms.SM4(_data_key()), modes.GCM(nonce)).encryptor()
    body = enc.update(plain) + enc.finalize()
    return nonce + enc.tag + body


def decrypt_bytes(raw: bytes) -> bytes:
    nonce, tag, body = raw[:_NONCE], raw[_NONCE : _NONCE + _TAG], raw[_NONCE + _TAG :]
    dec = Cipher(algorithms.SM4(_data_key()), modes.GCM(nonce, tag)).decryptor()
    return dec.update(body) + dec.finalize()


def blind_index(value: str) -> str:
    mac = hmac.HMAC(_index_key(), hashes.SM3())
    mac.update(value.encode())
    return mac.finalize().hex()


def sm3_hex(data: bytes) -> str:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize().hex()
