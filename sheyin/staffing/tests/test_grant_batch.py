"""Batch decisions on the grant list (issue 18 item 3): each ticked grant goes through grant_decide on its
own — a refused row is reported with its reason, the others proceed, each approval audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.audit.models import AuditEvent
from sheyin.staffing import services
from sheyin.staffing.models import PermissionGrant
from sheyin.staffing.workflow import GrantStatus

from .factories import StaffFactory, certified, district_users, today

pytestmark = pytest.mark.django_db


def _proposed(officer):  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    return services.grant_propose(staff=staff, channels=["O", "W"], categories=["query"], note="", by=officer)


def test_a_batch_approval_approves_the_good_rows_and_reports_the_refused_one(client, reference) -> None:  # type: ignore[no-untyped-def]
    officer, admin, _ = district_users()
    good, bad = _proposed(officer), _proposed(officer)
    bad.staff.agreements.update(valid_until=today() - dt.timedelta(days=1))
    before = AuditEvent.objects.count()
    client.force_login(admin)
    resp = client.post(
        reverse("staffing:grant_list"), {"batch": "approve", "ids": [good.pk, bad.pk]}, follow=True
    )
    assert PermissionGrant.objects.get(pk=good.pk).status == GrantStatus.ACTIVE
    assert PermissionGrant.objects.get(pk=bad.pk).status == GrantStatus.PROPOSED
    text = resp.content.decode()
    assert "已批准 1 条记录" in text
    assert bad.staff.name in text and "保密协议已过有效期" in text
    assert AuditEvent.objects.count() > before


def test_the_proposer_cannot_batch_approve_and_nothing_changes(client, reference) -> None:  # type: ignore[no-untyped-def]
    officer, _, _ = district_users()
    grant = _proposed(officer)
    client.force_login(officer)
    resp = client.post(reverse("staffing:grant_list"), {"batch": "approve", "ids": [grant.pk]}, follow=True)
    assert PermissionGrant.objects.get(pk=grant.pk).status == GrantStatus.PROPOSED
    assert "未能处理" in resp.content.decode()


def test_a_grant_outside_the_scope_is_reported_not_touched(client, reference) -> None:  # type: ignore[no-untyped-def]
    officer, _admin, _ = district_users()
    grant = _proposed(officer)
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.tests.factories import district

    other = user_with_role(
        Role.DISTRICT_ADMIN, agency=district("110108" if grant.outlet.district.code != "110108" else "110105")
    )
    client.force_login(other)
    resp = client.post(reverse("staffing:grant_list"), {"batch": "approve", "ids": [grant.pk]}, follow=True)
    assert PermissionGrant.objects.get(pk=grant.pk).status == GrantStatus.PROPOSED
    assert "不在您的数据范围内" in resp.content.decode()
