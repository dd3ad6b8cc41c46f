"""Agreements (Annex 2, Annex 4): creation, signing, objection, renewal and expiry (R4.1, R4.4, R6.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.audit.services import snapshot
from sheyin.common.numbering import allocate
from sheyin.institutions.models import Agency, Bank, Outlet
from sheyin.institutions.workdays import add_working_days
from sheyin.notifications.models import Notification

from .. import selectors
from ..documents import context_for, render_text
from ..models import (
    Agreement,
    AgreementRenewal,
    BankApplication,
    OutletApplication,
    RenewalObjection,
    Termination,
)
from ..workflow import (
    AGREEMENT,
    BANK,
    SYSTEM,
    TERMINATION,
    AgreementStatus,
    TerminationStatus,
    TransitionError,
)
from .base import (
    BA,
    DA,
    DO,
    MA,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    require_reason,
    roles_of,
    tell,
    term_end,
    timeline_event,
)
from .terminations import execute_termination, schedule_bank_end


def agreement_create(
    *,
    kind: str,
    bank: Bank,
    agency: Agency,
    outlet: Outlet | None = None,
    bank_application: BankApplication | None = None,
    outlet_application: OutletApplication | None = None,
    by: Any,
) -> Agreement:
    tpl = selectors.current_template(kind)
    if tpl is None:
        raise ValidationError(_("尚未配置协议模板，请市级管理员先在“模板与参数”中设置。"))
    settings = selectors.current_settings()
    year = local_today().year
    prefix = f"SYXY-SJ-{year}-" if kind == Agreement.Kind.MUNICIPAL else f"SYXY-{agency.code}-{year}-"
    agreement = Agreement(
        kind=kind,
        number=allocate(Agreement, "number", prefix, 4),
        bank=bank,
        agency=agency,
        outlet=outlet,
        bank_application=bank_application,
        outlet_application=outlet_application,
        template=tpl,
        title=tpl.title,
        term_years=settings.term_years,
    )
    agreement.body = render_text(tpl.body, context_for(agreement, settings))
    agreement.save()
    timeline_event(
        "agreement.create",
        by=by,
        outlet=outlet,
        bank=bank,
        district=agency if outlet else None,
        obj=agreement,
        detail=agreement.number,
    )
    audit_step(
        "agreement.create", by=by, obj=agreement, after={"number": agreement.number, "template": tpl.version}
    )
    return agreement


def agreement_sign(
    *,
    agreement: Agreement,
    bank_signed_on: dt.date,
    agency_signed_on: dt.date,
    start_date: dt.date | None = None,
    by: Any,
) -> Agreement:
    """Record the signing dates; the agreement runs for its term from the start date (default: the later
    signature). A municipal agreement makes the bank active; a district agreement's filing deadline starts."""
    municipal = agreement.kind == Agreement.Kind.MUNICIPAL
    require(by, "cooperation.sign_municipal" if municipal else "cooperation.sign_district")
    require_scope(by, agreement)
    today = local_today()
    errors: dict[str, str] = {}
    if bank_signed_on > today:
        errors["bank_signed_on"] = _("签署日期不能晚于今天。")
    if agency_signed_on > today:
        errors["agency_signed_on"] = _("签署日期不能晚于今天。")
    signed = max(bank_signed_on, agency_signed_on)
    start = start_date or signed
    if start < signed:
        errors["start_date"] = _("生效日期不能早于双方签署日期。")
    if errors:
        raise ValidationError(errors)
    settings = selectors.current_settings()
    with transaction.atomic():
        ag = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("bank", "agency", "outlet", "template")
            .get(pk=agreement.pk)
        )
        apply_transition(AGREEMENT, ag, "sign_municipal" if municipal else "sign_district", by)
        ag.bank_signed_on, ag.agency_signed_on, ag.signed_by = bank_signed_on, agency_signed_on, by
        ag.start_date, ag.end_date = start, term_end(start, ag.term_years)
        ag.body = render_text(ag.template.body, context_for(ag, settings))
        if not municipal:
            ag.filing_due = add_working_days(signed, settings.filing_deadline_workdays)
        try:
            with transaction.atomic():
                ag.save()
        except IntegrityError as exc:
            raise TransitionError(_("该银行或网点已有生效中的同类协议。")) from exc
        timeline_event(
            "agreement.sign",
            by=by,
            outlet=ag.outlet,
            bank=ag.bank,
            district=ag.agency if not municipal else None,
            obj=ag,
            detail=_("%(s)s至%(e)s") % {"s": ag.start_date, "e": ag.end_date},
        )
        audit_step(
            "agreement.sign",
            by=by,
            obj=ag,
            after=snapshot(
                ag, ["status", "bank_signed_on", "agency_signed_on", "start_date", "end_date", "filing_due"]
            ),
        )
        if municipal:
            bank = Bank.objects.select_for_update().get(pk=ag.bank_id)
            if bank.status != Bank.Status.ACTIVE:
                before = bank.status
                apply_transition(BANK, bank, "activate", by, system=True)
                bank.save(update_fields=["status", "updated_at"])
                audit_step(
                    "bank.activate", by=by, obj=bank, before={"status": before}, after={"status": bank.status}
                )
        else:
            tell(
                people([DO, DA], agency=ag.agency),
                _("区级协议 %(n)s 已签署，请于%(d)s前报市级备案") % {"n": ag.number, "d": ag.filing_due},
                page_url("agreement_detail", ag.pk),
                Notification.Kind.DEADLINE,
            )
    return ag


