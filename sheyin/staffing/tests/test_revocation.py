"""Revocation (R6.4, R9.1): on leaving, transfer, outlet suspension or termination, expiry or a violation —
effective at the very next request, audited, and visible in the staff member's history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.tests.factories import OutletFactory
from sheyin.notifications.models import Notification
from sheyin.staffing import selectors, services
from sheyin.staffing.models import PermissionGrant
from sheyin.staffing.workflow import GrantStatus, RevokeReason

from .factories import StaffFactory, active_grant, district_users, staff_with_account, today

pytestmark = pytest.mark.django_db

MIDDLEWARE_AFTER = "sheyin.accounts.middleware.AccountStateMiddleware"


@pytest.fixture
def with_grant_middleware(settings):  # type: ignore[no-untyped-def]
    mw = list(settings.MIDDLEWARE)
    if "sheyin.staffing.middleware.StaffGrantMiddleware" not in mw:
        mw.insert(mw.index(MIDDLEWARE_AFTER) + 1, "sheyin.staffing.middleware.StaffGrantMiddleware")
    settings.MIDDLEWARE = mw


def test_revocation_takes_effect_on_the_very_next_request(client, reference, with_grant_middleware) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    officer, _admin, _ = district_users()
    client.force_login(staff.user)
    assert client.get(reverse("institutions:outlet_list")).status_code == 200  # working with a grant

    services.grant_revoke(grant=grant, reason=RevokeReason.VIOLATION, note="违规查询他人信息", by=officer)

    response = client.get(reverse("institutions:outlet_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    # The session is gone: even an allowed page now needs a new login.
    assert client.get(reverse("staffing:my")).status_code == 302
    # After logging in again the person may reach only the allow-list.
    client.force_login(staff.user)
    refused = client.get(reverse("institutions:outlet_list"))
    assert refused.status_code == 403 and "未获业务授权" in refused.content.decode()


def test_a_revocation_is_audited_and_in_the_history_and_notified(
    reference, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    officer, _admin, _ = district_users()
    with django_capture_on_commit_callbacks(execute=True):
        services.grant_revoke(grant=grant, reason=RevokeReason.VIOLATION, note="违规", by=officer)
    grant.refresh_from_db()
    assert (
        grant.status == GrantStatus.REVOKED
        and grant.revoke_reason == "violation"
        and grant.ended_by == officer
    )
    assert AuditEvent.objects.filter(action="grant.revoke", object_id=str(grant.pk), reason="违规").exists()
    assert AuditEvent.objects.filter(action="user.sessions_revoked", object_id=str(staff.user_id)).exists()
    assert staff.events.filter(kind="revocation", text__contains="违规").exists()
    staff.user.refresh_from_db()
    assert staff.user.sessions_valid_after is not None
    assert Notification.objects.filter(user=staff.user, kind="alert").exists()


def test_a_revocation_needs_a_reason_and_the_permission(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    officer, _admin, _ = district_users()
    with pytest.raises(ValidationError) as info:
        services.grant_revoke(grant=grant, reason="", note="", by=officer)
    assert set(info.value.message_dict) == {"reason", "note"}
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    with pytest.raises(NotAllowed):
        services.grant_revoke(grant=grant, reason="violation", note="x", by=manager)


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (OutletStatus.SUSPENDED, RevokeReason.OUTLET_SUSPENDED),
        (OutletStatus.TERMINATED, RevokeReason.OUTLET_TERMINATED),
    ],
)
def test_grants_revoke_for_outlet_revokes_every_active_grant_there(reference, status, reason) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    first, second = staff_with_account(outlet), staff_with_account(outlet)
    g1, g2 = active_grant(first), active_grant(second)
    elsewhere = active_grant(StaffFactory())
    Outlet.objects.filter(pk=outlet.pk).update(status=status)
    officer, _admin, _ = district_users()

    n = services.grants_revoke_for_outlet(outlet=outlet, reason="网点终止合作（R6.4）", by=officer)

    assert n == 2
    for g, s in ((g1, first), (g2, second)):
        g.refresh_from_db()
        s.user.refresh_from_db()
        assert g.status == GrantStatus.REVOKED and g.revoke_reason == reason
        assert s.user.sessions_valid_after is not None
        assert s.events.filter(kind="revocation", text__contains="R6.4").exists()
    elsewhere.refresh_from_db()
    assert elsewhere.status == GrantStatus.ACTIVE
    assert AuditEvent.objects.filter(action="grant.revoke_for_outlet", object_id=str(outlet.pk)).exists()
    # Idempotent: nothing left to revoke.
    assert services.grants_revoke_for_outlet(outlet=outlet, reason="再次调用", by=officer) == 0


def test_grants_revoke_for_outlet_works_for_the_system_itself(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    active_grant(staff)
    assert services.grants_revoke_for_outlet(outlet=staff.outlet, reason="暂停服务", by=None) == 1


def test_leaving_revokes_the_grant(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    services.staff_transition(staff=staff, action="leave", reason="辞职", by=manager)
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REVOKED and grant.revoke_reason == RevokeReason.LEFT
    assert not selectors.has_active_grant(staff.user)


def test_suspending_the_person_revokes_the_grant(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    officer, _admin, _ = district_users()
    services.staff_transition(staff=staff, action="suspend", reason="接受调查", by=officer)
    grant.refresh_from_db()
    assert grant.revoke_reason == RevokeReason.STAFF_SUSPENDED


def test_the_sweep_expires_grants_past_their_end_date_once(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff, valid_until=today() - dt.timedelta(days=1))
    assert services.grants_expire() == 1
    assert services.grants_expire() == 0
    grant.refresh_from_db()
    assert grant.status == GrantStatus.EXPIRED
    assert staff.events.filter(kind="revocation", text__contains="到期").exists()
    staff.user.refresh_from_db()
    assert staff.user.sessions_valid_after is not None


def test_a_revoked_grant_cannot_be_revoked_again(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    grant = active_grant(staff)
    officer, _admin, _ = district_users()
    services.grant_revoke(grant=grant, reason="other", note="一", by=officer)
    with pytest.raises(ValidationError, match="当前状态为“已撤销”"):
        services.grant_revoke(
            grant=PermissionGrant.objects.get(pk=grant.pk), reason="other", note="二", by=officer
        )
