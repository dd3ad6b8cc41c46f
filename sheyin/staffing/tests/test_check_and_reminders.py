"""Staffing check (Annex 1) and the expiry reminders of the daily sweep."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.notifications.models import Notification
from sheyin.staffing import selectors
from sheyin.staffing.workflow import Post

from .factories import StaffFactory, active_grant, passed, signed, staff_with_account, today

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))


def row(officer, outlet):  # type: ignore[no-untyped-def]
    return selectors.staffing_check(officer).get(pk=outlet.pk)


def test_an_outlet_needs_a_certified_person_per_window_and_a_guide(officer) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(windows=2)
    w1 = StaffFactory(outlet=outlet, post=Post.WINDOW)
    active_grant(w1, channels="O,W")
    o = row(officer, outlet)
    assert (o.window_certified, o.guide_certified) == (1, 0)
    assert outlet.pk in set(
        selectors.staffing_shortfalls(selectors.staffing_check(officer)).values_list("pk", flat=True)
    )
    active_grant(StaffFactory(outlet=outlet, post=Post.WINDOW), channels="W")
    active_grant(StaffFactory(outlet=outlet, post=Post.GUIDE), channels="O,T")
    o = row(officer, outlet)
    assert (o.window_certified, o.guide_certified) == (2, 1)
    assert outlet.pk not in set(
        selectors.staffing_shortfalls(selectors.staffing_check(officer)).values_list("pk", flat=True)
    )


def test_only_grants_in_force_on_the_right_channel_count(officer) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(windows=1)
    active_grant(StaffFactory(outlet=outlet, post=Post.WINDOW), channels="O,T")  # no window channel
    active_grant(
        StaffFactory(outlet=outlet, post=Post.WINDOW),
        channels="W",
        valid_until=today() - dt.timedelta(days=1),
    )
    active_grant(StaffFactory(outlet=outlet, post=Post.GUIDE), channels="T")  # no online channel
    active_grant(StaffFactory(outlet=outlet, post=Post.WINDOW, status="left"), channels="W")
    o = row(officer, outlet)
    assert (o.window_certified, o.guide_certified) == (0, 0)


def test_the_check_page_lists_shortfalls(client, officer) -> None:  # type: ignore[no-untyped-def]

    OutletFactory(name="缺员网点")
    client.force_login(officer)
    body = client.get("/staffing/check/").content.decode()
    assert "缺员网点" in body and "缺引导员1人" in body


def test_reminders_go_to_staff_manager_and_district_once(officer) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    soon = today() + dt.timedelta(days=10)
    active_grant(staff, valid_until=soon)
    passed(staff, valid_until=soon)
    signed(staff, valid_until=soon)
    call_command("staffing_sweep", verbosity=0)
    titles = set(Notification.objects.filter(user=staff.user).values_list("title", flat=True))
    assert any("业务权限将于" in t for t in titles)
    assert any("考核合格将于" in t for t in titles)
    assert any("保密协议将于" in t for t in titles)
    assert Notification.objects.filter(user=manager, kind="deadline").count() == 3
    assert Notification.objects.filter(user=officer, kind="deadline").count() == 3
    before = Notification.objects.count()
    call_command("staffing_sweep", verbosity=0)
    assert Notification.objects.count() == before  # idempotent


def test_far_expiries_are_not_reminded(officer) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    active_grant(staff, valid_until=today() + dt.timedelta(days=200))
    call_command("staffing_sweep", verbosity=0)
    assert not Notification.objects.filter(user=staff.user).exists()
