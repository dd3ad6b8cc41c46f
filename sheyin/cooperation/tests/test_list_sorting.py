"""The agreement list sorts by its column headers (issue 18 item 3); the filing list shares its keys."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.cooperation.models import Agreement
from sheyin.cooperation.tests.factories import municipal_agreement_direct
from sheyin.institutions.tests.factories import BankFactory, municipal

pytestmark = pytest.mark.django_db


def test_the_agreements_sort_by_number_and_end_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    numbers = ["XY-B", "XY-A", "XY-C"]
    for number, years in zip(numbers, (3, 1, 2), strict=True):
        ag = municipal_agreement_direct(BankFactory(), start=dt.date(2026, 1, 1), years=years)
        Agreement.objects.filter(pk=ag.pk).update(number=number)
    url = reverse("cooperation:agreement_list")
    assert order_on_page(client, url, numbers, sort="number") == ["XY-A", "XY-B", "XY-C"]
    assert order_on_page(client, url, numbers, sort="-number") == ["XY-C", "XY-B", "XY-A"]
    assert order_on_page(client, url, numbers, sort="end") == ["XY-A", "XY-C", "XY-B"]
    for name in ("cooperation:agreement_list", "cooperation:filing_list", "cooperation:application_list"):
        assert client.get(reverse(name), {"sort": "body"}).status_code == 400
