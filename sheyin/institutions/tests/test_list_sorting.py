"""The bank list sorts by its column headers (issue 18 item 3)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def test_the_banks_sort_by_their_operating_outlets_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    names = ["A测试银行", "B测试银行", "C测试银行"]
    for name, operating in zip(names, (2, 0, 1), strict=True):
        bank = BankFactory(name=name)
        for _ in range(operating):
            OutletFactory(bank=bank, district=district("110105"), status=OutletStatus.OPERATING)
        OutletFactory(bank=bank, district=district("110105"), status=OutletStatus.SUSPENDED)  # not counted
    url = reverse("institutions:bank_list")
    assert order_on_page(client, url, names, sort="outlets") == ["B测试银行", "C测试银行", "A测试银行"]
    assert order_on_page(client, url, names, sort="-outlets") == ["A测试银行", "C测试银行", "B测试银行"]
    assert order_on_page(client, url, names, sort="-name") == ["C测试银行", "B测试银行", "A测试银行"]
    assert client.get(url, {"sort": "outlet_count"}).status_code == 400
