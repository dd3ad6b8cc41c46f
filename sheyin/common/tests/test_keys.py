"""Keys are checked when a process starts (等保/密评): missing, malformed, published or wrong keys stop it
with a Chinese and English message; `rotate_keys` re-encrypts and re-indexes, resumably."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import SystemCheckError
from django.test import override_settings

from sheyin.common import checks, keys
from sheyin.common.crypto import blind_index, decrypt
from sheyin.common.models import KeyCheck

GOOD_DATA, GOOD_INDEX = "aa" * 16, "bb" * 32
OTHER_DATA, OTHER_INDEX = "cc" * 16, "dd" * 32
PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SHEYIN_SECRET_KEY": "k" * 30 + "-production-like-secret-key-0123456789",
    "SHEYIN_DATA_KEY": GOOD_DATA,
    "SHEYIN_INDEX_KEY": GOOD_INDEX,
    "SHEYIN_ALLOWED_HOSTS": "sheyin.example.cn",
}


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` in a fresh process, on its own SQLite file (never the developer's database)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SHEYIN_", "DJANGO_", "DATABASE_URL"))}
    base["DATABASE_URL"] = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env={**base, **env},
        capture_output=True, text=True, check=False,
    )  # fmt: skip


# --- at start, in a real process ----------------------------------------------------------------------


def test_a_wrong_data_key_stops_the_process_at_start_with_the_message(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.base", "SHEYIN_DEMO_MODE": "false",
           "SHEYIN_SECRET_KEY": PRODUCTION["SHEYIN_SECRET_KEY"], "SHEYIN_INDEX_KEY": GOOD_INDEX}  # fmt: skip
    first = manage(tmp_path, "migrate", "common", "-v0", SHEYIN_DATA_KEY=GOOD_DATA, **env)
    assert first.returncode == 0, first.stderr
    assert manage(tmp_path, "check", SHEYIN_DATA_KEY=GOOD_DATA, **env).returncode == 0
    wrong = manage(tmp_path, "check", SHEYIN_DATA_KEY=OTHER_DATA, **env)
    assert wrong.returncode != 0
    assert "sheyin.E006" in wrong.stderr
    assert (
        "与数据库中数据加密所用的密钥不一致" in wrong.stderr
        and "is not the key the stored data" in wrong.stderr
    )
    wrong_index = manage(
        tmp_path, "check", SHEYIN_DATA_KEY=GOOD_DATA, **{**env, "SHEYIN_INDEX_KEY": OTHER_INDEX}
    )
    assert wrong_index.returncode != 0 and "sheyin.E007" in wrong_index.stderr


@pytest.mark.parametrize(
    ("value", "words"), [("", "未设置"), ("zz", "格式不正确"), ("ab" * 15, "32位十六进制")]
)
def test_a_missing_or_malformed_data_key_stops_the_process(tmp_path, value: str, words: str) -> None:  # type: ignore[no-untyped-def]
    out = manage(tmp_path, "check", **{**PRODUCTION, "SHEYIN_DATA_KEY": value})
    assert out.returncode != 0 and "sheyin.E001" in out.stderr and words in out.stderr


@pytest.mark.parametrize(
    ("setting", "value", "code"),
    [("SHEYIN_SECRET_KEY", keys.BUILTIN_SECRET_KEY, "sheyin.E005"),
     ("SHEYIN_DATA_KEY", keys.BUILTIN_DATA_KEY, "sheyin.E003"),
     ("SHEYIN_INDEX_KEY", keys.BUILTIN_INDEX_KEY, "sheyin.E004")],
)  # fmt: skip
def test_check_deploy_fails_on_each_key_published_in_the_repository(
    tmp_path, setting: str, value: str, code: str
) -> None:  # type: ignore[no-untyped-def]
    out = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **{**PRODUCTION, setting: value})
    assert out.returncode != 0 and code in out.stderr and "公开" in out.stderr, out.stderr


def test_only_demo_settings_fall_back_to_the_built_in_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    demo = manage(tmp_path, "check", DJANGO_SETTINGS_MODULE="config.settings.base", SHEYIN_DEMO_MODE="true")
    assert demo.returncode == 0, demo.stderr
    real = manage(tmp_path, "check", DJANGO_SETTINGS_MODULE="config.settings.base", SHEYIN_DEMO_MODE="false",
                  SHEYIN_SECRET_KEY=PRODUCTION["SHEYIN_SECRET_KEY"])  # fmt: skip
    assert real.returncode != 0 and "sheyin.E001" in real.stderr and "sheyin.E002" in real.stderr


# --- the checks themselves (in process, on the test database) -----------------------------------------


@pytest.mark.django_db
def test_the_test_database_pins_its_keys_at_migrate_and_they_pass() -> None:
    row = KeyCheck.objects.get(pk=1)
    assert decrypt(row.data_check) == keys.CHECK_TEXT and row.index_check == blind_index(keys.CHECK_TEXT)
    assert checks.check_keys_match_stored_data() == []
    checks.require_keys_at_start()


@pytest.mark.django_db
def test_the_worker_refuses_to_boot_with_a_wrong_key() -> None:
    with (
        override_settings(SHEYIN_DATA_KEY=OTHER_DATA),
        pytest.raises(SystemCheckError, match=r"sheyin\.E006"),
    ):
        checks.require_keys_at_start()


@override_settings(DEMO_MODE=False)
def test_published_keys_are_refused_outside_demo_mode() -> None:
    ids = {e.id for e in checks.check_key_settings()}
    assert {"sheyin.E003", "sheyin.E004", "sheyin.E005"} <= ids
