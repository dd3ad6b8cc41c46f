"""Key rotation on real data (common.keys, `rotate_keys`): the roster's encrypted ID and phone numbers and
their blind index are re-encrypted and re-indexed under new keys, resumably; the key check at start tries
the keys on stored data when no check value is pinned."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from sheyin.common import checks, keys
from sheyin.common.crypto import _keys, blind_index, decrypt, encrypt
from sheyin.common.models import KeyCheck

from .factories import StaffFactory

GOOD_DATA = "aa" * 16
OTHER_DATA, OTHER_INDEX = "cc" * 16, "dd" * 32


@pytest.mark.django_db
def test_without_a_check_value_the_keys_are_tried_on_the_stored_data(reference) -> None:  # type: ignore[no-untyped-def]
    StaffFactory()
    KeyCheck.objects.all().delete()
    assert checks.check_keys_match_stored_data() == []
    with override_settings(SHEYIN_INDEX_KEY=OTHER_INDEX):
        assert [e.id for e in checks.check_keys_match_stored_data()] == ["sheyin.E007"]
        keys.store_check_values()  # a wrong key is never pinned
    assert not KeyCheck.objects.exists()
    keys.store_check_values()
    assert KeyCheck.objects.filter(pk=1).exists()


# --- rotation -------------------------------------------------------------------------------------------


@pytest.fixture
def stored(reference):  # type: ignore[no-untyped-def]
    return [StaffFactory(phone=f"1390000000{i}") for i in range(5)]


def new_keys(monkeypatch) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SHEYIN_NEW_DATA_KEY", OTHER_DATA)
    monkeypatch.setenv("SHEYIN_NEW_INDEX_KEY", OTHER_INDEX)
    return _keys(OTHER_DATA, OTHER_INDEX)


@pytest.mark.django_db
def test_rotation_re_encrypts_and_re_indexes_everything_and_pins_the_new_keys(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    clear = [(decrypt(s.id_number_enc), decrypt(s.phone_enc)) for s in stored]
    data_key, index_key = new_keys(monkeypatch)
    call_command("rotate_keys", batch=2, stdout=open(os.devnull, "w"))  # noqa: SIM115
    for s, (idn, phone) in zip(stored, clear, strict=True):
        s.refresh_from_db()
        assert decrypt(s.id_number_enc, data_key) == idn and decrypt(s.phone_enc, data_key) == phone
        assert s.id_number_index == blind_index(idn, index_key)
    assert [e.id for e in checks.check_keys_match_stored_data()] == ["sheyin.E006", "sheyin.E007"]
    with override_settings(SHEYIN_DATA_KEY=OTHER_DATA, SHEYIN_INDEX_KEY=OTHER_INDEX):
        assert checks.check_keys_match_stored_data() == []
        assert KeyCheck.objects.get().rotated_at is not None


@pytest.mark.django_db
def test_an_interrupted_rotation_blocks_the_start_and_resumes_where_it_stopped(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from sheyin.common.management.commands import rotate_keys

    clear = [decrypt(s.id_number_enc) for s in stored]
    data_key, _index_key = new_keys(monkeypatch)
    real_encrypt, calls = rotate_keys.encrypt, {"n": 0}

    def failing_encrypt(plain: str, key: bytes | None = None) -> str:
        calls["n"] += 1
        if calls["n"] > 3:  # the power fails during the second batch
            raise KeyboardInterrupt
        return real_encrypt(plain, key)

    monkeypatch.setattr(rotate_keys, "encrypt", failing_encrypt)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_keys", batch=2, stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert [e.id for e in checks.check_keys_match_stored_data()] == ["sheyin.E008"]
    progress = KeyCheck.objects.get().rotation_progress
    assert progress == {"staffing.StaffMember.id_number_enc": stored[1].pk}
    monkeypatch.setattr(rotate_keys, "encrypt", real_encrypt)
    monkeypatch.setenv("SHEYIN_NEW_DATA_KEY", "ee" * 16)
    with pytest.raises(CommandError, match="另一组新密钥"):
        call_command("rotate_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    new_keys(monkeypatch)
    call_command("rotate_keys", batch=2, stdout=open(os.devnull, "w"))  # noqa: SIM115
    for s, idn in zip(stored, clear, strict=True):
        s.refresh_from_db()
        assert decrypt(s.id_number_enc, data_key) == idn


@pytest.mark.django_db
def test_rotation_refuses_without_new_keys_or_with_the_wrong_old_ones(stored, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("SHEYIN_NEW_DATA_KEY", raising=False)
    monkeypatch.delenv("SHEYIN_NEW_INDEX_KEY", raising=False)
    with pytest.raises(CommandError, match="未提供新密钥"):
        call_command("rotate_keys")
    new_keys(monkeypatch)
    with (
        override_settings(SHEYIN_DATA_KEY=GOOD_DATA),
        pytest.raises(CommandError, match="不是当前数据所用的密钥"),
    ):
        call_command("rotate_keys")
    assert not KeyCheck.objects.get().rotating
    assert encrypt("x")  # the platform's own key still works
