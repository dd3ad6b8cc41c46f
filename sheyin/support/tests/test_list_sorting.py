"""The ticket list sorts by its column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.dashboards.tests.factories import at, outlet, ticket
from sheyin.institutions.tests.factories import municipal

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 2)


def test_the_tickets_sort_by_number_and_deadline_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    numbers = []
    for due in (10, 2, 5):
        t = ticket(outlet(), at(DAY), close_due=DAY + dt.timedelta(days=due))
        numbers.append(t.number)
    url = reverse("support:ticket_list")
    a, b, c = numbers
    assert order_on_page(client, url, numbers, sort="close_due") == [b, c, a]
    assert order_on_page(client, url, numbers, sort="-close_due") == [a, c, b]
    assert order_on_page(client, url, numbers, sort="number") == sorted(numbers)
    assert order_on_page(client, url, numbers, sort="-number") == sorted(numbers, reverse=True)
    assert client.get(url, {"sort": "description"}).status_code == 400
