"""Suspension and termination reach everything the outlet had (R6.4, R9.3): the online self-service counter
stops at once, and nothing is stranded — the bank administrator still hands over the archives and finishes
the open cases of a suspended or terminated outlet (its own people have lost their permissions and, once
terminated, their logins). While the outlet operates, its own manager does this, not the bank."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework import services
from sheyin.casework.models import ArchiveRecord
from sheyin.casework.workflow import ArchiveStatus, BatchStatus, CaseStatus
from sheyin.institutions.models import Outlet, OutletStatus

from .factories import accepted, completed, world

pytestmark = pytest.mark.django_db


def _set_status(outlet: Outlet, status: str) -> None:
    # The lifecycle's own tests walk suspension and termination; here only their result matters.
    Outlet.objects.filter(pk=outlet.pk).update(status=status)
    outlet.refresh_from_db()


def test_a_terminated_outlets_archives_and_open_cases_are_finished_by_its_bank(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    done = completed(w)
    open_case = accepted(w)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=w.outlet.bank)
    _set_status(w.outlet, OutletStatus.TERMINATED)
    record = ArchiveRecord.objects.get(case=done)
    batch = services.handover_create(records=[record], by=bank_admin, note="网点终止，银行代为移交")
    batch = services.handover_send(batch=batch, by=bank_admin)
    assert batch.status == BatchStatus.SENT and batch.sent_by == bank_admin
    services.archive_confirm(record_=ArchiveRecord.objects.get(pk=record.pk), by=w.officer)
    assert ArchiveRecord.objects.get(pk=record.pk).status == ArchiveStatus.RECEIVED
    cancelled = services.case_cancel(
        case=open_case, reason="网点终止合作，请申请人至其他网点办理", by=bank_admin
    )
    assert cancelled.status == CaseStatus.CANCELLED
    assert services.open_archive_items(w.outlet) == []  # nothing left open for the termination


def test_the_bank_does_not_take_over_while_the_outlet_operates(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    done = completed(w)
    open_case = accepted(w)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=w.outlet.bank)
    record = ArchiveRecord.objects.get(case=done)
    with pytest.raises(NotAllowed, match="网点运营期间由网点负责人办理"):
        services.handover_create(records=[record], by=bank_admin)
    with pytest.raises(NotAllowed, match="网点运营期间由网点负责人办理"):
        services.case_cancel(case=open_case, reason="代办", by=bank_admin)


def test_another_banks_admin_never_takes_over(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.tests.factories import BankFactory

    w = world()
    record = ArchiveRecord.objects.get(case=completed(w))
    _set_status(w.outlet, OutletStatus.TERMINATED)
    stranger = user_with_role(Role.BANK_ADMIN, bank=BankFactory())
    with pytest.raises(NotAllowed):
        services.handover_create(records=[record], by=stranger)


def test_the_online_counter_stops_serving_at_a_suspended_outlet(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    _set_status(w.outlet, OutletStatus.SUSPENDED)
    with pytest.raises(ValidationError, match="网厅自助服务停止"):
        services.guided_start(service_name="电子社保卡申领指导", by=w.staff)
