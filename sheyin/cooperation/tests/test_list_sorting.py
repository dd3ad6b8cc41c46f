"""The agreement list sorts by its column headers (issue 18 item 3); the filing list shares its keys; the banks' applications sort too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.cooperation.models import Agreement, BankApplication
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


def test_the_bank_applications_sort_by_planned_outlets_with_unsent_ones_last_by_submission(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    numbers = ["YH-A", "YH-B", "YH-C"]
    submitted = dt.datetime(2026, 11, 2, 9, tzinfo=dt.UTC)
    for number, planned, days in zip(numbers, (8, 3, 8), (1, None, 0), strict=True):
        BankApplication.objects.create(
            number=number, bank=BankFactory(), contact_name="联系人", contact_phone="010-12345678",
            planned_outlets=planned, proposal="合作方案", status="submitted" if days is not None else "draft",
            submitted_at=submitted + dt.timedelta(days=days) if days is not None else None,
        )  # fmt: skip
    url = reverse("cooperation:bank_application_list")
    # equal counts: the later record first, both ways
    assert order_on_page(client, url, numbers, sort="planned") == ["YH-B", "YH-C", "YH-A"]
    assert order_on_page(client, url, numbers, sort="-planned") == ["YH-C", "YH-A", "YH-B"]
    # a draft has no submission time: last, both ways
    assert order_on_page(client, url, numbers, sort="submitted") == ["YH-C", "YH-A", "YH-B"]
    assert order_on_page(client, url, numbers, sort="-submitted") == ["YH-A", "YH-C", "YH-B"]