def agreement_object(
    *, agreement: Agreement, party: str, reason: str, by: Any, today: dt.date | None = None
) -> RenewalObjection:
    """A party objects to the automatic renewal; valid only at least N days before expiry (R6.1)."""
    require(by, "cooperation.object_renewal")
    require_scope(by, agreement)
    reason = require_reason(reason)
    roles = roles_of(by)
    if by is not None:
        party = (
            RenewalObjection.Party.BANK
            if roles & {BA} and not roles & {MA, DA}
            else RenewalObjection.Party.AGENCY
        )
        if party == RenewalObjection.Party.AGENCY and (
            (agreement.kind == Agreement.Kind.MUNICIPAL and MA not in roles)
            or (agreement.kind == Agreement.Kind.DISTRICT and DA not in roles)
        ):
            raise NotAllowed(_("只能对本机构签订的协议提出续期异议。"))
    today = today or local_today()
    settings = selectors.current_settings()
    with transaction.atomic():
        ag = Agreement.objects.select_for_update().get(pk=agreement.pk)
        if ag.status != AgreementStatus.ACTIVE or ag.end_date is None:
            raise TransitionError(_("只有生效中的协议可以提出续期异议。"))
        deadline = ag.end_date - dt.timedelta(days=settings.renewal_objection_days)
        if today > deadline:
            raise TransitionError(
                _("续期异议须在协议期满%(days)d日前提出（本期到期%(end)s，异议截止%(deadline)s）。")
                % {"days": settings.renewal_objection_days, "end": ag.end_date, "deadline": deadline}
            )
        if ag.objections.filter(term_end=ag.end_date, party=party).exists():
            raise TransitionError(_("该方已对本期续期提出过异议。"))
        obj = RenewalObjection.objects.create(
            agreement=ag, party=party, reason=reason, term_end=ag.end_date, recorded_by=by
        )
        timeline_event(
            "agreement.object",
            by=by,
            outlet=ag.outlet,
            bank=ag.bank,
            district=ag.agency if ag.outlet_id else None,
            obj=ag,
            detail=reason,
        )
        audit_step(
            "agreement.object", by=by, obj=ag, reason=reason, after={"party": party, "term_end": ag.end_date}
        )
        other = (
            people([BA], bank=ag.bank)
            if party == RenewalObjection.Party.AGENCY
            else (people([DA], agency=ag.agency) if ag.outlet_id else people([MA]))
        )
        tell(
            other,
            _("协议 %(n)s 到期不续期的异议已登记") % {"n": ag.number},
            page_url("agreement_detail", ag.pk),
            Notification.Kind.ALERT,
        )
    return obj


