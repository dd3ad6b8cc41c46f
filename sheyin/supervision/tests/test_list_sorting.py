"""The supervision lists sort by their column headers (issue 18 item 3): findings, rectifications, the
inspections of a plan, appraisals, consultations and the banks' self-inspections."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.dashboards.tests.factories import at, inspection, outlet, rectification
from sheyin.institutions.tests.factories import municipal
from sheyin.supervision.models import Appraisal, Consultation, Inspection

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 11, 2)
NAMES = ["A网点", "B网点", "C网点"]


@pytest.fixture
def admin(client, reference):  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(user)
    return user


def test_the_rectifications_sort_by_deadline_both_ways(client, admin) -> None:  # type: ignore[no-untyped-def]
    for name, due in zip(NAMES, (10, 2, 5), strict=True):
        rectification(outlet(name=name), at(DAY), DAY + dt.timedelta(days=due))
    url = reverse("supervision:rectification_list")
    assert order_on_page(client, url, NAMES, sort="due") == ["B网点", "C网点", "A网点"]
    assert order_on_page(client, url, NAMES, sort="-due") == ["A网点", "C网点", "B网点"]
    assert client.get(url, {"sort": "requirement"}).status_code == 400


def test_the_inspections_of_a_plan_sort_by_risk(client, admin) -> None:  # type: ignore[no-untyped-def]
    rows = [inspection(outlet(name=name), DAY) for name in NAMES]
    for row, risk in zip(rows, (50, 10, 90), strict=True):
        Inspection.objects.filter(pk=row.pk).update(risk_score=risk)
    url = reverse("supervision:plan_detail", args=[rows[0].plan_id])
    assert order_on_page(client, url, NAMES, sort="risk") == ["B网点", "A网点", "C网点"]
    assert order_on_page(client, url, NAMES, sort="-risk") == ["C网点", "A网点", "B网点"]


def test_the_appraisals_sort_by_score_and_keep_the_ranking_by_default(client, admin) -> None:  # type: ignore[no-untyped-def]
    for name, score, rank in zip(NAMES, (80, 95, 60), (2, 1, 3), strict=True):
        o = outlet(name=name)
        Appraisal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, year=2026, quarter=3,
                                 score=score, grade="good", rank_city=rank)  # fmt: skip
    url = reverse("supervision:appraisal_list")
    assert order_on_page(client, url, NAMES) == ["B网点", "A网点", "C网点"]  # by city rank
    assert order_on_page(client, url, NAMES, sort="score") == ["C网点", "A网点", "B网点"]
    assert order_on_page(client, url, NAMES, sort="-rank_city") == ["C网点", "A网点", "B网点"]


def test_the_consultations_sort_by_title_and_time(client, admin) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    for title, days in (("B会商", 1), ("A会商", 3), ("C会商", 2)):
        Consultation.objects.create(agency=municipal(), title=title, held_at=now - dt.timedelta(days=days),
                                    attendees="各行")  # fmt: skip
    url = reverse("supervision:consultation_list")
    titles = ["A会商", "B会商", "C会商"]
    assert order_on_page(client, url, titles, sort="title") == titles
    assert order_on_page(client, url, titles, sort="held") == ["A会商", "C会商", "B会商"]
    assert client.get(url, {"sort": "minutes"}).status_code == 400


def test_the_findings_sort_by_number_both_ways(client, admin) -> None:  # type: ignore[no-untyped-def]
    numbers = [rectification(outlet(name=name), at(DAY), DAY).finding.number for name in NAMES]
    url = reverse("supervision:finding_list")
    assert order_on_page(client, url, numbers, sort="number") == sorted(numbers)
    assert order_on_page(client, url, numbers, sort="-number") == sorted(numbers, reverse=True)
    assert client.get(url, {"sort": "title"}).status_code == 400


def test_the_self_inspections_sort_by_period_both_ways(client, admin) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.tests.factories import BankFactory
    from sheyin.supervision.models import SelfInspection

    banks = ["A自查银行", "B自查银行", "C自查银行"]
    for name, period in zip(banks, ("2026Q3", "2026H1", "2026Q1"), strict=True):
        SelfInspection.objects.create(bank=BankFactory(name=name), period=period, summary="自查总结")
    url = reverse("supervision:self_inspection_list")
    assert order_on_page(client, url, banks, sort="period") == ["B自查银行", "C自查银行", "A自查银行"]
    assert order_on_page(client, url, banks, sort="-period") == ["A自查银行", "C自查银行", "B自查银行"]
