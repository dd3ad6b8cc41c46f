"""The ratings and bad-review lists sort by their column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.dashboards.tests.factories import at, outlet, rating
from sheyin.institutions.tests.factories import municipal

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 2)


@pytest.fixture
def admin(client, reference):  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(user)
    return user


def test_the_ratings_sort_by_level_both_ways(client, admin) -> None:  # type: ignore[no-untyped-def]
    for name, level in (("A网点", 3), ("B网点", 1), ("C网点", 5)):
        rating(outlet(name=name), at(DAY), level=level)
    url = reverse("ratings:list")
    names = ["A网点", "B网点", "C网点"]
    assert order_on_page(client, url, names, sort="level") == ["B网点", "A网点", "C网点"]
    assert order_on_page(client, url, names, sort="-level") == ["C网点", "A网点", "B网点"]
    assert order_on_page(client, url, names, sort="outlet") == names


def test_the_bad_reviews_sort_by_their_deadline(client, admin) -> None:  # type: ignore[no-untyped-def]
    for name, day in (("A网点", 10), ("B网点", 2), ("C网点", 5)):
        rating(outlet(name=name), at(DAY + dt.timedelta(days=day)), level=1)
    url = reverse("ratings:bad_list")
    names = ["A网点", "B网点", "C网点"]
    assert order_on_page(client, url, names, sort="due") == ["B网点", "C网点", "A网点"]
    assert order_on_page(client, url, names, sort="-due") == ["A网点", "C网点", "B网点"]


def test_an_unknown_sort_key_is_refused(client, admin) -> None:  # type: ignore[no-untyped-def]
    for name in ("ratings:list", "ratings:bad_list"):
        assert client.get(reverse(name), {"sort": "comment"}).status_code == 400
