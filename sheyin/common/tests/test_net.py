"""The client's address: forwarded headers are believed only from configured proxies (R9.3)."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from sheyin.common.net import client_address


def request(remote: str, **headers: str):  # type: ignore[no-untyped-def]
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **meta)


def test_without_trusted_proxies_the_socket_address_is_the_client(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_TRUSTED_PROXIES = []
    assert (
        client_address(request("203.0.113.9", x_real_ip="10.9.9.9", x_forwarded_for="10.8.8.8"))
        == "203.0.113.9"
    )


def test_a_client_that_is_no_proxy_cannot_claim_another_address(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(request("203.0.113.9", x_real_ip="192.0.2.1")) == "203.0.113.9"
    assert client_address(request("203.0.113.9", x_forwarded_for="192.0.2.1")) == "203.0.113.9"


def test_our_proxy_is_believed_first_for_x_real_ip(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(request("127.0.0.1", x_real_ip="198.51.100.7", x_forwarded_for="192.0.2.1")) == (
        "198.51.100.7"
    )


def test_x_forwarded_for_is_read_from_the_right_skipping_trusted_hops(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    # a forged left-most entry, then the real client, then our own load balancer
    forwarded = "192.0.2.66, 198.51.100.7, 10.0.0.5"
    assert client_address(request("127.0.0.1", x_forwarded_for=forwarded)) == "198.51.100.7"


@pytest.mark.parametrize("junk", ["not-an-ip", "1.2.3.4.5", "<script>", "198.51.100.7\x00", ""])
def test_malformed_forwarded_values_are_ignored(settings, junk) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_TRUSTED_PROXIES = ["127.0.0.1"]
    assert client_address(request("127.0.0.1", x_real_ip=junk, x_forwarded_for=junk)) == "127.0.0.1"


@pytest.mark.django_db
def test_the_audit_trail_and_the_login_lockout_use_the_same_address(client, settings) -> None:  # type: ignore[no-untyped-def]
    from axes.helpers import get_client_ip_address

    settings.SHEYIN_TRUSTED_PROXIES = ["127.0.0.1"]
    req = request("127.0.0.1", x_real_ip="198.51.100.7")
    assert get_client_ip_address(req) == "198.51.100.7"
    forged = request("203.0.113.9", x_real_ip="198.51.100.7")
    assert get_client_ip_address(forged) == "203.0.113.9"
