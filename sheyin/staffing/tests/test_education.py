"""Confidentiality and security education (R7.3, R9.3): recorded per person, a grant lapses without a
current one (period configurable, default 12 months), with a reminder before (default 30 days)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.notifications.models import Notification
from sheyin.staffing import selectors, services
from sheyin.staffing.models import SecurityEducation, StaffingSettings
from sheyin.staffing.workflow import GrantStatus, RevokeReason

from .factories import StaffFactory, active_grant

pytestmark = pytest.mark.django_db


def test_the_outlet_records_education_with_date_and_recorder_r7_3(reference) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    day = timezone.localdate() - dt.timedelta(days=3)
    edu = services.education_record(staff=staff, held_on=day, topic="数据安全", by=manager)
    assert edu.recorded_by == manager and edu.valid_until == selectors.add_months(day, 12)
    assert AuditEvent.objects.filter(action="education.record", object_id=str(edu.pk)).exists()


def test_education_refuses_a_future_or_missing_date_and_writes_nothing(reference) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    for day in (None, timezone.localdate() + dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.education_record(staff=staff, held_on=day, by=manager)
    assert not SecurityEducation.objects.exists()


def test_outlet_staff_and_other_outlets_cannot_record_education(reference) -> None:  # type: ignore[no-untyped-def]
    staff = StaffFactory()
    for who in (
        user_with_role(Role.OUTLET_STAFF, outlet=staff.outlet),
        user_with_role(Role.OUTLET_MANAGER, outlet=StaffFactory().outlet),
    ):
        with pytest.raises(NotAllowed):
            services.education_record(staff=staff, held_on=timezone.localdate(), by=who)
    assert not SecurityEducation.objects.exists()


def test_a_grant_lapses_without_current_education_r7_3(reference) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    lapsing = active_grant(StaffFactory())
    lapsing.valid_from = today - dt.timedelta(days=400)
    lapsing.save()
    educated = active_grant(StaffFactory())
    educated.valid_from = today - dt.timedelta(days=400)
    educated.save()
    SecurityEducation.objects.create(
        staff=educated.staff, held_on=today - dt.timedelta(days=30),
        valid_until=selectors.add_months(today - dt.timedelta(days=30), 12), recorded_by=user_with_role(Role.DISTRICT_OFFICER, agency=educated.staff.district),
    )  # fmt: skip
    assert services.grants_lapse_without_education(today=today) == 1
    lapsing.refresh_from_db()
    educated.refresh_from_db()
    assert lapsing.status == GrantStatus.REVOKED and lapsing.revoke_reason == RevokeReason.NO_EDUCATION
    assert educated.status == GrantStatus.ACTIVE
    assert services.grants_lapse_without_education(today=today) == 0  # idempotent


def test_the_education_period_is_configurable(reference) -> None:  # type: ignore[no-untyped-def]
    StaffingSettings.objects.update_or_create(pk=1, defaults={"education_period_months": 24})
    grant = active_grant(StaffFactory())
    grant.valid_from = timezone.localdate() - dt.timedelta(days=400)
    grant.save()
    assert services.grants_lapse_without_education() == 0


def test_a_reminder_goes_out_once_before_education_runs_out(reference) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    staff = StaffFactory()
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    grant = active_grant(staff)
    grant.valid_from = selectors.add_months(today, -12) + dt.timedelta(days=20)  # due in about 20 days
    grant.save()
    assert services.education_reminders_send(today=today) >= 1
    assert Notification.objects.filter(user=manager, title__contains="保密和安全教育").count() == 1
    assert services.education_reminders_send(today=today) == 0
