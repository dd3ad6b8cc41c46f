"""System checks run by every process at start (runserver, gunicorn through config/wsgi.py, Huey workers,
management commands): the keys (see `common.keys`) and the published defaults (design: 等保 level 3).

Messages are for operators and speak Chinese and English together."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register
from django.db import DatabaseError

from . import keys

KEYS_TAG = "keys"
HINT_GENERATE = (
    '生成新密钥：python -c "import secrets; print(secrets.token_hex(16))"（数据密钥）或 token_hex(32)（索引密钥），'
    '保存在密钥管理系统中。/ Generate one with python -c "import secrets; print(secrets.token_hex(16))"'
    " (data key) or token_hex(32) (index key) and keep it in the key management system."
)


@register(KEYS_TAG, "security")
def check_key_settings(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Each key present and well formed; outside demo and test settings, none of the published ones."""
    errors: list[Error] = []
    for n, spec in enumerate((keys.DATA, keys.INDEX), start=1):
        value = getattr(settings, spec.setting, "")
        problem = keys.format_problem(spec, value)
        if problem:
            errors.append(Error(problem, hint=HINT_GENERATE, id=f"sheyin.E00{n}"))
        elif keys.is_builtin(spec, value) and not settings.DEMO_MODE:
            errors.append(Error(
                f"{spec.setting}（{spec.what}）使用了代码仓库中公开的内置密钥，只能用于演示和测试。"
                f" / {spec.setting} ({spec.what_en}) is the built-in key published in the repository:"
                " demo and test settings only.",
                hint=HINT_GENERATE, id=f"sheyin.E00{n + 2}",
            ))  # fmt: skip
    if settings.SECRET_KEY == keys.BUILTIN_SECRET_KEY and not settings.DEMO_MODE:
        errors.append(Error(
            "SHEYIN_SECRET_KEY 使用了代码仓库中公开的内置值，会话和签名可被伪造。"
            " / SHEYIN_SECRET_KEY is the built-in value published in the repository: sessions and"
            " signatures could be forged.",
            hint="python -c \"import secrets; print(secrets.token_urlsafe(50))\"", id="sheyin.E005",
        ))  # fmt: skip
    return errors


@register(KEYS_TAG, "security")
def check_keys_match_stored_data(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """The keys are the ones the stored data was encrypted and indexed with."""
    from .crypto import _keys
    from .models import KeyCheck

    if keys.format_problem(keys.DATA, settings.SHEYIN_DATA_KEY) or keys.format_problem(
        keys.INDEX, settings.SHEYIN_INDEX_KEY
    ):
        return []  # reported above
    data_key, index_key = _keys(settings.SHEYIN_DATA_KEY, settings.SHEYIN_INDEX_KEY)
    try:
        row = KeyCheck.objects.filter(pk=1).first()
        if row is not None and row.rotating:
            return [Error(
                "密钥轮换尚未完成：部分数据已用新密钥加密。请用同一组新、旧密钥再次运行 manage.py rotate_keys 完成轮换后再启动。"
                " / A key rotation is unfinished: part of the data is already under the new keys. Run"
                " manage.py rotate_keys again with the same old and new keys to finish it before starting.",
                id="sheyin.E008",
            )]  # fmt: skip
        if row is not None:
            data_ok, index_ok = keys.matches(row.data_check, row.index_check, data_key, index_key)
        else:
            data_ok, index_ok = keys.sample_problems(data_key, index_key)
    except DatabaseError:
        return []  # no database yet (before the first migrate): nothing stored to compare with
    errors = []
    if not data_ok:
        errors.append(Error(
            "SHEYIN_DATA_KEY（个人信息加密密钥）与数据库中数据加密所用的密钥不一致，无法解密已存储的数据。"
            " / SHEYIN_DATA_KEY (personal data encryption key) is not the key the stored data was"
            " encrypted with: nothing stored could be decrypted.",
            hint="请使用加密这些数据时的密钥；更换密钥须用 manage.py rotate_keys（见 docs/operations.md）。"
            " / Use the key the data was encrypted with; change keys only with manage.py rotate_keys"
            " (docs/operations.md).",
            id="sheyin.E006",
        ))  # fmt: skip
    if not index_ok:
        errors.append(Error(
            "SHEYIN_INDEX_KEY（检索索引密钥）与数据库中索引所用的密钥不一致，按证件号码将查不到任何人。"
            " / SHEYIN_INDEX_KEY (blind index key) is not the key the stored indexes were made with:"
            " no one could be found by ID number.",
            hint="请使用建立这些索引时的密钥；更换密钥须用 manage.py rotate_keys（见 docs/operations.md）。"
            " / Use the key the indexes were made with; change keys only with manage.py rotate_keys"
            " (docs/operations.md).",
            id="sheyin.E007",
        ))  # fmt: skip
    return errors


@register("security", deploy=True)
def check_not_demo(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    if settings.DEMO_MODE:
        return [Error(
            "演示模式（SHEYIN_DEMO_MODE）已开启：演示账号的密码是公开的，不能用于生产。"
            " / Demo mode (SHEYIN_DEMO_MODE) is on: the demo accounts' passwords are public; never in"
            " production.",
            id="sheyin.E009",
        )]  # fmt: skip
    return []


def require_keys_at_start() -> None:
    """For servers that run no management command (gunicorn, uvicorn): the key checks, before the first
    request. Raises SystemCheckError, so the worker does not boot."""
    from django.core.checks import run_checks
    from django.core.management.base import SystemCheckError

    errors = [e for e in run_checks(tags=[KEYS_TAG]) if e.is_serious()]
    if errors:
        raise SystemCheckError("\n".join(f"{e.id}: {e.msg}" for e in errors))
