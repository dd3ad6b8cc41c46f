"""Permission grants (R9.1, R2.0): every prerequisite refuses with a Chinese message naming what is missing;
maker–checker; validity; the selectors casework uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.staffing import selectors, services
from sheyin.staffing.models import PermissionGrant, StaffingSettings
from sheyin.staffing.workflow import GrantStatus, StaffStatus

from .factories import (
    CourseFactory,
    StaffFactory,
    active_grant,
    certified,
    district_users,
    passed,
    signed,
    staff_with_account,
    today,
    trained,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(reference):  # type: ignore[no-untyped-def]
    officer, admin, admin2 = district_users()
    return {"officer": officer, "admin": admin, "admin2": admin2}


def propose(staff, people):  # type: ignore[no-untyped-def]
    return services.grant_propose(staff=staff, channels=["O", "W"], categories=["query", "card"], note="",
                                  by=people["officer"])  # fmt: skip


def refusal(staff, people) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        propose(staff, people)
    return " ".join(info.value.messages)


def test_a_fully_certified_person_is_proposed_and_approved_by_another_person(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(staff_with_account())
    grant = propose(staff, people)
    assert grant.status == GrantStatus.PROPOSED
    grant = services.grant_decide(grant=grant, action="approve", note="同意", by=people["admin"])
    assert grant.status == GrantStatus.ACTIVE
    assert grant.valid_from == today()
    assert selectors.has_active_grant(staff.user)
    assert AuditEvent.objects.filter(action="grant.approve", object_id=str(grant.pk)).exists()
    assert staff.events.filter(kind="grant", text__contains="获批").exists()


def test_it_refuses_a_grant_without_enough_training_hours(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff, hours="8")
    passed(staff)
    signed(staff)
    message = refusal(staff, people)
    assert "培训学时不足" in message and "已完成8学时" in message and "要求16学时" in message


def test_training_hours_outside_the_window_do_not_count(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff, days_ago=800)
    passed(staff)
    signed(staff)
    assert "培训学时不足" in refusal(staff, people)


def test_it_refuses_a_grant_without_a_passed_exam(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    signed(staff)
    assert "考核未通过：没有考试合格记录" in refusal(staff, people)


def test_it_refuses_a_grant_when_the_exam_pass_has_expired(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    old = today() - dt.timedelta(days=1)
    passed(staff, valid_until=old)
    signed(staff)
    message = refusal(staff, people)
    assert "考核合格已过有效期" in message and old.strftime("%Y-%m-%d") in message


def test_it_refuses_a_grant_without_a_confidentiality_agreement(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    passed(staff)
    assert "未签署保密协议" in refusal(staff, people)


def test_it_refuses_a_grant_when_the_agreement_has_expired(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    passed(staff)
    signed(staff, valid_until=today() - dt.timedelta(days=3))
    assert "保密协议已过有效期" in refusal(staff, people)


@pytest.mark.parametrize("status", [OutletStatus.SUSPENDED, OutletStatus.TERMINATED, OutletStatus.ACCEPTED])
def test_it_refuses_a_grant_at_an_outlet_that_is_not_operating(people, status) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory(outlet=OutletFactory(status=status, name="停业网点")))
    message = refusal(staff, people)
    assert "网点“停业网点”当前状态为" in message and "不是运营中" in message


@pytest.mark.parametrize("status", [StaffStatus.SUSPENDED, StaffStatus.LEFT])
def test_it_refuses_a_grant_to_a_person_who_is_not_active(people, status) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory(status=status, name="离岗者"))
    message = refusal(staff, people)
    assert "经办人员“离岗者”状态为" in message and "不是在岗状态" in message


def test_the_refusal_names_every_missing_prerequisite_at_once(people) -> None:  # type: ignore[no-untyped-def]
    message = refusal(StaffFactory(), people)
    assert all(s in message for s in ("培训学时不足", "考核未通过", "未签署保密协议"))


def test_it_refuses_a_grant_when_the_account_is_bound_to_another_outlet(people) -> None:  # type: ignore[no-untyped-def]
    other = OutletFactory()
    user = user_with_role(Role.OUTLET_STAFF, outlet=other)
    staff = certified(StaffFactory(user=user))
    assert "角色绑定在其他网点" in refusal(staff, people)


def test_approval_rechecks_the_prerequisites(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = propose(staff, people)
    staff.agreements.update(valid_until=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError) as info:
        services.grant_decide(grant=grant, action="approve", note="", by=people["admin"])
    assert "保密协议已过有效期" in " ".join(info.value.messages)
    assert PermissionGrant.objects.get(pk=grant.pk).status == GrantStatus.PROPOSED


def test_no_grant_is_made_when_the_outlet_stops_operating_before_approval(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = propose(staff, people)
    type(staff.outlet).objects.filter(pk=staff.outlet_id).update(status=OutletStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="不是运营中"):
        services.grant_decide(grant=grant, action="approve", note="", by=people["admin"])


def test_the_proposer_cannot_approve_their_own_proposal(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = services.grant_propose(
        staff=staff, channels=["W"], categories=["query"], note="", by=people["admin"]
    )
    with pytest.raises(ValidationError, match="审批人不能是提出人"):
        services.grant_decide(grant=grant, action="approve", note="", by=people["admin"])
    assert (
        services.grant_decide(grant=grant, action="approve", note="", by=people["admin2"]).status == "active"
    )


def test_a_district_officer_cannot_approve(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = services.grant_propose(
        staff=staff, channels=["W"], categories=["query"], note="", by=people["admin"]
    )
    with pytest.raises(NotAllowed):
        services.grant_decide(grant=grant, action="approve", note="", by=people["officer"])


def test_a_rejection_is_recorded_with_its_reason_and_not_deleted(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = propose(staff, people)
    with pytest.raises(ValidationError, match="驳回须填写理由"):
        services.grant_decide(grant=grant, action="reject", note="", by=people["admin"])
    services.grant_decide(grant=grant, action="reject", note="渠道范围过大", by=people["admin"])
    grant.refresh_from_db()
    assert grant.status == GrantStatus.REJECTED and grant.decision_note == "渠道范围过大"
    assert staff.events.filter(text__contains="渠道范围过大").exists()


def test_another_district_cannot_propose_for_this_district(reference) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    staff = certified(StaffFactory())
    with pytest.raises(NotAllowed):
        services.grant_propose(staff=staff, channels=["W"], categories=["query"], note="", by=officer)


def test_outlets_and_banks_cannot_propose_grants(reference) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    with pytest.raises(NotAllowed):
        services.grant_propose(staff=staff, channels=["W"], categories=["query"], note="", by=manager)


def test_a_grant_needs_a_channel_and_a_category(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    with pytest.raises(ValidationError) as info:
        services.grant_propose(
            staff=staff, channels=[], categories=["nonsense"], note="", by=people["officer"]
        )
    assert set(info.value.message_dict) == {"channels", "categories"}


def test_a_grant_does_not_outlive_the_exam_pass_or_the_agreement(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    passed(staff, valid_until=today() + dt.timedelta(days=100))
    signed(staff, valid_until=today() + dt.timedelta(days=50))
    grant = services.grant_decide(grant=propose(staff, people), action="approve", note="", by=people["admin"])
    assert grant.valid_until == today() + dt.timedelta(days=50)


def test_grant_validity_follows_the_settings(people) -> None:  # type: ignore[no-untyped-def]
    StaffingSettings.objects.update_or_create(pk=1, defaults={"grant_validity_days": 30})
    staff = certified(StaffFactory())
    grant = services.grant_decide(grant=propose(staff, people), action="approve", note="", by=people["admin"])
    assert grant.valid_until == today() + dt.timedelta(days=30)


def test_re_certification_replaces_the_old_grant(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    old = active_grant(staff)
    new = services.grant_decide(grant=propose(staff, people), action="approve", note="", by=people["admin"])
    old.refresh_from_db()
    assert old.status == GrantStatus.EXPIRED and new.status == GrantStatus.ACTIVE


def test_has_active_grant_checks_channel_category_and_dates(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    user = staff.user
    assert not selectors.has_active_grant(user)
    grant = active_grant(staff, channels="O,W", categories="card,query")
    assert selectors.has_active_grant(user)
    assert selectors.has_active_grant(user, channel="W", category="card")
    assert not selectors.has_active_grant(user, channel="T")
    assert not selectors.has_active_grant(user, category="benefits")
    assert selectors.active_grant_for(user) == grant
    assert not selectors.has_active_grant(user, at=grant.valid_until + dt.timedelta(days=1))
    assert not selectors.has_active_grant(user, at=grant.valid_from - dt.timedelta(days=1))


def test_an_expired_but_unswept_grant_is_not_in_force(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    active_grant(staff, valid_until=today() - dt.timedelta(days=1))
    assert not selectors.has_active_grant(staff.user)


def test_a_grant_is_not_in_force_once_the_outlet_is_suspended_even_before_revocation(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    active_grant(staff)
    type(staff.outlet).objects.filter(pk=staff.outlet_id).update(status=OutletStatus.SUSPENDED)
    assert not selectors.has_active_grant(staff.user)


def test_only_the_proposer_withdraws_a_proposal(people) -> None:  # type: ignore[no-untyped-def]
    staff = certified(StaffFactory())
    grant = propose(staff, people)
    with pytest.raises(ValidationError, match="只有提出人可以撤回"):
        services.grant_decide(grant=grant, action="withdraw", note="", by=people["admin"])
    grant = services.grant_decide(grant=grant, action="withdraw", note="", by=people["officer"])
    assert grant.status == GrantStatus.WITHDRAWN
    assert staff.events.filter(text__contains="撤回").exists()


def test_the_rules_are_edited_by_admins_and_audited(people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        services.settings_update(data={"pass_mark": 90}, by=people["officer"])
    with pytest.raises(ValidationError) as info:
        services.settings_update(data={"pass_mark": 0, "grant_validity_days": 0}, by=people["admin"])
    assert set(info.value.message_dict) == {"pass_mark", "grant_validity_days"}
    services.settings_update(data={"pass_mark": 90}, by=people["admin"])
    assert StaffingSettings.current().pass_mark == 90
    assert AuditEvent.objects.filter(action="staffing.settings_update", after={"pass_mark": 90}).exists()


def test_a_pass_in_a_course_that_does_not_certify_does_not_count(people) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    trained(staff)
    signed(staff)
    passed(staff, course=CourseFactory(certifies=False, title="数据安全专项测试"))
    assert "考核未通过" in refusal(staff, people)
