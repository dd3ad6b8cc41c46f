"""Domain-free helpers: the transaction-level lock and the public base URL of printed links."""

from __future__ import annotations

import pytest

from sheyin.common.db import lock_key, serialise
from sheyin.common.links import public_base_url, public_url


def test_the_lock_refuses_to_run_outside_a_transaction() -> None:
    """A lock that outlives nothing protects nothing: it must be taken inside the transaction it guards."""
    with pytest.raises(RuntimeError):
        serialise("sheyin.cooperation.layout")


def test_lock_keys_are_stable_signed_64_bit_numbers() -> None:
    key = lock_key("sheyin.cooperation.layout")
    assert key == lock_key("sheyin.cooperation.layout") != lock_key("another")
    assert -(2**63) <= key < 2**63


def test_printed_links_use_the_configured_public_base_url(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_PUBLIC_BASE_URL = "https://sheyin.example.cn/"
    assert public_base_url() == "https://sheyin.example.cn"
    assert public_url("/verify/plaque/BJ1/") == "https://sheyin.example.cn/verify/plaque/BJ1/"
    with pytest.raises(ValueError):
        public_url("http://127.0.0.1:8000/verify/")
