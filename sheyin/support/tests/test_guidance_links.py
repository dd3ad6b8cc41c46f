"""The district's guidance to outlets (R10.2, R9.2) is reached from the ticket it answered and from the FAQ
made of that ticket, and the guidance record leads back to the ticket."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.support import services
from sheyin.support.models import Category, GuidanceSession

from .factories import world

pytestmark = pytest.mark.django_db


def _when(delta: dt.timedelta) -> str:
    return (timezone.localtime() + delta).strftime("%Y-%m-%dT%H:%M")


def test_guidance_is_recorded_from_the_ticket_and_linked_both_ways(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    t = services.ticket_raise(category=Category.BUSINESS, title="灵活就业参保登记系统报错",
                              description="提交后提示缴费基数超限", by=w.manager)  # fmt: skip
    url = reverse("support:ticket_detail", args=[t.pk])
    post = reverse("support:ticket_guidance", args=[t.pk])
    form = {"guide-held_at": _when(-dt.timedelta(hours=1)), "guide-duration_minutes": "20",
            "guide-topic": "缴费基数上下限的核对方法", "guide-outcome": "solved", "guide-note": "已演示核对步骤"}  # fmt: skip
    client.force_login(w.manager)
    assert "登记远程指导" not in client.get(url).content.decode()
    assert client.post(post, form).status_code == 403
    client.force_login(w.officer)
    resp = client.post(post, {**form, "guide-held_at": _when(dt.timedelta(days=1))}, follow=True)
    assert "指导时间不能晚于当前时间" in resp.content.decode() and not GuidanceSession.objects.exists()
    assert client.post(post, form).status_code == 302
    s = GuidanceSession.objects.get()
    assert (s.ticket, s.outlet, s.host) == (t, w.outlet, w.officer)
    html = client.get(url).content.decode()
    assert "缴费基数上下限的核对方法" in html and f"{reverse('support:guidance_list')}?ticket={t.pk}" in html
    html = client.get(reverse("support:guidance_list"), {"ticket": t.pk}).content.decode()
    assert "工单 " + t.number in html and reverse("support:ticket_detail", args=[t.pk]) in html
    # the outlet sees the guidance on its ticket
    client.force_login(w.manager)
    assert "已演示核对步骤" in client.get(url).content.decode()
    # another district's ticket number in the filter shows nothing
    other = world("110108")
    client.force_login(other.officer)
    html = client.get(reverse("support:guidance_list"), {"ticket": t.pk}).content.decode()
    assert "缴费基数上下限的核对方法" not in html


def test_the_faq_shows_the_guidance_behind_an_answer_to_those_who_may_see_it(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    t = services.ticket_raise(category=Category.CARD, title="社保卡激活失败", description="终端提示卡片未启用",
                              by=w.manager)  # fmt: skip
    services.guidance_log(outlet=w.outlet, ticket=t, held_at=timezone.now() - dt.timedelta(hours=2),
                          topic="社保功能启用的操作顺序", outcome="solved", by=w.officer)  # fmt: skip
    services.ticket_close(ticket=t, resolution="先启用社保功能再激活金融账户", by=w.officer)
    services.faq_publish(
        ticket=t, question="社保卡激活失败怎么办", answer="先启用社保功能，再激活金融账户。", by=w.officer
    )
    client.force_login(w.manager)
    html = client.get(reverse("support:faq")).content.decode()
    assert "社保功能启用的操作顺序" in html and reverse("support:ticket_detail", args=[t.pk]) in html
    assert f"{reverse('support:guidance_list')}?ticket={t.pk}" in html
    assert "已整理为常见问题" in client.get(reverse("support:ticket_detail", args=[t.pk])).content.decode()
    elsewhere = world("110108")
    client.force_login(elsewhere.manager)
    html = client.get(reverse("support:faq")).content.decode()
    assert "社保卡激活失败怎么办" in html  # the answer is shared city-wide
    assert "社保功能启用的操作顺序" not in html and reverse("support:ticket_detail", args=[t.pk]) not in html