@dataclass
class RenewalReport:
    renewed: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)


def agreements_renew_due(*, today: dt.date | None = None, by: Any = None) -> RenewalReport:
    """The periodic job (R6.1): an active agreement past its end date renews for the same term unless a
    party objected in time; then it ends. Idempotent: a renewed agreement's end date is in the future, and
    (agreement, term) is unique, so a second run finds nothing to do."""
    today = today or local_today()
    report = RenewalReport()
    due = list(
        Agreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__lt=today)
        .order_by("kind", "end_date")  # district agreements first: a bank's own expiry then finds them ended
        .values_list("pk", flat=True)
    )
    for pk in due:
        with transaction.atomic():
            ag = (
                Agreement.objects.select_for_update(of=("self",))
                .select_related("bank", "agency", "outlet")
                .get(pk=pk)
            )
            if ag.status != AgreementStatus.ACTIVE or ag.end_date is None or ag.end_date >= today:
                continue  # done meanwhile
            if ag.objections.filter(term_end=ag.end_date).exists():
                _expire(ag, today, by)
                report.expired.append(ag.number)
                continue
            while ag.end_date < today:
                term_no = ag.renewals.count() + 2  # the original term is the first
                start = ag.end_date + dt.timedelta(days=1)
                end = term_end(start, ag.term_years)
                AgreementRenewal.objects.create(
                    agreement=ag, term_no=term_no, previous_end=ag.end_date, start_date=start, end_date=end
                )
                apply_transition(AGREEMENT, ag, "renew", by, system=True)
                previous, ag.end_date = ag.end_date, end
                ag.save(update_fields=["end_date", "status", "updated_at"])
                timeline_event(
                    "agreement.renew",
                    by=by,
                    outlet=ag.outlet,
                    bank=ag.bank,
                    district=ag.agency if ag.outlet_id else None,
                    obj=ag,
                    detail=_("第%(n)d期：%(s)s至%(e)s") % {"n": term_no, "s": start, "e": end},
                )
                audit_step(
                    "agreement.renew", by=by, obj=ag, before={"end_date": previous}, after={"end_date": end}
                )
            report.renewed.append(ag.number)
    return report


def _expire(ag: Agreement, today: dt.date, by: Any) -> None:
    """An objected agreement ends at its term: the outlet (or the bank with all its outlets) ends with it."""
    effective = ag.end_date + dt.timedelta(days=1) if ag.end_date else today
    reason = _("协议期满，一方已提出不续期异议。")
    if ag.kind == Agreement.Kind.MUNICIPAL:
        parent = schedule_bank_end(ag, Termination.Kind.EXPIRED, reason, min(effective, today), by)
        execute_termination(parent, by, today, system=True)
        return
    assert ag.outlet_id is not None
    outlet = Outlet.objects.select_for_update().get(pk=ag.outlet_id)
    TERMINATION.apply_bulk(
        Termination.objects.filter(
            outlet=outlet, status__in=[TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED]
        ),
        "cancel",
        by=by,
        roles={SYSTEM},
        reason=reason,
        changes={"cancel_reason": reason},
    )
    t = Termination.objects.create(
        kind=Termination.Kind.EXPIRED,
        agreement=ag,
        outlet=outlet,
        bank=ag.bank,
        district=outlet.district,
        status=TerminationStatus.SCHEDULED,
        reason=reason,
        effective_date=min(effective, today),
        notice_date=today,
    )
    execute_termination(t, by, today, system=True)
