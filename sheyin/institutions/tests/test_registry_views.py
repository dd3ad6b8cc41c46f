"""Registry pages: forms show Chinese field errors and change nothing on bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import Bank, Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def test_the_outlet_form_shows_the_district_mismatch_on_the_field(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    bank = BankFactory()
    resp = client.post(
        reverse("institutions:outlet_create"),
        {"bank": bank.pk, "name": "网点", "district": district("110101").pk, "address": "某路",
         "lon": 116.31, "lat": 39.99, "opening_hours": "9-17", "windows": 1, "terminals": 1,
         "online_counters": 1, "document_cameras": 1, "card_machines": 1},
    )  # fmt: skip
    assert resp.status_code == 200
    assert "坐标位于海淀区" in resp.content.decode()
    assert not Outlet.objects.exists()


def test_the_bank_form_refuses_a_bad_credit_code(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    resp = client.post(
        reverse("institutions:bank_create"), {"name": "某银行", "short_name": "某", "uscc": "123"}
    )
    assert "统一社会信用代码应为18位" in resp.content.decode()
    assert not Bank.objects.exists()


def test_an_outlet_manager_edits_only_its_own_outlet(client, reference) -> None:  # type: ignore[no-untyped-def]
    mine, other = OutletFactory(), OutletFactory()
    client.force_login(user_with_role(Role.OUTLET_MANAGER, outlet=mine))
    assert client.get(reverse("institutions:outlet_edit", args=[mine.pk])).status_code == 200
    assert client.get(reverse("institutions:outlet_edit", args=[other.pk])).status_code == 404


def test_outlet_staff_cannot_open_the_edit_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    client.force_login(user_with_role(Role.OUTLET_STAFF, outlet=outlet))
    assert client.get(reverse("institutions:outlet_edit", args=[outlet.pk])).status_code == 403


def test_the_home_page_counts_only_what_is_in_scope(client, reference) -> None:  # type: ignore[no-untyped-def]
    OutletFactory(district=district("110105"))
    OutletFactory(district=district("110108"))
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=district("110105")))
    body = client.get(reverse("dashboards:home")).content.decode()
    assert 'data-testid="outlet-total">1<' in body


def test_an_outlet_manager_home_page_shows_the_outlet_not_city_figures(client, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(name="本网点首页测试")
    client.force_login(user_with_role(Role.OUTLET_MANAGER, outlet=outlet))
    body = client.get(reverse("dashboards:home")).content.decode()
    assert "本网点首页测试" in body
    assert 'data-testid="outlet-total"' not in body
