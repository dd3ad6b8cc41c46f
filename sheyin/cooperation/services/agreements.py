"""Agreements (Annex 2, Annex 4): creation, signing, objection, renewal and expiry (R4.1, R4.4, R6.1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
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
    MO,
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


def _agreement_event(action: str, ag: Agreement, *, by: Any, detail: str) -> None:
    """A step on an agreement in its timeline: the outlet's, the bank's and (for an outlet agreement) the
    district's."""
    timeline_event(
        action,
        by=by,
        outlet=ag.outlet,
        bank=ag.bank,
        district=ag.agency if ag.outlet_id else None,
        obj=ag,
        detail=detail,
    )


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
    if by is not None:
        party = _party_of(by, agreement)
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
        if ag.objections.filter(term_end=ag.end_date, party=party, withdrawn_at__isnull=True).exists():
            raise TransitionError(_("该方已对本期续期提出过异议。"))
        obj = RenewalObjection.objects.create(
            agreement=ag, party=party, reason=reason, term_end=ag.end_date, recorded_by=by
        )
        _agreement_event("agreement.object", ag, by=by, detail=reason)
        audit_step(
            "agreement.object", by=by, obj=ag, reason=reason, after={"party": party, "term_end": ag.end_date}
        )
        tell(
            _other_side(ag, party),
            _("协议 %(n)s 到期不续期的异议已登记") % {"n": ag.number},
            page_url("agreement_detail", ag.pk),
            Notification.Kind.ALERT,
        )
    return obj


def _party_of(by: Any, agreement: Agreement) -> str:
    """The side `by` speaks for on this agreement: the bank, or the agency that signed it."""
    roles = roles_of(by)
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
    return party


def _other_side(ag: Agreement, party: str) -> Any:
    return (
        people([BA], bank=ag.bank)
        if party == RenewalObjection.Party.AGENCY
        else (people([DA], agency=ag.agency) if ag.outlet_id else people([MA]))
    )


def _both_sides(ag: Agreement) -> Any:
    return people([BA], bank=ag.bank) | (
        people([DA, DO], agency=ag.agency) if ag.outlet_id else people([MA, MO])
    )


def renewal_objection_withdraw(
    *, objection: RenewalObjection, reason: str = "", by: Any, today: dt.date | None = None
) -> RenewalObjection:
    """The side that raised an objection to renewal withdraws it, before the term ends. With no objection
    standing, the agreement renews for the same term when it expires (R6.1)."""
    require(by, "cooperation.object_renewal")
    require_scope(by, objection.agreement)
    today = today or local_today()
    with transaction.atomic():
        o = RenewalObjection.objects.select_for_update().select_related("agreement").get(pk=objection.pk)
        ag = Agreement.objects.select_for_update().get(pk=o.agreement_id)
        if _party_of(by, ag) != o.party:
            raise NotAllowed(_("只有提出异议的一方可以撤回该异议。"))
        if o.withdrawn_at is not None:
            raise TransitionError(_("该异议已撤回。"))
        if ag.status != AgreementStatus.ACTIVE or ag.end_date != o.term_end or today > o.term_end:
            raise TransitionError(_("协议本期已届满，异议不能再撤回。"))
        o.withdrawn_at, o.withdrawn_by, o.withdraw_reason = timezone.now(), by, (reason or "").strip()[:300]
        o.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
        standing = ag.objections.filter(term_end=ag.end_date, withdrawn_at__isnull=True).exists()
        _agreement_event("agreement.objection_withdraw", ag, by=by, detail=o.withdraw_reason)
        audit_step(
            "agreement.objection_withdraw",
            by=by,
            obj=ag,
            reason=o.withdraw_reason,
            before={"objection": o.pk, "party": o.party},
            after={"renews": not standing},
        )
        tell(
            _other_side(ag, o.party),
            _("协议 %(n)s 的不续期异议已撤回%(then)s")
            % {"n": ag.number, "then": "" if standing else _("，期满将按原期限自动续期")},
            page_url("agreement_detail", ag.pk),
            Notification.Kind.INFO,
        )
    return o


def agreements_renewal_reminders(*, today: dt.date | None = None) -> int:
    """Remind both sides of an agreement that expires within the configured number of days (once per
    term): when it ends, and until when an objection stops the automatic renewal (R6.1). Idempotent."""
    today = today or local_today()
    settings = selectors.current_settings()
    horizon = today + dt.timedelta(days=settings.expiry_warning_days)
    sent = 0
    due = Agreement.objects.filter(status=AgreementStatus.ACTIVE, end_date__gte=today, end_date__lte=horizon)
    for pk in due.values_list("pk", flat=True):
        with transaction.atomic():
            ag = Agreement.objects.select_for_update(of=("self",)).select_related("bank", "agency").get(pk=pk)
            if ag.end_date is None or ag.renewal_reminded_for == ag.end_date:
                continue
            deadline = ag.end_date - dt.timedelta(days=settings.renewal_objection_days)
            ag.renewal_reminded_for = ag.end_date
            ag.save(update_fields=["renewal_reminded_for"])
            audit_step("agreement.renewal_reminder", obj=ag, by=None, after={"end_date": ag.end_date})
            title = (
                _("协议 %(n)s 将于%(e)s到期：无异议将按原期限自动续期，不续期须于%(d)s前提出异议")
                if today <= deadline
                else _("协议 %(n)s 将于%(e)s到期，期满将按原期限自动续期（异议期限已过）")
            ) % {"n": ag.number, "e": ag.end_date, "d": deadline}
            tell(_both_sides(ag), title, page_url("agreement_detail", ag.pk), Notification.Kind.DEADLINE)
            sent += 1
    return sent


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
            if ag.objections.filter(term_end=ag.end_date, withdrawn_at__isnull=True).exists():
                tell(
                    _both_sides(ag),
                    _("协议 %(n)s 已于%(e)s期满，因一方提出不续期异议而终止")
                    % {"n": ag.number, "e": ag.end_date},
                    page_url("agreement_detail", ag.pk),
                    Notification.Kind.INFO,
                )
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
                _agreement_event(
                    "agreement.renew",
                    ag,
                    by=by,
                    detail=_("第%(n)d期：%(s)s至%(e)s") % {"n": term_no, "s": start, "e": end},
                )
                audit_step(
                    "agreement.renew", by=by, obj=ag, before={"end_date": previous}, after={"end_date": end}
                )
            tell(
                _both_sides(ag),
                _("协议 %(n)s 期满无异议，已按原期限自动续期至%(e)s") % {"n": ag.number, "e": ag.end_date},
                page_url("agreement_detail", ag.pk),
                Notification.Kind.INFO,
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
