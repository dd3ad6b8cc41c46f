"""The handover and guided self-service lists sort by their column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework.models import GuidedSession, HandoverBatch
from sheyin.common.tests.sorting import order_on_page
from sheyin.dashboards.tests.factories import outlet
from sheyin.institutions.tests.factories import municipal

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 2)


def test_the_handovers_sort_by_deadline_and_number_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(admin)
    numbers = ["YJ-B", "YJ-A", "YJ-C"]
    for number, days in zip(numbers, (10, 2, 5), strict=True):
        o = outlet()
        HandoverBatch.objects.create(number=number, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                     created_by=admin, due_date=DAY + dt.timedelta(days=days), status="sent")  # fmt: skip
    url = reverse("casework:handover_list")
    assert order_on_page(client, url, numbers, sort="due") == ["YJ-A", "YJ-C", "YJ-B"]
    assert order_on_page(client, url, numbers, sort="-due") == ["YJ-B", "YJ-C", "YJ-A"]
    assert order_on_page(client, url, numbers, sort="number") == ["YJ-A", "YJ-B", "YJ-C"]
    assert client.get(url, {"sort": "note"}).status_code == 400


def test_the_guided_sessions_sort_by_duration_with_unfinished_ones_last(client, reference) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(admin)
    services = ["A网厅服务", "B网厅服务", "C网厅服务"]
    o = outlet()
    start = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    for name, seconds in zip(services, (600, None, 120), strict=True):
        GuidedSession.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, guide=admin,
                                     service_name=name, started_at=start, duration_seconds=seconds,
                                     **({"status": "finished", "outcome": "completed", "ended_at": start
                                         + dt.timedelta(seconds=seconds)} if seconds else {}))  # fmt: skip
    url = reverse("casework:guided_list")
    assert order_on_page(client, url, services, sort="minutes") == ["C网厅服务", "A网厅服务", "B网厅服务"]
    assert order_on_page(client, url, services, sort="-minutes") == ["A网厅服务", "C网厅服务", "B网厅服务"]
