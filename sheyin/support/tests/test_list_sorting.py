"""The ticket and remote-guidance lists sort by their column headers (issue 18 item 3)."""

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


def test_the_guidance_sessions_sort_by_duration_with_a_tie_kept_in_one_order(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.support.models import GuidanceSession

    host = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(host)
    topics = ["A指导", "B指导", "C指导"]
    o = outlet()
    for topic, minutes in zip(topics, (45, 15, 45), strict=True):
        GuidanceSession.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, held_at=at(DAY),
                                       duration_minutes=minutes, topic=topic, outcome="solved", host=host)  # fmt: skip
    url = reverse("support:guidance_list")
    # equal durations: the later record first, both ways
    assert order_on_page(client, url, topics, sort="minutes") == ["B指导", "C指导", "A指导"]
    assert order_on_page(client, url, topics, sort="-minutes") == ["C指导", "A指导", "B指导"]
