"""The grant list sorts by its column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import municipal
from sheyin.staffing.tests.factories import StaffFactory, active_grant, today

pytestmark = pytest.mark.django_db


def test_the_grants_sort_by_expiry_and_person_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    names = ["A经办", "B经办", "C经办"]
    for name, days in zip(names, (300, 100, 200), strict=True):
        active_grant(StaffFactory(name=name), valid_until=today() + dt.timedelta(days=days))
    url = reverse("staffing:grant_list")
    assert order_on_page(client, url, names, sort="until") == ["B经办", "C经办", "A经办"]
    assert order_on_page(client, url, names, sort="-until") == ["A经办", "C经办", "B经办"]
    assert order_on_page(client, url, names, sort="staff") == names
    assert client.get(url, {"sort": "revoke_note"}).status_code == 400
