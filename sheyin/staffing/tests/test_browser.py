"""In a real browser (strict CSP, htmx autosave, the countdown script): outlet staff sit an online exam, and a
district admin approves a grant. Console errors fail the test (conftest's `page` fixture)."""

from __future__ import annotations

import pytest

from sheyin.accounts.tests.factories import PASSWORD
from sheyin.staffing.models import ExamAttempt, PermissionGrant
from sheyin.staffing.workflow import AttemptStatus, GrantStatus

from .factories import CourseFactory, certified, district_users, question, staff_with_account, trained

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_outlet_staff_take_an_online_exam_with_autosave(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    trained(staff)
    course = CourseFactory(title="浏览器考试课程", exam_question_count=2, exam_minutes=10)
    single = question(course, "single", [2], text="单选：选丙")
    multiple = question(course, "multiple", [0, 1], text="多选：选甲乙")
    login_as(staff.user.username, PASSWORD)

    page.goto(live_server.url + "/staffing/my/")
    page.on("dialog", lambda d: d.accept())
    page.click("button:has-text('浏览器考试课程')")
    page.wait_for_url("**/staffing/my/attempts/*/")
    assert page.locator("#exam-timer").inner_text() != "--:--"  # the countdown script runs under the CSP

    page.check(f"#q{single.pk}-2")
    page.locator(f"#saved-{single.pk}").get_by_text("已保存").wait_for()
    page.check(f"#q{multiple.pk}-0")  # only one of the two right options: no credit
    page.locator(f"#saved-{multiple.pk}").get_by_text("已保存").wait_for()
    attempt = ExamAttempt.objects.get(staff=staff)
    assert attempt.answers.get(question=single).chosen == [2]  # saved by htmx before handing in

    page.click("button:has-text('交卷')")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=score]").inner_text() == "50.00"
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and not attempt.passed


def test_a_district_admin_approves_a_proposed_grant(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.staffing import services

    officer, admin, _ = district_users()
    staff = certified(staff_with_account())
    grant = services.grant_propose(staff=staff, channels=["W"], categories=["query"], note="", by=officer)
    login_as(admin.username, PASSWORD)
    page.goto(live_server.url + f"/staffing/grants/{grant.pk}/")
    assert page.locator("[data-testid=grant-checks] .bi-x-circle-fill").count() == 0
    page.click("button:has-text('批准')")
    page.wait_for_load_state("networkidle")
    assert "业务权限即时生效" in page.content()
    assert PermissionGrant.objects.get(pk=grant.pk).status == GrantStatus.ACTIVE
