"""In the browser: an outlet raises a problem ticket, the district answers it, files the underlying
complaint as a finding, orders rectification; the outlet answers; the district verifies and closes."""

from __future__ import annotations

import pytest

from sheyin.accounts.tests.factories import PASSWORD
from sheyin.supervision.models import Finding, Rectification
from sheyin.support.models import Ticket

from .factories import outlet, people


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_ticket_leads_to_a_rectification_that_is_answered_and_closed(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    url = live_server.url
    login_as(p["manager"].username, PASSWORD)
    page.goto(url + "/support/tickets/new/")
    page.select_option("select[name=category]", "business")
    page.fill("input[name=title]", "群众投诉窗口排队过长")
    page.fill("textarea[name=description]", "本周多次有群众反映排队超过1小时。")
    page.click("form button[type=submit] >> nth=-1")
    t = Ticket.objects.get()
    page.context.clear_cookies()

    login_as(p["officer"].username, PASSWORD)
    page.goto(url + f"/support/tickets/{t.pk}/")
    page.fill("textarea[name=reply-body]", "已收到，将登记为问题并下达整改。")
    page.click("form[action$='/reply/'] button[type=submit]")
    page.goto(url + "/supervision/feedback/new/")
    page.select_option("select[name=outlet]", str(o.pk))
    page.fill("input[name=title]", "窗口排队过长")
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_url("**/supervision/findings/*/")
    page.fill("textarea[name=requirement]", "增开窗口，高峰期加派人员")
    page.click("text=下达整改通知")
    r = Rectification.objects.get()
    page.context.clear_cookies()

    login_as(p["manager"].username, PASSWORD)
    page.goto(url + f"/supervision/rectifications/{r.pk}/")
    page.fill("textarea[name=answer]", "已增开一个窗口")
    page.click("text=报送整改情况")
    page.context.clear_cookies()

    login_as(p["officer"].username, PASSWORD)
    page.goto(url + f"/supervision/rectifications/{r.pk}/")
    page.click("text=核验通过，销号")
    page.wait_for_load_state("networkidle")
    assert Rectification.objects.get().status == "closed"
    assert Finding.objects.get().status == "closed"
    assert Ticket.objects.get().messages.count() >= 1
