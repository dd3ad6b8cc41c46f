"""In a real browser: the idle timeout warns a minute before with 继续, and when the session does end the
work typed so far comes back after logging in again, with "已超时" (等保 session timeout, 600 s)."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.institutions.tests.factories import OutletFactory, district

FORM = "/supervision/feedback/new/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_timed_out_form_comes_back_filled_in_after_logging_in_again(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.models import Finding

    outlet = OutletFactory(name="朝阳测试网点", district=district("110105"))
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    page.clock.install()
    login_as(officer.username, PASSWORD)
    page.goto(live_server.url + FORM)
    warning = page.locator("#idle-warning")
    assert not warning.is_visible()

    page.clock.fast_forward("09:05")  # 9 minutes without a request: the warning, a minute ahead
    warning.wait_for(state="visible")
    assert "秒后将自动退出登录" in warning.inner_text()
    page.get_by_test_id("idle-continue").click()  # 继续: the session is renewed
    warning.wait_for(state="hidden")

    page.fill("#id_title", "窗口无人值守")
    page.fill("#id_detail", "群众来电反映等候超过半小时")
    # typing is not idleness: the session is renewed in the background, without a dialog; wait for that
    # request to come back before moving the clock again, or the next jump outruns it on a busy machine
    with page.expect_response(lambda response: "keepalive" in response.url):
        page.clock.fast_forward("09:05")
    assert not warning.is_visible()
    page.clock.fast_forward("09:05")
    warning.wait_for(state="visible")
    page.clock.fast_forward("01:00")  # nobody answered: logged out, the work kept in this tab
    page.wait_for_url("**/accounts/login/**")
    assert page.get_by_test_id("timeout-note").is_visible()

    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit] >> nth=0")
    page.wait_for_url("**" + FORM)
    assert page.get_by_test_id("timeout-restored").is_visible()
    assert page.input_value("#id_title") == "窗口无人值守"
    assert page.input_value("#id_detail") == "群众来电反映等候超过半小时"
    page.select_option("#id_outlet", value=str(outlet.pk))
    page.get_by_role("button", name="登记").click()
    page.wait_for_load_state("networkidle")
    assert Finding.objects.filter(title="窗口无人值守").exists()
