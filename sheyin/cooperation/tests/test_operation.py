"""Operating outlets are suspended (reason, dates) and resumed; staff access ends at suspension."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import selectors, services
from sheyin.cooperation.models import Suspension
from sheyin.cooperation.workflow import TransitionError
from sheyin.institutions.models import OutletStatus

from .factories import cooperating, operating

pytestmark = pytest.mark.django_db


def test_an_operating_outlet_is_suspended_and_resumed(reference, client) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    staff = user_with_role(Role.OUTLET_STAFF, outlet=outlet, username="t_staff")
    client.force_login(staff)
    assert client.get(reverse("dashboards:home")).status_code == 200
    end = timezone.localdate() + dt.timedelta(days=14)
    s = services.outlet_suspend(outlet=outlet, reason="装修改造", planned_end=end, by=p.district_admin)
    outlet.refresh_from_db()
    assert outlet.status == OutletStatus.SUSPENDED and s.planned_end == end
    assert outlet not in selectors.publicly_listed()
    assert client.get(reverse("dashboards:home")).status_code == 302  # staff sessions end at suspension
    with pytest.raises(TransitionError, match="当前状态为“暂停服务”，不能执行“暂停服务”"):
        services.outlet_suspend(outlet=outlet, reason="再次", by=p.district_admin)
    services.outlet_resume(outlet=outlet, reason="装修完成", by=p.district_admin)
    outlet.refresh_from_db()
    s.refresh_from_db()
    assert outlet.status == OutletStatus.OPERATING and s.resumed_on == timezone.localdate()
    assert outlet in selectors.publicly_listed()
    assert list(
        outlet.lifecycle_events.filter(action__startswith="outlet.").values_list("action", flat=True)
    ) == ["outlet.suspend", "outlet.resume"]


def test_suspension_needs_a_reason_and_sensible_dates(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    with pytest.raises(ValidationError, match="请填写理由"):
        services.outlet_suspend(outlet=outlet, reason=" ", by=p.district_admin)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="计划恢复日期不能早于暂停开始日期"):
        services.outlet_suspend(
            outlet=outlet, reason="x", planned_end=today - dt.timedelta(days=1), by=p.district_admin
        )
    assert not Suspension.objects.exists()


def test_only_the_district_admin_suspends_and_only_in_its_district(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    for user in (p.district_officer, p.bank_admin, p.muni_admin):
        with pytest.raises(NotAllowed):
            services.outlet_suspend(outlet=outlet, reason="x", by=user)
    other = cooperating(code="110108")
    with pytest.raises(NotAllowed, match="该对象不在您的数据范围内"):
        services.outlet_suspend(outlet=outlet, reason="x", by=other.district_admin)


def test_the_suspend_page_shows_the_refusal_and_the_resume_form(reference, client) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    client.force_login(p.district_admin)
    resp = client.post(
        reverse("cooperation:outlet_suspend", args=[outlet.pk]),
        {"reason": "设备故障", "planned_end": (timezone.localdate() + dt.timedelta(days=3)).isoformat()},
        follow=True,
    )
    body = resp.content.decode()
    assert "网点已暂停服务" in body and "恢复服务" in body
    resp = client.post(
        reverse("cooperation:outlet_suspend", args=[outlet.pk]), {"reason": "again"}, follow=True
    )
    assert "不能执行“暂停服务”" in resp.content.decode()
