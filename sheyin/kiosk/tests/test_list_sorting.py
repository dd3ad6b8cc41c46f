"""The terminal list sorts by its column headers; the query log by time only (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import municipal
from sheyin.kiosk.models import Terminal
from sheyin.kiosk.tests.factories import site

pytestmark = pytest.mark.django_db


def test_the_terminals_sort_by_when_last_seen_with_never_seen_ones_last(client, reference) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    serials = ["T-0001", "T-0002", "T-0003"]
    for serial, hours in zip(serials, (3, None, 1), strict=True):
        s = site(serial=serial)
        seen = now - dt.timedelta(hours=hours) if hours is not None else None
        Terminal.objects.filter(pk=s.terminal.pk).update(last_seen_at=seen)
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    url = reverse("kiosk:terminal_list")
    assert order_on_page(client, url, serials, sort="seen") == ["T-0001", "T-0003", "T-0002"]
    assert order_on_page(client, url, serials, sort="-seen") == ["T-0003", "T-0001", "T-0002"]
    assert order_on_page(client, url, serials, sort="-serial") == serials[::-1]


def test_the_query_log_sorts_by_time_only(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    url = reverse("kiosk:query_list")
    assert client.get(url, {"sort": "-at"}).status_code == 200
    for key in ("terminal", "person_masked"):
        assert client.get(url, {"sort": key}).status_code == 400
