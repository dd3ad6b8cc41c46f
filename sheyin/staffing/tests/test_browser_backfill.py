"""In a real browser (R9.1, Annex 6): the district records training held last week — it publishes the
session with its past dates, adds who took part, records the attendance and ends the session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.staffing.models import TrainingSession

from .factories import CourseFactory, StaffFactory


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_training_already_held_is_recorded_in_the_browser(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"), username="training_officer")
    course = CourseFactory(district=district("110105"), title="窗口业务集中培训")
    staff = StaffFactory(outlet=OutletFactory(district=district("110105")), name="补录学员")
    held = timezone.localtime() - dt.timedelta(days=7)
    url = live_server.url
    login_as(officer.username, PASSWORD)
    page.goto(url + "/staffing/training/sessions/new/")
    page.select_option("#id_course", str(course.pk))
    page.fill("#id_starts_at", held.strftime("%Y-%m-%dT09:00"))
    page.fill("#id_ends_at", held.strftime("%Y-%m-%dT13:00"))
    page.fill("#id_place", "区社保中心培训室")
    page.fill("#id_hours", "4")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")
    assert "该班次已举办" in page.content()
    page.select_option("select[name=staff]", str(staff.pk))
    page.get_by_role("button", name="补录").click()
    page.wait_for_load_state("networkidle")
    page.check("input[name=attended]")
    page.get_by_role("button", name="登记出勤").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="结束培训").click()
    page.wait_for_load_state("networkidle")
    s = TrainingSession.objects.get()
    assert s.status == "completed" and s.enrolments.get().status == "attended"
