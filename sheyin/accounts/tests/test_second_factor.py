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
@pytest.mark.parametrize("role", [Role.BANK_ADMIN, Role.OUTLET_MANAGER, Role.OUTLET_STAFF])
def test_bank_and_outlet_roles_reach_personal_data_so_they_need_the_second_factor_too(
    client, reference, role
) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    user = (
        user_with_role(role, bank=outlet.bank)
        if role == Role.BANK_ADMIN
        else user_with_role(role, outlet=outlet)
    )
    client.force_login(user)
    resp = client.get(reverse("staffing:staff_list"))
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:second_factor"))


@override_settings(SHEYIN_REQUIRE_2FA=True, SHEYIN_2FA_ROLES=["municipal_admin", "district_admin"])
def test_the_roles_that_need_it_are_a_setting(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory())
    client.force_login(staff)
    assert client.get(reverse("dashboards:home")).status_code == 200


def test_production_requires_it_of_every_role_by_default() -> None:
    from config.settings import base

    assert set(base.SHEYIN_2FA_ROLES) == {r.value for r in Role}
    assert base.SHEYIN_REQUIRE_2FA is (not base.DEMO_MODE)


@override_settings(SHEYIN_REQUIRE_2FA=True, OTP_TOTP_THROTTLE_FACTOR=0)
def test_a_bank_admin_enrols_on_their_own_and_the_profile_shows_it(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.tests.factories import BankFactory

    admin = user_with_role(Role.BANK_ADMIN, bank=BankFactory())
    client.force_login(admin)
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "可以接触个人信息" in page and "<svg" in page
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    ok = client.post(
        reverse("accounts:second_factor"), {"token": code_for(device), "next": "/accounts/profile/"}
    )
    assert ok.status_code == 302 and ok["Location"] == "/accounts/profile/"
    assert "已绑定" in client.get(reverse("accounts:profile")).content.decode()
    assert AuditEvent.objects.filter(action="auth.2fa_enrol", actor=admin, outcome="success").exists()


@override_settings(SHEYIN_REQUIRE_2FA=False, OTP_TOTP_THROTTLE_FACTOR=0)
def test_anyone_may_enrol_voluntarily_from_the_profile(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory())
    client.force_login(staff)
    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "绑定动态口令" in profile
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert "绑定后，每次登录" in page


def test_the_security_admin_resets_a_lost_device_on_the_user_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    TOTPDevice.objects.create(user=admin, name="totp", confirmed=True)
    sec = user_with_role(Role.SECURITY_ADMIN, agency=municipal())
    client.force_login(sec)
    page = client.get(reverse("accounts:user_detail", args=[admin.pk])).content.decode()
    assert "重置动态口令" in page
    client.post(reverse("accounts:user_reset_second_factor", args=[admin.pk]), {"reason": "手机丢失"})
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_reset", reason="手机丢失").exists()


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


@override_settings(SHEYIN_2FA_ROLES=["bank_admin", "bank_admn"])
def test_a_misspelt_role_in_the_setting_stops_the_process() -> None:
    from sheyin.accounts.checks import check_second_factor_roles

    (error,) = check_second_factor_roles()
    assert error.id == "sheyin.E010" and "bank_admn" in error.msg
