"""The appraisal as the district and the outlet meet it in pages: the list with 数据不足, the preview of a
running period, the detail with its indicators, and the formal talk recorded and followed up (R7.2, R9.4)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import municipal
from sheyin.supervision.appraisal import appraisal_compute
from sheyin.supervision.models import Appraisal, FormalTalk, SupervisionSettings
from sheyin.supervision.reference import load

from .factories import outlet, people
from .test_appraisal import failing, inspected

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    load()
    bad, idle = outlet(), outlet()
    p = people(bad)
    failing(bad, p, 2025)
    inspected(idle, 99, dt.date(2025, 4, 1))
    appraisal_compute(year=2025, by=user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    return {"bad": bad, "idle": idle, "p": p}


def test_the_list_marks_insufficient_data_without_a_rank(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["p"]["officer"])
    html = client.get(reverse("supervision:appraisal_list"), {"grade": "insufficient"}).content.decode()
    a = Appraisal.objects.get(outlet=world["idle"])
    assert "数据不足" in html and reverse("supervision:appraisal_detail", args=[a.pk]) in html
    assert world["bad"].name not in html.split("<tbody", 1)[1]  # the outlet filter still offers it
    html = client.get(reverse("supervision:appraisal_list")).content.decode()
    assert "不合格" in html and "期间结束后才能正式考核" in html


def test_a_running_quarter_is_refused_formally_and_previewed(client, world) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    client.force_login(world["p"]["head"])
    url = reverse("supervision:appraisal_list")
    resp = client.post(url, {"year": year, "quarter": quarter, "action": "compute"}, follow=True)
    assert "尚未结束" in resp.content.decode() and not Appraisal.objects.filter(year=year).exists()
    resp = client.post(url, {"year": year, "quarter": quarter, "action": "preview"})
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("supervision:appraisal_preview"))
    html = client.get(resp["Location"]).content.decode()
    assert "本期尚未结束" in html and "试算" in html and world["bad"].name in html
    assert not Appraisal.objects.filter(year=year).exists()
    # an ended period previews too, on its whole data, still without storing
    html = client.get(reverse("supervision:appraisal_preview"), {"year": 2025, "quarter": 0}).content.decode()
    assert "预览不保存" in html and Appraisal.objects.filter(year=2025).count() == 2


def test_the_preview_is_for_those_who_appraise_and_only_shows_their_outlets(client, world) -> None:  # type: ignore[no-untyped-def]
    url = reverse("supervision:appraisal_preview")
    client.force_login(world["p"]["manager"])
    assert client.get(url, {"year": 2025}).status_code == 403
    elsewhere = user_with_role(Role.DISTRICT_ADMIN, agency=outlet("110108").district)
    client.force_login(elsewhere)
    html = client.get(url, {"year": 2025}).content.decode()
    assert world["bad"].name not in html
    assert client.get(url, {"year": "abc"}).status_code == 302  # a bad period goes back with a message


def test_the_detail_explains_the_indicators_and_who_may_read_it(client, world) -> None:  # type: ignore[no-untyped-def]
    a = Appraisal.objects.get(outlet=world["bad"])
    url = reverse("supervision:appraisal_detail", args=[a.pk])
    client.force_login(world["p"]["manager"])
    html = client.get(url).content.decode()
    assert "20.00" in html and "无数据，不计入" in html and "查看约谈记录" in html and "实际权重" in html
    idle = Appraisal.objects.get(outlet=world["idle"])
    client.force_login(world["p"]["officer"])
    html = client.get(reverse("supervision:appraisal_detail", args=[idle.pk])).content.decode()
    assert "数据不足以评定" in html and "30%" in html
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=outlet("110108").district))
    assert client.get(url).status_code == 404
    client.force_login(world["p"]["staff"])
    assert client.get(url).status_code == 403


def test_the_district_records_the_talk_and_follows_it_up_in_the_page(client, world) -> None:  # type: ignore[no-untyped-def]
    t = FormalTalk.objects.get(outlet=world["bad"])
    url = reverse("supervision:talk_detail", args=[t.pk])
    client.force_login(world["p"]["manager"])
    html = client.get(url).content.decode()
    assert "记录约谈" not in html and "区经办机构将按约谈日期约谈" in html
    assert client.post(url, {"action": "record"}).status_code == 403
    client.force_login(world["p"]["officer"])
    assert "记录约谈" in client.get(url).content.decode()
    resp = client.post(
        url, {"action": "record", "held_at": "", "attendees": "", "minutes": "", "commitments": ""}
    )
    assert resp.status_code == 200 and resp.content.decode().count("invalid-feedback") >= 4
    future = (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    resp = client.post(
        url, {"action": "record", "held_at": future, "attendees": "甲", "minutes": "乙", "commitments": "丙"}
    )
    assert "约谈时间不能晚于现在" in resp.content.decode()
    t.refresh_from_db()
    assert t.status == "scheduled"
    held = timezone.localtime() - dt.timedelta(hours=1)
    resp = client.post(url, {"action": "record", "held_at": held.strftime("%Y-%m-%dT%H:%M"), "place": "区社保中心",
                             "attendees": "区社保中心刘区办；银行赵行长", "minutes": "通报考核失分项",
                             "commitments": "一月内完成窗口改造", "commitment_due": ""})  # fmt: skip
    assert resp.status_code == 302
    t.refresh_from_db()
    assert t.status == "held" and t.commitments == "一月内完成窗口改造"
    html = client.get(url).content.decode()
    assert "跟踪承诺落实" in html and "一月内完成窗口改造" in html
    resp = client.post(url, {"action": "follow_up", "fulfilled": "1", "note": "已现场核实"})
    assert resp.status_code == 302
    t.refresh_from_db()
    assert t.status == "closed" and t.fulfilled is True
    client.force_login(world["p"]["manager"])
    html = client.get(reverse("supervision:talk_list")).content.decode()
    assert world["bad"].name in html and "已跟踪办结" in html


def test_the_settings_page_edits_the_data_thresholds(client, world) -> None:  # type: ignore[no-untyped-def]
    muni = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    client.force_login(muni)
    url = reverse("supervision:settings")
    html = client.get(url).content.decode()
    assert "有数据指标的最低权重占比" in html and "好差评计入考核的最少评价数" in html
    s = SupervisionSettings.current()
    data = {f: getattr(s, f) for f in ("rectification_working_days", "weight_ratings", "weight_inspections",
                                       "weight_findings", "weight_archives", "weight_tickets", "finding_penalty",
                                       "grade_excellent", "grade_good", "grade_pass", "min_ratings", "min_cases")}  # fmt: skip
    assert client.post(url, {**data, "min_coverage": 40}).status_code == 302
    assert SupervisionSettings.current().min_coverage == 40
