"""接口管理 pages: clients for the municipal center, tokens for their owners; secrets shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.models import ApiClient, PersonalToken
from sheyin.api.tests.factories import api_client_for, token_for
from sheyin.common.crypto import decrypt
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, municipal

pytestmark = [pytest.mark.django_db, pytest.mark.urls("sheyin.api.tests.urls")]


@pytest.fixture
def muni(client, reference):  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    client.force_login(user)
    return user


def test_registering_shows_the_secret_once_without_caching(client, muni) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    r = client.post(
        reverse("api:client_create"), {"bank": bank.pk, "name": "前置", "rate_limit_per_minute": 600}
    )
    assert r.status_code == 200
    api_client = ApiClient.objects.get()
    secret = decrypt(api_client.secret_enc)
    assert secret in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    detail = client.get(reverse("api:client_detail", args=[api_client.pk])).content.decode()
    assert api_client.key_id in detail and secret not in detail


def test_the_form_shows_a_bad_address_on_its_field(client, muni) -> None:  # type: ignore[no-untyped-def]
    r = client.post(
        reverse("api:client_create"),
        {
            "bank": BankFactory().pk,
            "name": "x",
            "allowed_addresses": "not-an-ip",
            "rate_limit_per_minute": 10,
        },
    )
    assert "不是有效的 IP 地址或网段" in r.content.decode()
    assert not ApiClient.objects.exists()


def test_rotating_shows_a_new_secret_and_revoking_needs_a_reason(client, muni) -> None:  # type: ignore[no-untyped-def]
    api_client, old = api_client_for(BankFactory())
    r = client.post(reverse("api:client_rotate", args=[api_client.pk]))
    api_client.refresh_from_db()
    new = decrypt(api_client.secret_enc)
    assert new != old and new in r.content.decode()
    r = client.post(reverse("api:client_revoke", args=[api_client.pk]), {"reason": ""})
    assert r.status_code == 400
    r = client.post(reverse("api:client_revoke", args=[api_client.pk]), {"reason": "合作终止"})
    api_client.refresh_from_db()
    assert api_client.status == ApiClient.Status.REVOKED


def test_the_client_list_filters_by_bank(client, muni) -> None:  # type: ignore[no-untyped-def]
    a, b = BankFactory(), BankFactory()
    api_client_for(a, name="甲前置")
    api_client_for(b, name="乙前置")
    html = client.get(reverse("api:client_list"), {"bank": a.pk}).content.decode()
    assert "甲前置" in html and "乙前置" not in html


def test_a_bank_admin_cannot_open_the_client_pages(client, reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=bank))
    assert client.get(reverse("api:client_list")).status_code == 403


def test_a_user_creates_sees_and_revokes_only_their_own_tokens(client, reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    me, other = user_with_role(Role.BANK_ADMIN, bank=bank), user_with_role(Role.BANK_ADMIN, bank=bank)
    foreign, _ = token_for(other, name="别人的")
    client.force_login(me)
    r = client.post(reverse("api:token_list"), {"name": "统计脚本", "days": 30})
    mine = PersonalToken.objects.get(user=me)
    html = r.content.decode()
    assert f"syt_{mine.prefix}_" in html and "别人的" not in html
    assert client.post(reverse("api:token_revoke", args=[foreign.pk])).status_code == 404
    client.post(reverse("api:token_revoke", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.revoked_at is not None


def test_outlet_staff_have_no_token_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory()))
    assert client.get(reverse("api:token_list")).status_code == 403
