"""The roster (R7.3): encrypted and masked ID numbers, one outlet per person, audited reveal, transfers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.services import pii_reveal
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.crypto import decrypt
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.staffing import services
from sheyin.staffing.models import StaffMember
from sheyin.staffing.workflow import GrantStatus, RevokeReason, StaffStatus, TransferStatus

from .factories import StaffFactory, active_grant, new_id_number, staff_with_account

pytestmark = pytest.mark.django_db


def data(**kw):  # type: ignore[no-untyped-def]
    d = {"employee_no": "E9001", "name": "李经办", "id_number": new_id_number(), "phone": "13912345678",
         "post": "window"}  # fmt: skip
    d.update(kw)
    return d


@pytest.fixture
def outlet(reference):  # type: ignore[no-untyped-def]
    return OutletFactory()


def test_the_id_number_is_encrypted_indexed_and_masked(outlet) -> None:  # type: ignore[no-untyped-def]
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    idn = new_id_number()
    staff = services.staff_create(outlet=outlet, data=data(id_number=idn), by=manager)
    assert idn not in staff.id_number_enc and decrypt(staff.id_number_enc) == idn
    assert staff.id_number_masked == idn[:6] + "********" + idn[-4:]
    assert staff.bank_id == outlet.bank_id and staff.district_id == outlet.district_id
    event = AuditEvent.objects.get(action="staff.create", object_id=str(staff.pk))
    assert idn not in str(event.after)
    assert staff.events.filter(kind="roster").exists()


def test_a_bad_id_number_is_refused_with_the_reason(outlet) -> None:  # type: ignore[no-untyped-def]
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    with pytest.raises(ValidationError) as info:
        services.staff_create(outlet=outlet, data=data(id_number="110105198001010000"), by=manager)
    assert "校验位" in info.value.message_dict["id_number"][0]


def test_a_person_is_on_the_roster_of_one_outlet_at_a_time(outlet) -> None:  # type: ignore[no-untyped-def]
    idn = new_id_number()
    services.staff_create(outlet=outlet, data=data(id_number=idn), by=None)
    other_bank = OutletFactory(bank=BankFactory())
    with pytest.raises(ValidationError) as info:
        services.staff_create(outlet=other_bank, data=data(id_number=idn, employee_no="X1"), by=None)
    assert "一人同时只能在一个网点在册" in info.value.message_dict["id_number"][0]
    assert other_bank.name not in info.value.message_dict["id_number"][0]


def test_the_database_enforces_one_roster_per_person(outlet) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory(outlet=outlet)
    with pytest.raises(IntegrityError):
        StaffFactory(outlet=OutletFactory(), id_number_index=staff.id_number_index)


def test_after_leaving_the_person_may_join_another_outlet(outlet) -> None:  # type: ignore[no-untyped-def]
    idn = new_id_number()
    staff = services.staff_create(outlet=outlet, data=data(id_number=idn), by=None)
    services.staff_transition(staff=staff, action="leave", reason="辞职", by=None)
    again = services.staff_create(
        outlet=OutletFactory(), data=data(id_number=idn, employee_no="E9002"), by=None
    )
    assert again.pk != staff.pk


def test_employee_numbers_are_unique_within_a_bank(outlet) -> None:  # type: ignore[no-untyped-def]
    services.staff_create(outlet=outlet, data=data(), by=None)
    same_bank = OutletFactory(bank=outlet.bank)
    with pytest.raises(ValidationError, match="员工编号"):
        services.staff_create(outlet=same_bank, data=data(), by=None)


def test_an_outlet_manager_cannot_add_staff_to_another_outlet(outlet) -> None:  # type: ignore[no-untyped-def]
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    with pytest.raises(NotAllowed):
        services.staff_create(outlet=OutletFactory(bank=outlet.bank), data=data(), by=manager)


def test_revealing_the_full_id_needs_a_reason_and_is_audited(outlet) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    idn = new_id_number()
    staff = services.staff_create(outlet=outlet, data=data(id_number=idn), by=None)
    with pytest.raises(ValidationError):
        pii_reveal(kind="staff.id_number", obj=staff, reason="", by=officer)
    assert pii_reveal(kind="staff.id_number", obj=staff, reason="correct_record", by=officer) == idn
    event = AuditEvent.objects.get(action="pii.reveal", actor=officer)
    assert event.reason == "核对更正登记信息" and event.after["field"] == "staff.id_number"


def test_the_bank_admin_cannot_reveal_full_id_numbers(outlet) -> None:  # type: ignore[no-untyped-def]
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=outlet.bank)
    staff = StaffFactory(outlet=outlet)
    with pytest.raises(NotAllowed):
        pii_reveal(kind="staff.id_number", obj=staff, reason="correct_record", by=bank_admin)


def test_the_phone_number_is_encrypted_masked_and_revealed_only_through_the_reveal_service(outlet) -> None:  # type: ignore[no-untyped-def]
    staff = services.staff_create(outlet=outlet, data=data(phone="13912345678"), by=None)
    assert "13912345678" not in staff.phone_enc and decrypt(staff.phone_enc) == "13912345678"
    assert staff.phone_masked == "139****5678"
    assert "13912345678" not in str(
        AuditEvent.objects.get(action="staff.create", object_id=str(staff.pk)).after
    )
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    assert pii_reveal(kind="staff.phone", obj=staff, reason="call_back", by=manager) == "13912345678"


def test_a_blank_phone_on_the_edit_form_keeps_the_number_and_a_new_one_replaces_it(outlet) -> None:  # type: ignore[no-untyped-def]
    staff = services.staff_create(outlet=outlet, data=data(phone="13912345678"), by=None)
    services.staff_update(staff=staff, data={"name": "李经办", "phone": ""}, by=None)
    staff.refresh_from_db()
    assert decrypt(staff.phone_enc) == "13912345678"
    services.staff_update(staff=staff, data={"phone": "13700001111"}, by=None)
    staff.refresh_from_db()
    assert decrypt(staff.phone_enc) == "13700001111" and staff.phone_masked == "137****1111"
    event = AuditEvent.objects.filter(action="staff.update", object_id=str(staff.pk)).latest("at")
    assert event.after == {"phone_masked": "137****1111"} and "13700001111" not in str(event.before)


def test_linking_an_account_requires_an_outlet_role_at_the_same_outlet(outlet) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory(outlet=outlet)
    elsewhere = user_with_role(Role.OUTLET_STAFF, outlet=OutletFactory())
    with pytest.raises(ValidationError, match="不在本网点"):
        services.staff_link_user(staff=staff, user=elsewhere, by=None)
    own = user_with_role(Role.OUTLET_STAFF, outlet=outlet)
    assert services.staff_link_user(staff=staff, user=own, by=None).user == own
    with pytest.raises(ValidationError, match="一人一号"):
        services.staff_link_user(staff=StaffFactory(outlet=outlet), user=own, by=None)


# --- transfers: a propose/accept handshake that revokes the old outlet's grants ---------------------


def test_a_transfer_is_accepted_by_the_receiving_outlet_and_revokes_the_old_grant(
    reference, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    old, new = OutletFactory(bank=bank), OutletFactory(bank=bank, district=district("110108"))
    staff = staff_with_account(old)
    grant = active_grant(staff)
    sender = user_with_role(Role.OUTLET_MANAGER, outlet=old)
    receiver = user_with_role(Role.OUTLET_MANAGER, outlet=new)

    transfer = services.transfer_propose(staff=staff, to_outlet=new, note="支援新网点", by=sender)
    assert StaffMember.objects.get(pk=staff.pk).outlet == old  # nothing moves before acceptance
    with pytest.raises(NotAllowed):  # the proposing outlet cannot accept for the receiving one
        services.transfer_decide(transfer=transfer, action="accept", note="", by=sender)
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_decide(transfer=transfer, action="accept", note="欢迎", by=receiver)

    staff.refresh_from_db()
    grant.refresh_from_db()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert staff.outlet == new and staff.district_id == new.district_id
    assert grant.status == GrantStatus.REVOKED and grant.revoke_reason == RevokeReason.TRANSFER
    assert staff.events.filter(kind="transfer", text__contains="调动生效").exists()
    staff.user.refresh_from_db()
    assert staff.user.sessions_valid_after is not None
    # the account follows the person: the role now names the new outlet, its district and bank
    a = staff.user.assignments.get()
    assert (a.role, a.outlet, a.agency_id, a.bank_id) == (Role.OUTLET_STAFF, new, new.district_id, bank.pk)
    assert AuditEvent.objects.filter(
        action="role.move", object_id=str(staff.user.pk), actor=receiver
    ).exists()
    from sheyin.notifications.models import Notification

    assert Notification.objects.filter(user=staff.user, title__contains="账号已随调动").exists()


def test_after_a_transfer_the_account_reads_the_new_outlet_not_the_old(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    from sheyin.accounts.scope import scoped
    from sheyin.institutions.models import Outlet

    bank = BankFactory()
    old, new = OutletFactory(bank=bank, name="原网点"), OutletFactory(bank=bank, name="新网点")
    staff = staff_with_account(old, role=Role.OUTLET_MANAGER)
    t = services.transfer_propose(
        staff=staff, to_outlet=new, note="", by=user_with_role(Role.BANK_ADMIN, bank=bank)
    )
    services.transfer_decide(
        transfer=t, action="accept", note="", by=user_with_role(Role.OUTLET_MANAGER, outlet=new)
    )
    user = type(staff.user).objects.get(pk=staff.user.pk)
    assert list(scoped(Outlet.objects.all(), user)) == [new]
    client.force_login(user)
    html = client.get(reverse("staffing:staff_list")).content.decode()
    assert staff.name in html  # the manager now manages the new outlet's roster, where they are listed


def test_an_account_with_other_roles_is_left_to_the_security_admin(
    reference, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.tests.factories import municipal
    from sheyin.notifications.models import Notification

    bank = BankFactory()
    old, new = OutletFactory(bank=bank), OutletFactory(bank=bank)
    staff = staff_with_account(old)
    RoleAssignment = type(staff.user.assignments.get())
    RoleAssignment.objects.create(
        user=staff.user,
        role=Role.OUTLET_MANAGER,
        outlet=OutletFactory(bank=bank),
        bank=bank,
        agency=old.district,
    )  # another outlet as well: no automatic move
    security = user_with_role(Role.SECURITY_ADMIN, agency=municipal())
    t = services.transfer_propose(
        staff=staff, to_outlet=new, note="", by=user_with_role(Role.BANK_ADMIN, bank=bank)
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_decide(transfer=t, action="accept", note="",
                                 by=user_with_role(Role.OUTLET_MANAGER, outlet=new))  # fmt: skip
    assert staff.user.assignments.get(role=Role.OUTLET_STAFF).outlet == old  # unchanged
    task = Notification.objects.get(user=security, kind="task")
    assert "请调整账号角色" in task.title and task.url == f"/accounts/users/{staff.user.pk}/"
    assert not AuditEvent.objects.filter(action="role.move").exists()


def test_a_bank_admin_who_proposed_cannot_also_accept(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    old, new = OutletFactory(bank=bank), OutletFactory(bank=bank)
    staff = StaffFactory(outlet=old)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=bank)
    transfer = services.transfer_propose(staff=staff, to_outlet=new, note="", by=bank_admin)
    with pytest.raises(ValidationError, match="发起人不能"):
        services.transfer_decide(transfer=transfer, action="accept", note="", by=bank_admin)
    services.transfer_decide(transfer=transfer, action="accept", note="",
                             by=user_with_role(Role.OUTLET_MANAGER, outlet=new))  # fmt: skip
    assert StaffMember.objects.get(pk=staff.pk).outlet == new


def test_only_the_receiving_side_may_accept(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    old, new = OutletFactory(bank=bank), OutletFactory(bank=bank)
    staff = StaffFactory(outlet=old)
    sender = user_with_role(Role.OUTLET_MANAGER, outlet=old)
    third = user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory(bank=bank))
    transfer = services.transfer_propose(staff=staff, to_outlet=new, note="", by=sender)
    with pytest.raises(NotAllowed):
        services.transfer_decide(transfer=transfer, action="accept", note="", by=third)


def test_a_refusal_keeps_the_person_where_they_are_and_needs_a_reason(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    old, new = OutletFactory(bank=bank), OutletFactory(bank=bank)
    staff = staff_with_account(old)
    grant = active_grant(staff)
    transfer = services.transfer_propose(staff=staff, to_outlet=new, note="",
                                         by=user_with_role(Role.OUTLET_MANAGER, outlet=old))  # fmt: skip
    receiver = user_with_role(Role.OUTLET_MANAGER, outlet=new)
    with pytest.raises(ValidationError, match="理由"):
        services.transfer_decide(transfer=transfer, action="reject", note="", by=receiver)
    services.transfer_decide(transfer=transfer, action="reject", note="编制已满", by=receiver)
    staff.refresh_from_db()
    grant.refresh_from_db()
    assert staff.outlet == old and grant.status == GrantStatus.ACTIVE


def test_transfers_stay_within_one_bank(reference) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    with pytest.raises(ValidationError, match="同一银行"):
        services.transfer_propose(staff=staff, to_outlet=OutletFactory(), note="", by=None)


def test_one_open_transfer_per_person(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    staff = StaffFactory(outlet=OutletFactory(bank=bank))
    services.transfer_propose(staff=staff, to_outlet=OutletFactory(bank=bank), note="", by=None)
    with pytest.raises(ValidationError, match="待接收"):
        services.transfer_propose(staff=staff, to_outlet=OutletFactory(bank=bank), note="", by=None)


def test_leaving_cancels_an_open_transfer(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    staff = StaffFactory(outlet=OutletFactory(bank=bank))
    t = services.transfer_propose(staff=staff, to_outlet=OutletFactory(bank=bank), note="", by=None)
    services.staff_transition(staff=staff, action="leave", reason="辞职", by=None)
    t.refresh_from_db()
    assert t.status == TransferStatus.CANCELLED
    assert StaffMember.objects.get(pk=staff.pk).status == StaffStatus.LEFT


def test_a_wrong_status_change_is_a_clear_message(reference) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    with pytest.raises(ValidationError, match="当前状态为“在岗”，不能执行“复岗”操作"):
        services.staff_transition(staff=staff, action="reinstate", reason="x", by=None)
