"""No flood writes the audit trail (R9.3): limits before authentication per address and per presented
credential, and refused calls counted per source and minute, one audit event per window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from sheyin.api import services, signing, throttle
from sheyin.api.models import ApiClient, RefusalCount
from sheyin.api.tests.factories import SignedClient, api_client_for
from sheyin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets"
START = 1_796_000_000.0  # the start of a minute: every request of a test falls in one window


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(throttle, "_now", lambda: START + 1)


def bogus(key_id: str = "sy_bogus_client") -> dict[str, str]:
    return signing.signed_headers(key_id, "x" * 64, "GET", OUTLETS)


def test_a_flood_of_bogus_keys_gets_429_after_the_limit_and_writes_one_audit_event(world) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    statuses = [http.get(OUTLETS, headers=bogus(), REMOTE_ADDR="203.0.113.9").status_code for _ in range(150)]

    limit = throttle.DEFAULT_AUTH_FAILURES
    assert statuses[:limit] == [401] * limit
    assert statuses[limit:] == [429] * (150 - limit)
    refused = http.get(OUTLETS, headers=bogus(), REMOTE_ADDR="203.0.113.9")
    assert refused.json()["code"] == "rate_limited"
    assert 1 <= int(refused["Retry-After"]) <= 61
    assert not AuditEvent.objects.filter(action="api.call").exists()  # no row per request
    assert sum(RefusalCount.objects.values_list("count", flat=True)) == limit

    assert services.refusals_audit(now=timezone.now() + dt.timedelta(minutes=2)) >= 1
    events = AuditEvent.objects.filter(action="api.refused")
    assert 1 <= events.count() <= 2  # one per source and minute (two if the requests spanned a minute)
    assert sum(e.after["count"] for e in events) == limit
    event = events.first()
    assert event.actor_name == "api:sy_bogus_client"
    assert event.outcome == "denied"
    assert event.client_address == "203.0.113.9"
    assert set(event.after["codes"]) == {"unknown_client"}
    assert services.refusals_audit(now=timezone.now() + dt.timedelta(minutes=3)) == 0  # each window once


def test_rotating_keys_from_one_address_are_limited_by_the_address(world) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    statuses = [
        http.get(OUTLETS, headers=bogus(f"sy_guess_{i}"), REMOTE_ADDR="203.0.113.10").status_code
        for i in range(30)
    ]
    assert statuses.count(401) == throttle.DEFAULT_AUTH_FAILURES
    assert statuses[-1] == 429


def test_one_key_from_rotating_addresses_is_limited_by_the_key(world) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    statuses = [
        http.get(OUTLETS, headers=bogus("sy_target"), REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(30)
    ]
    assert statuses.count(401) == throttle.DEFAULT_AUTH_FAILURES
    assert statuses[-1] == 429


def test_a_flooding_address_does_not_stop_a_bank_calling_from_elsewhere(world) -> None:  # type: ignore[no-untyped-def]
    http = Client()
    for _ in range(40):
        http.get(OUTLETS, headers=bogus(), REMOTE_ADDR="203.0.113.9")
    assert world["home_api"].get(OUTLETS, address="10.1.2.3").status_code == 200


def test_a_key_sent_from_outside_its_allow_list_cannot_lock_the_bank_out(world) -> None:  # type: ignore[no-untyped-def]
    client, secret = api_client_for(world["home"], name="限地址", allowed_addresses="10.1.0.0/16")
    api = SignedClient(client, secret)
    for i in range(40):
        assert api.get(OUTLETS, address=f"203.0.113.{i}").status_code in (403, 429)
    assert api.get(OUTLETS, address="10.1.44.2").status_code == 200


def test_forging_x_real_ip_does_not_escape_the_address_limit(world) -> None:  # type: ignore[no-untyped-def]
    """The peer is no trusted proxy, so its X-Real-IP and X-Forwarded-For are not believed (item 9)."""
    http = Client()
    statuses = [
        http.get(
            OUTLETS,
            headers={**bogus(f"sy_rot_{i}"), "X-Real-IP": f"192.0.2.{i}", "X-Forwarded-For": f"192.0.2.{i}"},
            REMOTE_ADDR="203.0.113.77",
        ).status_code
        for i in range(30)
    ]
    assert statuses.count(401) == throttle.DEFAULT_AUTH_FAILURES
    assert set(RefusalCount.objects.values_list("address", flat=True)) == {"203.0.113.77"}


def test_every_call_from_one_address_is_capped_before_authentication(world, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_API_ADDRESS_RATE_PER_MINUTE = 5
    http = Client()
    statuses = [http.get("/api/v1/public/outlets", REMOTE_ADDR="203.0.113.5").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2


def test_a_client_over_its_own_limit_is_counted_not_audited_per_call(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    ApiClient.objects.filter(pk=api.api_client.pk).update(rate_limit_per_minute=2)
    statuses = [api.get(OUTLETS).status_code for _ in range(12)]
    assert statuses == [200, 200] + [429] * 10
    assert AuditEvent.objects.filter(action="api.call").count() == 2  # the two answered calls
    services.refusals_audit(now=timezone.now() + dt.timedelta(minutes=2))
    event = AuditEvent.objects.get(action="api.refused")
    assert event.after["codes"] == {"rate_limited": 10}
    assert event.after["bank"] == "本行"


def test_the_rate_limit_settings_come_from_the_environment() -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.base'; django.setup(); "
        "from django.conf import settings as s; "
        "print(s.SHEYIN_API_TOKEN_RATE_PER_MINUTE, s.SHEYIN_API_PUBLIC_RATE_PER_MINUTE, "
        "s.SHEYIN_API_ADDRESS_RATE_PER_MINUTE, s.SHEYIN_API_AUTH_FAILURES_PER_MINUTE, s.SHEYIN_TRUSTED_PROXIES)"
    )
    env = {
        **os.environ,
        "SHEYIN_API_TOKEN_RATE_PER_MINUTE": "7",
        "SHEYIN_API_PUBLIC_RATE_PER_MINUTE": "8",
        "SHEYIN_API_ADDRESS_RATE_PER_MINUTE": "9",
        "SHEYIN_API_AUTH_FAILURES_PER_MINUTE": "3",
        "SHEYIN_TRUSTED_PROXIES": "127.0.0.1,10.0.0.0/8",
    }
    out = (
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "7 8 9 3 ['127.0.0.1', '10.0.0.0/8']"
