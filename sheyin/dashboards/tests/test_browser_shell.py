"""The shell in a real browser (Debian's chromium): login, home, outlet list and detail, audit page."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.audit.chain import seal_pending
from sheyin.institutions.tests.factories import OutletFactory, district, municipal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_district_admin_logs_in_and_walks_to_an_outlet(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(district=district("110105"), name="望京社保服务网点")
    OutletFactory(district=district("110108"), name="海淀网点不可见")
    admin = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    page.goto(live_server.url + "/accounts/login/")
    assert page.locator("h1").inner_text().strip().endswith("社银合作管理平台")
    login_as(admin.username, PASSWORD)
    assert page.locator("[data-testid=outlet-total]").inner_text() == "1"
    page.fill("#nav-search", "合作网点")  # the menu's groups start closed: find the entry by name
    page.locator("#sidebar").get_by_role("link", name="合作网点").click()
    page.wait_for_load_state("networkidle")
    rows = page.locator("tbody tr")
    assert rows.count() == 1 and "望京社保服务网点" in rows.first.inner_text()
    page.fill("#q", "不存在的网点")
    page.press("#q", "Enter")
    page.wait_for_selector("text=没有符合条件的网点。")
    page.goto(live_server.url + f"/institutions/outlets/{outlet.pk}/")
    page.wait_for_selector("#outlet-map canvas")  # the ECharts map drew on the local boundaries
    assert "朝阳区" in page.locator("main").inner_text()


def test_the_audit_admin_sees_the_chain_status_and_filters(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    login_as(auditor.username, PASSWORD)
    seal_pending()
    page.goto(live_server.url + "/audit/?action=auth.login")
    page.wait_for_selector("[data-testid=chain-ok]")
    assert "登录" in page.locator("tbody").inner_text()  # the action in words, not its code


def test_switching_to_english_translates_the_shell(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    login_as(user.username, PASSWORD)
    page.click("button:has-text('English')")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Institutions" in page.locator("#sidebar").inner_text()  # group titles; entries fold inside
    assert "Outlets" in (page.locator("#sidebar").text_content() or "")
