"""Role assignment: 三员分立, organisation per level, permission to assign, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from sheyin.accounts import services
from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import UserFactory, user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import district, municipal

pytestmark = pytest.mark.django_db


@pytest.fixture
def security_admin(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.SECURITY_ADMIN, agency=municipal())


def fresh():  # type: ignore[no-untyped-def]
    user = UserFactory()
    user.save()
    return user


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN),
        (Role.SECURITY_ADMIN, Role.SYSTEM_ADMIN),
        (Role.AUDIT_ADMIN, Role.SECURITY_ADMIN),
    ],
)
def test_a_user_cannot_hold_two_of_the_three_admin_roles(security_admin, first, second) -> None:  # type: ignore[no-untyped-def]
    user = fresh()
    services.role_assign(user=user, role=first, agency=municipal(), by=security_admin)
    with pytest.raises(ValidationError) as exc:
        services.role_assign(user=user, role=second, agency=municipal(), by=security_admin)
    assert "三员分立" in str(exc.value)
    assert list(user.assignments.values_list("role", flat=True)) == [first]


def test_the_database_also_refuses_two_admin_roles(security_admin) -> None:  # type: ignore[no-untyped-def]
    user = fresh()
    RoleAssignment.objects.create(user=user, role=Role.SYSTEM_ADMIN, agency=municipal())
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=Role.AUDIT_ADMIN, agency=municipal())


def test_a_district_role_needs_a_district_agency(security_admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match="区级经办机构"):
        services.role_assign(user=fresh(), role=Role.DISTRICT_OFFICER, agency=municipal(), by=security_admin)
    a = services.role_assign(user=fresh(), role=Role.DISTRICT_OFFICER, agency=district(), by=security_admin)
    assert a.agency == district()


def test_only_the_security_admin_assigns_roles(reference) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    with pytest.raises(PermissionDenied):
        services.role_assign(user=fresh(), role=Role.MUNICIPAL_OFFICER, agency=municipal(), by=sys_admin)


def test_the_system_admin_reads_neither_the_audit_trail_nor_personal_data(reference) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    assert not sys_admin.has_perm("audit.view")
    assert not sys_admin.has_perm("pii.reveal")


def test_the_system_admin_does_not_read_the_outlet_registry(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from sheyin.institutions.models import OutletStatus
    from sheyin.institutions.tests.factories import OutletFactory

    hidden = OutletFactory(status=OutletStatus.SUSPENDED)  # one the public does not see
    client.force_login(user_with_role(Role.SYSTEM_ADMIN, agency=municipal()))
    for url in (reverse("institutions:outlet_list"), reverse("institutions:outlet_detail", args=[hidden.pk]),
                reverse("institutions:bank_list"), reverse("institutions:outlet_pick")):  # fmt: skip
        assert client.get(url).status_code == 403, url
    assert (
        reverse("institutions:outlet_list") not in client.get(reverse("accounts:user_list")).content.decode()
    )


def test_assigning_and_revoking_a_role_is_audited_and_ends_sessions(security_admin) -> None:  # type: ignore[no-untyped-def]
    user = fresh()
    a = services.role_assign(user=user, role=Role.MUNICIPAL_OFFICER, agency=municipal(), by=security_admin)
    services.role_revoke(assignment=a, reason="调岗", by=security_admin)
    user.refresh_from_db()
    assert user.sessions_valid_after is not None
    actions = list(AuditEvent.objects.filter(object_id=str(user.pk)).values_list("action", "reason"))
    assert ("role.assign", "") in actions and ("role.revoke", "调岗") in actions


def test_only_the_system_itself_creates_an_account_with_a_password(reference) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    with pytest.raises(PermissionDenied, match="管理员不能为用户设置密码"):
        services.user_create(username="new", display_name="新用户", password="Strong-pass-1", by=sys_admin)
    with pytest.raises(ValidationError):
        services.user_create(username="seeded", display_name="种子", password="weak", by=None)
    user = services.user_create(username="seeded", display_name="种子", password="Strong-pass-1", by=None)
    assert user.check_password("Strong-pass-1")


def test_the_system_admin_disables_a_user_and_the_session_ends(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    target = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    client.force_login(sys_admin)
    resp = client.post(
        reverse("accounts:user_set_active", args=[target.pk]), {"active": "0", "reason": "离职"}
    )
    assert resp.status_code == 302
    target.refresh_from_db()
    assert not target.is_active and target.sessions_valid_after is not None
    assert AuditEvent.objects.filter(action="user.disable", reason="离职").exists()


def test_the_security_admin_cannot_give_themselves_a_role(security_admin) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PermissionDenied, match="不能为自己分配角色"):
        services.role_assign(
            user=security_admin, role=Role.MUNICIPAL_ADMIN, agency=municipal(), by=security_admin
        )
    assert list(security_admin.assignments.values_list("role", flat=True)) == [Role.SECURITY_ADMIN]


def test_an_administrator_cannot_also_hold_a_business_role(security_admin) -> None:  # type: ignore[no-untyped-def]
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    with pytest.raises(ValidationError, match="不得兼任业务角色"):
        services.role_assign(user=auditor, role=Role.MUNICIPAL_ADMIN, agency=municipal(), by=security_admin)
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    with pytest.raises(ValidationError, match="不得兼任业务角色"):
        services.role_assign(user=officer, role=Role.AUDIT_ADMIN, agency=municipal(), by=security_admin)


def test_the_system_admin_cannot_take_over_the_audit_admins_account(reference) -> None:  # type: ignore[no-untyped-def]
    sys_admin = user_with_role(Role.SYSTEM_ADMIN, agency=municipal())
    auditor = user_with_role(Role.AUDIT_ADMIN, agency=municipal())
    with pytest.raises(PermissionDenied):
        services.user_set_password(user=auditor, new_password="Take-over-2026", by=sys_admin)
    with pytest.raises(PermissionDenied):
        services.user_set_active(user=auditor, active=False, reason="接管", by=sys_admin)
    auditor.refresh_from_db()
    assert auditor.is_active and not auditor.check_password("Take-over-2026")


def test_outlet_roles_follow_a_transfer_only_when_nothing_else_is_held(reference) -> None:  # type: ignore[no-untyped-def]
    """三员分立 kept: an account is moved only as a whole and only if it holds outlet roles at the old outlet;
    never the decider's own account, never an administrator's."""
    from sheyin.institutions.tests.factories import BankFactory, OutletFactory

    bank = BankFactory()
    old, new, elsewhere = (OutletFactory(bank=bank) for _ in range(3))
    clerk = user_with_role(Role.OUTLET_STAFF, outlet=old)
    decider = user_with_role(Role.OUTLET_MANAGER, outlet=old)
    two_places = user_with_role(Role.OUTLET_STAFF, outlet=old)
    RoleAssignment.objects.create(user=two_places, role=Role.OUTLET_MANAGER, outlet=elsewhere, bank=bank,
                                  agency=elsewhere.district)  # fmt: skip
    admin = user_with_role(Role.SECURITY_ADMIN, agency=municipal())
    kw = {"from_outlet": old, "to_outlet": new, "reason": "调动"}
    assert not services.roles_follow_transfer(user=decider, by=decider, **kw)
    assert not services.roles_follow_transfer(user=two_places, by=decider, **kw)
    assert not services.roles_follow_transfer(user=admin, by=decider, **kw)
    assert services.roles_follow_transfer(user=clerk, by=decider, **kw)
    assert clerk.assignments.get().outlet == new and decider.assignments.get().outlet == old
    assert set(two_places.assignments.values_list("outlet", flat=True)) == {old.pk, elsewhere.pk}
    assert AuditEvent.objects.filter(action="role.move").count() == 1
