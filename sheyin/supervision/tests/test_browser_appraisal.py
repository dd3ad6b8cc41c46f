"""In a real browser (R7.2, R9.4): the district head previews the running quarter (nothing is stored),
formally appraises last year, opens the failed outlet's appraisal and its formal talk, which the officer
records and then follows up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sheyin.accounts.tests.factories import PASSWORD
from sheyin.supervision.models import Appraisal, FormalTalk
from sheyin.supervision.reference import load

from .factories import outlet, people
from .test_appraisal import failing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_preview_then_formal_appraisal_then_the_talk_recorded(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    load()
    o = outlet()
    p = people(o)
    last_year = timezone.localdate().year - 1
    failing(o, p, last_year)
    url = live_server.url

    login_as(p["head"].username, PASSWORD)
    page.goto(url + "/supervision/appraisals/")
    page.fill("#year", str(timezone.localdate().year))
    page.select_option("#quarter", str((timezone.localdate().month - 1) // 3 + 1))
    page.get_by_role("button", name="预览").click()
    page.wait_for_load_state("networkidle")
    assert "本期尚未结束" in page.content() and not Appraisal.objects.exists()
    page.goto(url + "/supervision/appraisals/")
    page.fill("#year", str(last_year))
    page.select_option("#quarter", "0")
    page.get_by_role("button", name="正式考核").click()
    page.wait_for_load_state("networkidle")
    assert "考核结果已计算" in page.content()
    page.get_by_role("link", name=o.name).click()
    assert "不合格" in page.locator("h1").inner_text()
    page.get_by_role("link", name="查看约谈记录").click()
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()

    talk = FormalTalk.objects.get(outlet=o)
    login_as(p["officer"].username, PASSWORD)
    page.goto(url + f"/supervision/talks/{talk.pk}/")
    held = timezone.localtime() - dt.timedelta(hours=2)
    page.fill("#id_held_at", held.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_attendees", "区社保中心刘区办；银行赵行长")
    page.fill("#id_minutes", "通报年度考核失分项")
    page.fill("#id_commitments", "一月内完成整改")
    page.get_by_role("button", name="保存约谈记录").click()
    page.wait_for_load_state("networkidle")
    assert "约谈记录已保存" in page.content()
    page.select_option("#id_fulfilled", "1")
    page.fill("#id_note", "现场核实已整改")
    page.get_by_role("button", name="记录跟踪结果并办结").click()
    page.wait_for_load_state("networkidle")
    talk.refresh_from_db()
    assert talk.status == "closed" and talk.fulfilled is True
