"""The data and index keys, checked before the platform serves anything (等保/密评: keys under control).

A wrong `SHEYIN_DATA_KEY` cannot decrypt anything stored (every signed API call would fail); a wrong
`SHEYIN_INDEX_KEY` finds nobody by ID number (the window would tell insured people they do not exist).
So the process refuses to start (a system check error, in Chinese and English) when a key is missing,
malformed, one of the built-in keys published in this repository outside demo and test settings, or not
the key the stored data was made with. The last is judged on a check value stored at the first migrate
(`KeyCheck`) and on a sample of every registered encrypted column.

This module imports no Django model at import time: the settings read the built-in keys from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Built into the repository, therefore public: demo and test settings only.
BUILTIN_SECRET_KEY = "insecure-development-key-change-me-" + "x" * 20
BUILTIN_DATA_KEY = "00112233445566778899aabbccddeeff"
BUILTIN_INDEX_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0" * 2

CHECK_TEXT = "sheyin-key-check-v1"
DATA_KEY_HEX = 32  # SM4: 16 bytes
INDEX_KEY_HEX = 64  # HMAC-SM3: 32 bytes
_HEX = re.compile(r"^[0-9a-fA-F]*$")


@dataclass(frozen=True)
class KeySpec:
    setting: str
    length: int
    builtin: str
    what: str  # Chinese
    what_en: str


DATA = KeySpec(
    "SHEYIN_DATA_KEY", DATA_KEY_HEX, BUILTIN_DATA_KEY, "个人信息加密密钥", "personal data encryption key"
)
INDEX = KeySpec("SHEYIN_INDEX_KEY", INDEX_KEY_HEX, BUILTIN_INDEX_KEY, "检索索引密钥", "blind index key")


def format_problem(spec: KeySpec, value: str | None) -> str:
    """'' when `value` is a well-formed key, else what is wrong, in Chinese / English."""
    if not value:
        return f"{spec.setting}（{spec.what}）未设置。/ {spec.setting} ({spec.what_en}) is not set."
    if len(value) != spec.length or not _HEX.match(value):
        return (
            f"{spec.setting}（{spec.what}）格式不正确：应为{spec.length}位十六进制数字（{spec.length // 2}字节）。"
            f" / {spec.setting} ({spec.what_en}) is malformed: it must be {spec.length} hexadecimal digits"
            f" ({spec.length // 2} bytes)."
        )
    return ""


def is_builtin(spec: KeySpec, value: str | None) -> bool:
    return bool(value) and str(value).lower() == spec.builtin


def check_values(data_key: bytes, index_key: bytes) -> tuple[str, str]:
    """What `KeyCheck` stores for a pair of keys: the check text encrypted and its blind index."""
    from .crypto import blind_index, encrypt

    return encrypt(CHECK_TEXT, data_key), blind_index(CHECK_TEXT, index_key)


def matches(data_check: str, index_check: str, data_key: bytes, index_key: bytes) -> tuple[bool, bool]:
    """Whether each key is the one the stored check values were made with."""
    from .crypto import blind_index, decrypt

    try:
        data_ok = decrypt(data_check, data_key) == CHECK_TEXT
    except Exception:  # InvalidTag, bad padding: another key
        data_ok = False
    return data_ok, blind_index(CHECK_TEXT, index_key) == index_check


def sample_problems(data_key: bytes, index_key: bytes) -> tuple[bool, bool]:
    """Whether the keys open the first stored value of every registered encrypted column (and reproduce
    its blind index): (data key fits, index key fits)."""
    from django.apps import apps
    from django.db import DatabaseError

    from .crypto import blind_index, encrypted_fields

    data_ok = index_ok = True
    for f in encrypted_fields():
        model: Any = apps.get_model(f.model)
        columns = [f.field, f.index] if f.index else [f.field]
        try:
            row = model._default_manager.exclude(**f.empty()).order_by("pk").values_list(*columns).first()
        except DatabaseError:  # that app's table is not migrated yet
            continue
        if row is None:
            continue
        try:
            clear = f.open(row[0], data_key)
        except Exception:
            data_ok = False
            continue
        if f.index and isinstance(clear, str) and blind_index(clear, index_key) != row[1]:
            index_ok = False
    return data_ok, index_ok


def store_check_values(**kwargs: Any) -> None:
    """After migrate: pin the current keys by a check value, once, if they open the data already stored."""
    from django.conf import settings
    from django.db import DatabaseError

    from .crypto import _keys
    from .models import KeyCheck

    if format_problem(DATA, settings.SHEYIN_DATA_KEY) or format_problem(INDEX, settings.SHEYIN_INDEX_KEY):
        return
    try:
        if KeyCheck.objects.exists():
            return
        data_key, index_key = _keys(settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY)
        if sample_problems(data_key, index_key) != (True, True):
            return  # the system check reports it; nothing is pinned to a wrong key
        data_check, index_check = check_values(data_key, index_key)
        KeyCheck.objects.create(pk=1, data_check=data_check, index_check=index_check)
    except DatabaseError:
        return
