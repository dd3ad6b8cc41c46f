"""Two factors for agency and administrator roles (等保 level 3), with TOTP enrolment."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@override_settings(SHEYIN_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)  # no back-off between the two tries
def test_a_district_officer_must_enrol_and_then_reaches_the_workbench(client, reference) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district())
    client.force_login(officer)
    resp = client.get(reverse("dashboards:home"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:second_factor"))
    page = client.get(resp["Location"]).content.decode()
    assert "<svg" in page and "扫描下方二维码" in page
    device = TOTPDevice.objects.get(user=officer, confirmed=False)
    bad = client.post(
        reverse("accounts:second_factor"), {"token": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "动态口令不正确" in bad.content.decode()
    ok = client.post(reverse("accounts:second_factor"), {"token": code_for(device), "next": "/workbench/"})
    assert ok.status_code == 302 and ok["Location"] == "/workbench/"
    assert client.get(reverse("dashboards:home")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrol", outcome="success").exists()


@override_settings(SHEYIN_REQUIRE_2FA=True)
def test_outlet_staff_are_not_asked_for_a_second_factor(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory())
    client.force_login(staff)
    assert client.get(reverse("dashboards:home")).status_code == 200


@override_settings(SHEYIN_REQUIRE_2FA=False)
def test_an_enrolled_device_is_always_asked_for(client, reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    TOTPDevice.objects.create(user=admin, name="totp", confirmed=True)
    client.force_login(admin)
    assert client.get(reverse("dashboards:home")).status_code == 302


def test_the_security_admin_resets_a_lost_device(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.twofactor import totp_reset

    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    TOTPDevice.objects.create(user=admin, name="totp", confirmed=True)
    sec = user_with_role(Role.SECURITY_ADMIN, agency=municipal())
    totp_reset(user=admin, reason="手机丢失", by=sec)
    assert not TOTPDevice.objects.filter(user=admin).exists()
