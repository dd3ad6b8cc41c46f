"""The grant, roster and training-session lists sort by their column headers (issue 18 item 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.tests.sorting import order_on_page
from sheyin.institutions.tests.factories import municipal
from sheyin.staffing.tests.factories import CourseFactory, SessionFactory, StaffFactory, active_grant, today

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


def test_the_training_sessions_sort_by_hours_with_a_tie_kept_in_one_order(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    titles = ["A课程", "B课程", "C课程"]
    sessions = [
        SessionFactory(course=CourseFactory(title=title), hours=Decimal(hours))
        for title, hours in zip(titles, ("16", "4", "16"), strict=True)
    ]
    url = reverse("staffing:session_list")
    # equal hours: the later record first, both ways (the primary key breaks the tie)
    assert sessions[2].pk > sessions[0].pk
    assert order_on_page(client, url, titles, sort="hours") == ["B课程", "C课程", "A课程"]
    assert order_on_page(client, url, titles, sort="-hours") == ["C课程", "A课程", "B课程"]
    # the upcoming filter keeps the chosen order
    assert order_on_page(client, url, titles, sort="-course", when="upcoming") == ["C课程", "B课程", "A课程"]


def test_the_roster_sorts_by_employee_number_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    names = ["A经办", "B经办", "C经办"]
    for name, number in zip(names, ("E300", "E100", "E200"), strict=True):
        StaffFactory(name=name, employee_no=number)
    url = reverse("staffing:staff_list")
    assert order_on_page(client, url, names, sort="employee_no") == ["B经办", "C经办", "A经办"]
    assert order_on_page(client, url, names, sort="-employee_no") == ["A经办", "C经办", "B经办"]
