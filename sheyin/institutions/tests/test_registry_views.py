"""Registry pages: forms show Chinese field errors and change nothing on bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import Bank, Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def test_the_old_register_page_leads_to_the_outlet_application_and_creates_nothing(client, reference) -> None:  # type: ignore[no-untyped-def]
    """R4.2: 合作网点 › 登记网点 no longer registers an outlet; a bank is led to the outlet application."""
    bank = BankFactory()
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=bank))
    resp = client.post(
        reverse("institutions:outlet_create"),
        {"bank": bank.pk, "name": "网点", "district": district("110105").pk, "address": "某路",
         "lon": 116.47, "lat": 39.92, "opening_hours": "9-17", "windows": 1, "terminals": 1,
         "online_counters": 1, "document_cameras": 1, "card_machines": 1},
    )  # fmt: skip
    assert resp.status_code == 302 and resp["Location"] == reverse("cooperation:application_create")
    assert not Outlet.objects.exists()
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    resp = client.get(reverse("institutions:outlet_create"), follow=True)
    assert "须通过网点设立申请登记" in resp.content.decode()
    assert "登记网点" not in client.get(reverse("institutions:outlet_list")).content.decode()


def test_the_edit_page_saves_contact_details_only(client, reference) -> None:  # type: ignore[no-untyped-def]
    """R3.1, R8.4: the old full edit form posted to the edit page changes the phone and nothing else."""
    outlet = OutletFactory(windows=1, terminals=2, card_machines=1)
    client.force_login(user_with_role(Role.OUTLET_MANAGER, outlet=outlet))
    url = reverse("institutions:outlet_edit", args=[outlet.pk])
    page = client.get(url).content.decode()
    assert "申请变更" in page and 'name="lon"' not in page
    resp = client.post(url, {"opening_hours": "周一至周五 9:00-17:00", "phone": "010-65001111",
                             "lon": outlet.lon + 0.0004, "lat": outlet.lat, "terminals": 0, "card_machines": 0,
                             "district": district("110108").pk})  # fmt: skip
    assert resp.status_code == 302
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert fresh.phone == "010-65001111"
    assert (fresh.lon, fresh.terminals, fresh.card_machines, fresh.district_id) == (
        outlet.lon, 2, 1, outlet.district_id,
    )  # fmt: skip


def test_the_edit_page_shows_a_bad_phone_in_chinese_and_saves_nothing(client, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(phone="010-65000000")
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=outlet.bank))
    resp = client.post(reverse("institutions:outlet_edit", args=[outlet.pk]),
                       {"opening_hours": "9-17", "phone": "电话"})  # fmt: skip
    assert resp.status_code == 200 and "电话号码格式不正确" in resp.content.decode()
    assert Outlet.objects.get(pk=outlet.pk).phone == "010-65000000"


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
