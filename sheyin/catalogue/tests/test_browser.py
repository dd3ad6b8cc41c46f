"""In a real browser: the officer drafts a new version, edits an item in the editor and reads the diff."""

from __future__ import annotations

import pytest

from sheyin.accounts.tests.factories import PASSWORD

from .factories import officer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_officer_edits_a_draft_and_sees_the_change_in_the_diff(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    user = officer(username="catalogue_officer")
    login_as(user.username, PASSWORD)
    page.goto(live_server.url + "/catalogue/versions/")
    page.get_by_role("button", name="新建草稿版本").click()
    page.wait_for_load_state("networkidle")
    assert "服务事项清单第2版" in page.locator("h1").inner_text()
    # filter the item table (htmx) and open the editor of one item
    page.select_option("#f-category", "card")
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name="编辑 社保卡解挂").click()
    page.fill("#id_name", "社保卡解除挂失")
    page.fill("#id_guide", "<h4>办理方式</h4><p>本人持身份证到人工窗口办理。</p><script>alert(1)</script>")
    page.wait_for_selector("#guide-preview h4")
    assert "alert" not in page.locator("#guide-preview").inner_html()
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "事项已保存" in page.content()
    page.get_by_role("link", name="查看逐项差异").click()
    page.wait_for_load_state("networkidle")
    changed = page.locator(".catalogue-row-changed")
    assert changed.count() == 1
    text = changed.inner_text()
    assert "～调整" in text and "社保卡解挂" in text and "社保卡解除挂失" in text
