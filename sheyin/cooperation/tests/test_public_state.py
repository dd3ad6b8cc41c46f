"""While suspended, the plaque page and the outlet's public page say 暂停服务 with the dates instead of
"正常提供社保服务" or a bare 404 (R6.4, R10.3); the plaque page links to the outlet's portal page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.cooperation import services
from sheyin.cooperation.models import Plaque

from .factories import cooperating, operating

pytestmark = pytest.mark.django_db


def test_the_plaque_page_of_an_operating_outlet_links_to_its_portal_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    plaque = Plaque.objects.get(outlet=outlet)
    body = client.get(f"/verify/plaque/{plaque.number}/").content.decode()
    assert "网点正常提供社保服务" in body
    assert reverse("portal:outlet_detail", args=[outlet.code]) in body


def test_a_suspended_outlets_plaque_and_public_pages_say_so_with_the_dates(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    today = timezone.localdate()
    end = today + dt.timedelta(days=20)
    services.outlet_suspend(outlet=outlet, reason="装修", planned_end=end, by=p.district_admin)
    plaque = Plaque.objects.get(outlet=outlet)
    resp = client.get(f"/verify/plaque/{plaque.number}/")
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "暂停服务" in body and "正常提供社保服务" not in body
    assert today.isoformat() in body and end.isoformat() in body
    assert reverse("portal:outlet_detail", args=[outlet.code]) in body
    resp = client.get(reverse("portal:outlet_detail", args=[outlet.code]))
    body = resp.content.decode()
    assert resp.status_code == 200  # not a bare 404
    assert "该网点暂停提供社保服务" in body and end.isoformat() in body
    assert "可办理的事项" not in body


def test_a_terminated_outlets_public_page_says_it_ended(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    t = services.termination_propose(
        outlet=outlet, kind="unilateral", ground="violation", reason="违规", notice_date=timezone.localdate(),
        effective_date=timezone.localdate(), by=p.district_admin,
    )  # fmt: skip
    services.termination_approve(termination=t, by=p.district_admin2)
    resp = client.get(reverse("portal:outlet_detail", args=[outlet.code]))
    assert resp.status_code == 200  # a page that explains, not a bare 404
    assert "终止社保服务合作" in resp.content.decode() and "可办理的事项" not in resp.content.decode()


def test_an_outlet_that_never_opened_does_not_exist_for_the_public(client, reference) -> None:  # type: ignore[no-untyped-def]
    from .factories import accepted

    p = cooperating()
    app = accepted(p)
    assert client.get(reverse("portal:outlet_detail", args=[app.outlet.code])).status_code == 404
