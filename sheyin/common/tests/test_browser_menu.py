"""The workbench menu in a real browser: groups fold and stay as left, the current page is marked, and
the search box filters the entries as one types (keyboard only)."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.institutions.tests.factories import municipal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_menu_folds_marks_the_current_page_and_filters_by_search(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    login_as(admin.username, PASSWORD)
    page.goto(live_server.url + "/cooperation/applications/")
    menu = page.locator("#sidebar")
    current = menu.locator("[aria-current=page]")
    assert current.count() == 1 and current.inner_text().strip() == "网点设立申请"
    group = menu.locator("details[data-nav-current]")
    assert group.get_attribute("open") is not None  # the current page's group is open
    assert menu.locator("details[open]").count() == 1  # the others start closed

    other = menu.locator("details", has=page.locator("summary", has_text="服务事项"))
    assert not menu.get_by_role("link", name="现行清单").is_visible()
    other.locator("summary").click()
    assert menu.get_by_role("link", name="现行清单").is_visible()
    page.reload()  # the choice is remembered in this browser
    assert menu.get_by_role("link", name="现行清单").is_visible()

    search = page.locator("#nav-search")
    search.focus()
    page.keyboard.type("备案")
    visible = [a.inner_text().strip() for a in menu.locator("#nav-groups a").all() if a.is_visible()]
    assert visible and all("备案" in v for v in visible)
    assert "协议与备案" in visible
    page.keyboard.press("Escape")
    assert search.input_value() == ""
    assert not menu.get_by_role("link", name="用户管理").is_visible()

    page.keyboard.type("没有这个菜单")
    assert menu.locator("[data-nav-empty]").is_visible()
    page.fill("#nav-search", "网点标牌")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cooperation/plaques/**")
    assert menu.locator("[aria-current=page]").inner_text().strip() == "网点标牌"


def test_every_workbench_page_has_a_help_link_to_its_guide_section(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    login_as(admin.username, PASSWORD)
    page.goto(live_server.url + "/cooperation/agreements/")
    page.get_by_test_id("help-link").click()
    page.wait_for_url("**/accounts/help/municipal/**")
    assert page.locator("h2:target").inner_text().startswith("4. 协议备案审核")
