"""R6.2–R6.4: negotiated and unilateral termination, scheduled effect, bank-wide end, open items."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.cooperation import selectors, services
from sheyin.cooperation.models import Agreement, OpenItem, OutletApplication, Termination
from sheyin.cooperation.workflow import (
    AgreementStatus,
    OpenItemStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
    TransitionError,
)
from sheyin.institutions.models import Bank, OutletStatus
from sheyin.notices.models import PublicNotice

from .factories import accepted, cooperating, operating, submitted

pytestmark = pytest.mark.django_db


def test_a_negotiated_termination_needs_both_sides_and_takes_effect_on_its_date(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    day = timezone.localdate() + dt.timedelta(days=10)
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.NEGOTIATED,
        reason="网点搬迁",
        effective_date=day,
        by=p.bank_admin,
    )
    assert t.status == TerminationStatus.PROPOSED and t.bank_confirmed_by == p.bank_admin
    with pytest.raises(TransitionError, match="银行一方已确认"):
        services.termination_confirm(termination=t, by=p.bank_admin)
    t = services.termination_confirm(termination=t, by=p.district_admin)
    assert t.status == TerminationStatus.SCHEDULED
    with pytest.raises(TransitionError, match="尚未到生效日期"):
        services.termination_execute(termination=t, by=p.district_admin)
    assert services.terminations_execute_due(today=day - dt.timedelta(days=1)) == 0
    assert services.terminations_execute_due(today=day) == 1
    assert services.terminations_execute_due(today=day) == 0  # the job is idempotent
    outlet.refresh_from_db()
    assert outlet.status == OutletStatus.TERMINATED


def test_a_proposed_termination_can_be_cancelled_but_a_bank_cannot_cancel_a_unilateral_one(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.UNILATERAL,
        ground="violation",
        reason="违规",
        notice_date=timezone.localdate(),
        effective_date=timezone.localdate() + dt.timedelta(days=5),
        by=p.district_officer,
    )
    with pytest.raises(NotAllowed, match="银行不能撤销经办机构的单方解除"):
        services.termination_cancel(termination=t, reason="不同意", by=p.bank_admin)
    t = services.termination_cancel(termination=t, reason="已整改到位", by=p.district_admin)
    assert t.status == TerminationStatus.CANCELLED
    # a new proposal is possible after a cancellation
    services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.NEGOTIATED,
        reason="协商",
        effective_date=timezone.localdate(),
        by=p.district_admin,
    )
    with pytest.raises(TransitionError, match="已有进行中的终止流程"):
        services.termination_propose(
            outlet=outlet,
            kind=Termination.Kind.NEGOTIATED,
            reason="again",
            effective_date=timezone.localdate(),
            by=p.district_admin,
        )


def test_open_items_are_listed_at_termination_and_closed_when_the_source_no_longer_reports_them(
    reference, open_item_source
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    open_item_source.extend(
        [
            {
                "kind": "archives",
                "description": "业务档案2件未移交",
                "object_type": "casework.archive",
                "object_id": "1",
            },
            {
                "kind": "ticket",
                "description": "问题工单T-9未办结",
                "object_type": "support.ticket",
                "object_id": "9",
            },
        ]
    )
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.NEGOTIATED,
        reason="协商",
        effective_date=timezone.localdate(),
        by=p.district_admin,
    )
    t = services.termination_confirm(termination=t, by=p.bank_admin)
    assert t.status == TerminationStatus.EFFECTIVE and t.open_items.count() == 2
    open_item_source.pop(0)  # the archives were handed over in casework
    assert services.open_items_refresh(termination=t, by=p.district_officer) == (0, 1)
    assert OpenItem.objects.get(kind="archives").status == OpenItemStatus.CLOSED
    ticket = OpenItem.objects.get(kind="ticket")
    with pytest.raises(ValidationError, match="请填写理由"):
        services.open_item_close(item=ticket, note="", by=p.district_officer)
    services.open_item_close(item=ticket, note="工单已由区社保中心接办", by=p.district_officer)
    t.refresh_from_db()
    assert t.status == TerminationStatus.CLOSED


def test_ending_a_banks_municipal_agreement_ends_its_outlets_after_a_preview_and_a_confirmation(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    live = operating(p, name="运营网点")
    waiting = accepted(p, name="已验收网点")
    pending = submitted(p, name="申请中网点")
    municipal = Agreement.objects.get(bank=p.bank, kind=Agreement.Kind.MUNICIPAL)
    preview = selectors.bank_termination_preview(municipal)
    assert preview["count"] == 3 and preview["open_applications"] == 1
    with pytest.raises(ValidationError, match="确认的网点数量（2）与当前预览（3）不一致"):
        services.bank_agreement_terminate(
            agreement=municipal,
            reason="合作终止",
            effective_date=timezone.localdate(),
            confirm_count=2,
            by=p.muni_admin,
        )
    with pytest.raises(NotAllowed):
        services.bank_agreement_terminate(
            agreement=municipal,
            reason="合作终止",
            effective_date=timezone.localdate(),
            confirm_count=3,
            by=p.muni_officer,
        )
    parent = services.bank_agreement_terminate(
        agreement=municipal,
        reason="银行申请终止合作",
        effective_date=timezone.localdate(),
        confirm_count=3,
        by=p.muni_admin,
    )
    parent.refresh_from_db()
    municipal.refresh_from_db()
    p.bank.refresh_from_db()
    assert parent.status == TerminationStatus.CLOSED and parent.children.count() == 2
    assert municipal.status == AgreementStatus.TERMINATED and p.bank.status == Bank.Status.ENDED
    for o in (live, waiting.outlet, pending.outlet):
        o.refresh_from_db()
        assert o.status == OutletStatus.TERMINATED
    assert live.plaques.get().status == PlaqueStatus.RECOVERED
    assert OutletApplication.objects.get(pk=pending.pk).status == OutletApplicationStatus.WITHDRAWN
    assert Agreement.objects.get(outlet=waiting.outlet).status == AgreementStatus.CANCELLED
    titles = list(
        PublicNotice.objects.filter(kind=PublicNotice.Kind.OUTLET_TERMINATED).values_list("title", flat=True)
    )
    assert any(p.bank.name in t for t in titles) and any("运营网点" in t for t in titles)


def test_a_bank_wide_end_scheduled_later_takes_effect_with_the_job(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    municipal = Agreement.objects.get(bank=p.bank, kind=Agreement.Kind.MUNICIPAL)
    day = timezone.localdate() + dt.timedelta(days=7)
    parent = services.bank_agreement_terminate(
        agreement=municipal, reason="到期前协商终止", effective_date=day, confirm_count=1, by=p.muni_admin
    )
    assert parent.status == TerminationStatus.SCHEDULED
    outlet.refresh_from_db()
    assert outlet.status == OutletStatus.OPERATING
    assert services.terminations_execute_due(today=day) == 1
    outlet.refresh_from_db()
    assert outlet.status == OutletStatus.TERMINATED


def test_the_approver_sees_the_open_items_before_approving(reference, client, open_item_source) -> None:  # type: ignore[no-untyped-def]
    """R6.4: cases in progress, archives not handed over, open tickets and rectifications are listed on the
    termination page before it is approved, grouped by kind, with a link to each."""
    from django.urls import reverse

    p = cooperating()
    outlet = operating(p)
    open_item_source.extend(
        [
            {"kind": "case", "description": "受理业务A-1尚未办结（受理中）", "url": "/casework/cases/1/"},
            {
                "kind": "archive",
                "description": "业务档案A-2未完成移交（待移交）",
                "url": "/casework/archives/2/",
            },
            {"kind": "support_ticket", "description": "问题工单未办结：T-3", "url": "/support/tickets/3/"},
            {
                "kind": "rectification",
                "description": "整改通知F-4未销号",
                "url": "/supervision/rectifications/4/",
            },
        ]
    )
    t = services.termination_propose(
        outlet=outlet, kind="unilateral", ground="violation", reason="违规", notice_date=timezone.localdate(),
        effective_date=timezone.localdate() + dt.timedelta(days=5), by=p.district_admin,
    )  # fmt: skip
    client.force_login(p.district_admin2)
    body = client.get(reverse("cooperation:termination_detail", args=[t.pk])).content.decode()
    assert 'data-testid="open-items-preview"' in body
    for words in (
        "受理中的业务",
        "未完成移交的业务档案",
        "未办结的问题工单",
        "未销号的整改通知",
        "整改通知F-4未销号",
    ):
        assert words in body, words
    assert "批准前请核对左侧4项未结事项" in body
    assert not OpenItem.objects.exists()  # a preview writes nothing


def test_a_cascade_of_terminations_writes_one_audit_event_per_row(reference) -> None:  # type: ignore[no-untyped-def]
    """A bank-wide end merges each outlet's pending termination (cancelled, each audited), and cancelling
    the bank-wide end cancels each of its outlets' parts, each audited on its own (R6.4, design rule 3)."""
    from sheyin.audit.models import AuditEvent

    p = cooperating()
    first, second = operating(p, name="一号网点"), operating(p, name="二号网点")
    pending = services.termination_propose(
        outlet=first,
        kind=Termination.Kind.NEGOTIATED,
        reason="网点搬迁",
        effective_date=timezone.localdate() + dt.timedelta(days=30),
        by=p.bank_admin,
    )
    municipal = Agreement.objects.get(bank=p.bank, kind=Agreement.Kind.MUNICIPAL)
    parent = services.bank_agreement_terminate(
        agreement=municipal,
        reason="到期前协商终止",
        effective_date=timezone.localdate() + dt.timedelta(days=7),
        confirm_count=2,
        by=p.muni_admin,
    )
    pending.refresh_from_db()
    assert pending.status == TerminationStatus.CANCELLED and pending.cancel_reason == "并入银行合作终止"
    merged = AuditEvent.objects.filter(action="cooperation.termination.cancel", object_id=str(pending.pk))
    assert merged.count() == 1 and merged.get().reason == "并入银行合作终止"

    parts = list(parent.children.values_list("pk", flat=True))
    assert len(parts) == 2
    services.termination_cancel(termination=parent, reason="银行撤回终止申请", by=p.muni_admin)
    assert set(Termination.objects.filter(pk__in=parts).values_list("status", flat=True)) == {
        TerminationStatus.CANCELLED
    }
    for pk in parts:
        event = AuditEvent.objects.get(action="cooperation.termination.cancel", object_id=str(pk))
        assert event.reason == "银行撤回终止申请" and event.actor_id == p.muni_admin.pk
        assert event.before["status"] == "scheduled" and event.after["status"] == "cancelled"
    for o in (first, second):
        o.refresh_from_db()
        assert o.status == OutletStatus.OPERATING
