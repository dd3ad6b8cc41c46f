"""R6.2–R6.4: termination of outlets and bank agreements, and the open items that follow."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.audit.services import snapshot
from sheyin.institutions.models import Bank, Outlet, OutletStatus
from sheyin.notices.models import PublicNotice
from sheyin.notices.services import notice_publish
from sheyin.notifications.models import Notification

from .. import selectors
from ..models import (
    Agreement,
    OpenItem,
    OutletApplication,
    Plaque,
    Suspension,
    Termination,
)
from ..open_items import collect
from ..workflow import (
    AGREEMENT,
    BANK,
    OUTLET,
    OUTLET_APPLICATION,
    PLAQUE,
    SYSTEM,
    TERMINATION,
    AgreementStatus,
    OpenItemStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
    TransitionError,
)
from .applications import end_applying_outlet
from .base import (
    BA,
    DA,
    DO,
    MA,
    OM,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    require_reason,
    roles_of,
    tell,
    timeline_event,
)
from .changes import close_open_change_requests
from .suspension import revoke_outlet_staff


def termination_propose(
    *,
    outlet: Outlet,
    kind: str,
    reason: str,
    effective_date: dt.date,
    ground: str = "",
    notice_date: dt.date | None = None,
    by: Any,
) -> Termination:
    require(by, "cooperation.propose_termination")
    require_scope(by, outlet)
    roles = roles_of(by)
    bank_side = bool(roles & {BA}) and not roles & {DA, DO}
    today = local_today()
    errors: dict[str, str] = {}
    if kind not in (Termination.Kind.NEGOTIATED, Termination.Kind.UNILATERAL):
        errors["kind"] = _("请选择终止方式。")
    if kind == Termination.Kind.UNILATERAL:
        if bank_side:
            errors["kind"] = _("银行不能单方解除，请提出协商解除。")
        if ground not in (Termination.Ground.VIOLATION, Termination.Ground.FAILED_APPRAISAL):
            errors["ground"] = _("单方解除须选择事由：违规并造成不良影响，或考核不合格。")
        if notice_date is None:
            errors["notice_date"] = _("单方解除须填写书面通知日期。")
    else:
        ground = ""
    if not reason.strip():
        errors["reason"] = _("请填写理由。")
    if effective_date < today:
        errors["effective_date"] = _("生效日期不能早于今天。")
    if notice_date is not None and effective_date < notice_date:
        errors["effective_date"] = _("生效日期不能早于通知日期。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        if o.status not in (OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED):
            raise TransitionError(_("只有已验收、运营中或暂停服务的网点可以终止合作。"))
        ag = selectors.district_agreement_of(o)
        if ag is None:
            raise TransitionError(_("该网点没有有效的区级协议。"))
        if selectors.open_terminations(Termination.objects.filter(outlet=o)).exists():
            raise TransitionError(_("该网点已有进行中的终止流程。"))
        t = Termination(
            kind=kind,
            ground=ground,
            agreement=ag,
            outlet=o,
            bank=o.bank,
            district=o.district,
            reason=reason.strip(),
            notice_date=notice_date,
            effective_date=effective_date,
            proposed_by=by,
            proposed_side=Termination.Side.BANK if bank_side else Termination.Side.AGENCY,
        )
        now = timezone.now()
        if kind == Termination.Kind.NEGOTIATED:  # the proposing side has agreed by proposing
            if BA in roles and bank_side:
                t.bank_confirmed_by, t.bank_confirmed_at = by, now
            elif DA in roles:
                t.agency_confirmed_by, t.agency_confirmed_at = by, now
        try:
            with transaction.atomic():
                t.save()
        except IntegrityError as exc:
            raise TransitionError(_("该网点已有进行中的终止流程。")) from exc
        timeline_event(
            "termination.propose", by=by, outlet=o, obj=t, detail=f"{t.get_kind_display()}：{t.reason}"
        )
        audit_step(
            "termination.propose",
            by=by,
            obj=t,
            reason=t.reason,
            after=snapshot(t, ["kind", "ground", "notice_date", "effective_date", "proposed_side"]),
        )
        url = page_url("termination_detail", t.pk)
        if kind == Termination.Kind.UNILATERAL:
            tell(
                people([DA], agency=o.district, exclude=by),
                _("请批准单方解除：%(name)s") % {"name": o.name},
                url,
            )
            tell(
                people([BA], bank=o.bank) | people([OM], outlet=o),
                _("%(name)s收到单方解除合作通知") % {"name": o.name},
                url,
                Notification.Kind.ALERT,
            )
        else:
            other = people([DA], agency=o.district) if bank_side else people([BA], bank=o.bank)
            tell(other, _("请确认协商解除：%(name)s") % {"name": o.name}, url)
    return t


def _maybe_execute(t: Termination, by: Any) -> None:
    if t.status == TerminationStatus.SCHEDULED and t.effective_date <= local_today():
        execute_termination(t, by, local_today(), system=True)


def termination_confirm(*, termination: Termination, by: Any) -> Termination:
    """Negotiated termination (R6.2): each side confirms; with both, it is scheduled (and takes effect at
    once if its date has come)."""
    require(by, "cooperation.confirm_termination")
    require_scope(by, termination)
    roles = roles_of(by)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        TERMINATION.check(t, "confirm", roles=roles, ctx={"agency_confirming": True, "bank_confirming": True})
        now = timezone.now()
        if DA in roles:
            if t.agency_confirmed_by_id:
                raise TransitionError(_("经办机构一方已确认。"))
            t.agency_confirmed_by, t.agency_confirmed_at = by, now
        else:
            if t.bank_confirmed_by_id:
                raise TransitionError(_("银行一方已确认。"))
            t.bank_confirmed_by, t.bank_confirmed_at = by, now
        if t.agency_confirmed_by_id and t.bank_confirmed_by_id:
            apply_transition(TERMINATION, t, "confirm", by)
        t.save()
        timeline_event("termination.confirm", by=by, outlet=t.outlet, obj=t)
        audit_step("termination.confirm", by=by, obj=t, after={"status": t.status})
        _maybe_execute(t, by)
    return t


def termination_approve(*, termination: Termination, by: Any) -> Termination:
    """Unilateral termination (R6.3): approved by a district admin other than the proposer."""
    require(by, "cooperation.approve_termination")
    require_scope(by, termination)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        apply_transition(TERMINATION, t, "approve", by)
        t.approved_by, t.approved_at = by, timezone.now()
        t.save()
        timeline_event("termination.approve", by=by, outlet=t.outlet, obj=t)
        audit_step("termination.approve", by=by, obj=t, after={"status": t.status})
        _maybe_execute(t, by)
    return t


def termination_execute(*, termination: Termination, by: Any, today: dt.date | None = None) -> Termination:
    """Carry out a scheduled termination on/after its effective date (the job does this by itself)."""
    require(by, "cooperation.execute_termination")
    require_scope(by, termination)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        execute_termination(t, by, today or local_today())
    return t


def terminations_execute_due(*, today: dt.date | None = None) -> int:
    """The job: every scheduled termination whose date has come takes effect; open items are re-asked."""
    today = today or local_today()
    done = 0
    due = Termination.objects.filter(
        status=TerminationStatus.SCHEDULED, effective_date__lte=today, parent__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            t = Termination.objects.select_for_update().get(pk=pk)
            if t.status != TerminationStatus.SCHEDULED:
                continue
            execute_termination(t, None, today)
            done += 1
    for pk in list(
        Termination.objects.filter(status=TerminationStatus.EFFECTIVE).values_list("pk", flat=True)
    ):
        open_items_refresh(termination=Termination.objects.get(pk=pk), by=None)
    return done


def execute_termination(t: Termination, by: Any, today: dt.date, *, system: bool = False) -> None:
    """Everything termination means, in the caller's transaction (R6.4)."""
    apply_transition(TERMINATION, t, "execute", by, {"today": today}, system=system or by is None)
    t.executed_at = timezone.now()
    if t.outlet_id is None:
        _execute_bank(t, by, today)
        return
    o = Outlet.objects.select_for_update(of=("self",)).select_related("bank", "district").get(pk=t.outlet_id)
    reason = _("%(kind)s：%(reason)s") % {"kind": t.get_kind_display(), "reason": t.reason}
    apply_transition(OUTLET, o, "terminate", by, system=True)
    o.save(update_fields=["status", "updated_at"])
    # Not a lifecycle change: a suspension record has no status, only the date its period ended.
    Suspension.objects.filter(outlet=o, resumed_on__isnull=True).update(
        resumed_on=t.effective_date, resume_reason=_("随终止合作结束")
    )
    close_open_change_requests(o, by, reason)
    for ag in Agreement.objects.select_for_update().filter(
        outlet=o, status__in=[AgreementStatus.DRAFT, AgreementStatus.ACTIVE]
    ):
        action = (
            "cancel"
            if ag.status == AgreementStatus.DRAFT
            else "expire"
            if t.kind == Termination.Kind.EXPIRED
            else "terminate"
        )
        apply_transition(AGREEMENT, ag, action, by, system=True)
        ag.ended_on, ag.end_reason = t.effective_date, reason
        ag.save()
        timeline_event(f"agreement.{action}", by=by, outlet=o, obj=ag, detail=reason)
        audit_step(f"agreement.{action}", by=by, obj=ag, reason=reason, after={"status": ag.status})
    for p in Plaque.objects.select_for_update().filter(outlet=o, status=PlaqueStatus.VALID):
        apply_transition(PLAQUE, p, "recover", by, system=True)
        p.recovered_on, p.recovered_reason = today, reason[:300]
        p.save()
        timeline_event("plaque.recover", by=by, outlet=o, obj=p, detail=p.number)
        audit_step("plaque.recover", by=by, obj=p, reason=reason, after={"status": p.status})
    t.staff_revoked = revoke_outlet_staff(o, reason, by)
    notice = notice_publish(
        kind=PublicNotice.Kind.OUTLET_TERMINATED,
        title=_("关于终止“%(name)s”社保服务合作的公告") % {"name": o.name},
        body=_(
            "%(bank)s%(name)s（地址：%(address)s，%(district)s）自%(date)s起终止社保服务合作（%(kind)s），"
            "不再办理社会保险业务，“社保服务合作网点”标牌已收回。请企业群众就近前往其他合作网点或社保经办机构办理。"
        )
        % {
            "bank": o.bank.name,
            "name": o.name,
            "address": o.address,
            "district": o.district.district_name,
            "date": f"{t.effective_date:%Y年%m月%d日}",
            "kind": t.get_kind_display(),
        },
        by=by,
        related=o,
    )
    t.notice_id = notice.pk
    items = collect(o)
    for row in items:
        OpenItem.objects.get_or_create(
            termination=t,
            kind=row["kind"],
            object_type=row["object_type"],
            object_id=row["object_id"],
            defaults={"outlet": o, "description": row["description"], "url": row["url"]},
        )
    if not t.open_items.filter(status=OpenItemStatus.OPEN).exists():
        apply_transition(TERMINATION, t, "close", by, {"open_items": 0}, system=True)
    t.save()
    timeline_event("notice.publish", by=by, outlet=o, obj=notice, detail=notice.title)
    timeline_event(
        "termination.execute",
        by=by,
        outlet=o,
        obj=t,
        detail=_("标牌已收回，人员权限已撤销，公告已发布，未结事项%(n)d项") % {"n": len(items)},
    )
    audit_step(
        "termination.execute",
        by=by,
        obj=t,
        reason=t.reason,
        after={
            "outlet": o.code,
            "status": t.status,
            "staff_revoked": t.staff_revoked,
            "open_items": len(items),
        },
    )
    tell(
        people([DO, DA], agency=o.district) | people([BA], bank=o.bank),
        _("%(name)s终止合作已生效") % {"name": o.name},
        page_url("termination_detail", t.pk),
        Notification.Kind.INFO,
    )


def schedule_bank_end(ag: Agreement, kind: str, reason: str, effective_date: dt.date, by: Any) -> Termination:
    preview = selectors.bank_termination_preview(ag)
    now = timezone.now()
    parent = Termination.objects.create(
        kind=kind,
        agreement=ag,
        outlet=None,
        bank=ag.bank,
        district=None,
        status=TerminationStatus.SCHEDULED,
        reason=reason,
        notice_date=local_today(),
        effective_date=effective_date,
        proposed_by=by,
        approved_by=by,
        approved_at=now,
    )
    for o in preview["outlets"]:
        if o.status == OutletStatus.APPLYING:
            continue  # its application is closed with the bank
        merged = _("并入银行合作终止")
        TERMINATION.apply_bulk(
            Termination.objects.filter(
                outlet=o, status__in=[TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED]
            ),
            "cancel",
            by=by,
            roles={SYSTEM},
            reason=merged,
            changes={"cancel_reason": merged},
        )
        Termination.objects.create(
            kind=kind,
            agreement=selectors.district_agreement_of(o) or ag,
            outlet=o,
            bank=ag.bank,
            district=o.district,
            parent=parent,
            status=TerminationStatus.SCHEDULED,
            reason=reason,
            notice_date=local_today(),
            effective_date=effective_date,
            proposed_by=by,
            approved_by=by,
            approved_at=now,
        )
    timeline_event(
        "termination.propose",
        by=by,
        bank=ag.bank,
        obj=parent,
        detail=_("%(kind)s，涉及网点%(n)d个") % {"kind": parent.get_kind_display(), "n": preview["count"]},
    )
    audit_step(
        "termination.propose",
        by=by,
        obj=parent,
        reason=reason,
        after={"bank": ag.bank.short_name, "outlets": preview["count"], "effective_date": effective_date},
    )
    return parent


def _execute_bank(parent: Termination, by: Any, today: dt.date) -> None:
    for child in parent.children.select_for_update().filter(status=TerminationStatus.SCHEDULED):
        execute_termination(child, by, today, system=True)
    reason = _("%(kind)s：%(reason)s") % {"kind": parent.get_kind_display(), "reason": parent.reason}
    open_apps = (
        OutletApplication.objects.select_for_update()
        .filter(bank=parent.bank)
        .exclude(
            status__in=[
                OutletApplicationStatus.ACCEPTED,
                OutletApplicationStatus.REJECTED,
                OutletApplicationStatus.WITHDRAWN,
            ]
        )
    )
    for app in open_apps:
        apply_transition(OUTLET_APPLICATION, app, "close", by, system=True)
        app.decision_reason = reason
        app.save(update_fields=["status", "decision_reason", "updated_at"])
        end_applying_outlet(app, by, reason)
        timeline_event("application.close", by=by, outlet=app.outlet, obj=app, detail=reason)
    ag = Agreement.objects.select_for_update().get(pk=parent.agreement_id)
    if ag.status == AgreementStatus.ACTIVE:
        apply_transition(
            AGREEMENT,
            ag,
            "expire" if parent.kind == Termination.Kind.EXPIRED else "terminate",
            by,
            system=True,
        )
        ag.ended_on, ag.end_reason = parent.effective_date, reason
        ag.save()
        audit_step("agreement.end", by=by, obj=ag, reason=reason, after={"status": ag.status})
    bank = Bank.objects.select_for_update().get(pk=parent.bank_id)
    if bank.status in (Bank.Status.ACTIVE, Bank.Status.SUSPENDED):
        before = bank.status
        apply_transition(BANK, bank, "end", by, system=True)
        bank.save(update_fields=["status", "updated_at"])
        audit_step(
            "bank.end",
            by=by,
            obj=bank,
            reason=reason,
            before={"status": before},
            after={"status": bank.status},
        )
    notice = notice_publish(
        kind=PublicNotice.Kind.OUTLET_TERMINATED,
        title=_("关于终止与%(bank)s社保服务合作的公告") % {"bank": bank.name},
        body=_(
            "自%(date)s起，北京市社会保险基金管理中心与%(bank)s的社保服务合作终止（%(kind)s），该行所属社保服务合作网点"
            "同时终止合作，标牌已收回。"
        )
        % {
            "date": f"{parent.effective_date:%Y年%m月%d日}",
            "bank": bank.name,
            "kind": parent.get_kind_display(),
        },
        by=by,
        related=ag,
    )
    parent.notice_id = notice.pk
    apply_transition(TERMINATION, parent, "close", by, {"open_items": 0}, system=True)
    parent.save()
    timeline_event("termination.execute", by=by, bank=bank, obj=parent, detail=reason)
    audit_step("termination.execute", by=by, obj=parent, reason=reason, after={"bank": bank.short_name})


def bank_agreement_terminate(
    *, agreement: Agreement, reason: str, effective_date: dt.date, confirm_count: int, by: Any
) -> Termination:
    """Ending a bank's municipal agreement ends all its outlets, after a preview: `confirm_count` must equal
    the number of outlets the preview showed, so a stale confirmation cannot end more than was seen."""
    require(by, "cooperation.terminate_bank")
    reason = require_reason(reason)
    if agreement.kind != Agreement.Kind.MUNICIPAL or agreement.status != AgreementStatus.ACTIVE:
        raise TransitionError(_("只有生效中的市级协议可以终止。"))
    if effective_date < local_today():
        raise ValidationError({"effective_date": _("生效日期不能早于今天。")})
    with transaction.atomic():
        ag = Agreement.objects.select_for_update(of=("self",)).select_related("bank").get(pk=agreement.pk)
        if ag.status != AgreementStatus.ACTIVE:
            raise TransitionError(_("只有生效中的市级协议可以终止。"))
        if selectors.open_terminations(ag.terminations.filter(outlet__isnull=True)).exists():
            raise TransitionError(_("该市级协议已有进行中的终止流程。"))
        count = selectors.bank_termination_preview(ag)["count"]
        if confirm_count != count:
            raise ValidationError(
                {
                    "confirm_count": _("确认的网点数量（%(c)d）与当前预览（%(n)d）不一致，请重新预览后确认。")
                    % {"c": confirm_count, "n": count}
                }
            )
        parent = schedule_bank_end(ag, Termination.Kind.BANK_ENDED, reason, effective_date, by)
        tell(
            people([BA], bank=ag.bank),
            _("市级合作协议 %(n)s 将于%(d)s终止") % {"n": ag.number, "d": effective_date},
            page_url("termination_detail", parent.pk),
            Notification.Kind.ALERT,
        )
        _maybe_execute(parent, by)
    return parent


def termination_cancel(*, termination: Termination, reason: str, by: Any) -> Termination:
    if by is not None and not (
        by.has_perm("cooperation.confirm_termination") or by.has_perm("cooperation.terminate_bank")
    ):
        raise NotAllowed(_("您没有执行此操作的权限。"))
    require_scope(by, termination)
    reason = require_reason(reason)
    roles = roles_of(by)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        if t.parent_id:
            raise TransitionError(_("该终止属于银行合作终止，只能整体撤销。"))
        if roles & {BA} and not roles & {DA, MA} and t.kind != Termination.Kind.NEGOTIATED:
            raise NotAllowed(_("银行不能撤销经办机构的单方解除。"))
        if t.outlet_id is None and MA not in roles and by is not None:
            raise NotAllowed(_("银行合作终止只能由市级管理员撤销。"))
        apply_transition(TERMINATION, t, "cancel", by)
        t.cancel_reason = reason
        t.save()
        TERMINATION.apply_bulk(
            t.children.filter(status=TerminationStatus.SCHEDULED),
            "cancel",
            by=by,
            roles={SYSTEM},
            reason=reason,
            changes={"cancel_reason": reason},
        )
        timeline_event("termination.cancel", by=by, outlet=t.outlet, bank=t.bank, obj=t, detail=reason)
        audit_step("termination.cancel", by=by, obj=t, reason=reason, after={"status": t.status})
    return t


def _maybe_close(t: Termination, by: Any) -> None:
    if (
        t.status == TerminationStatus.EFFECTIVE
        and not t.open_items.filter(status=OpenItemStatus.OPEN).exists()
    ):
        apply_transition(TERMINATION, t, "close", by, {"open_items": 0}, system=True)
        t.save(update_fields=["status", "updated_at"])
        timeline_event("termination.close", by=by, outlet=t.outlet, obj=t)
        audit_step("termination.close", by=by, obj=t, after={"status": t.status})


def open_item_close(*, item: OpenItem, note: str, by: Any) -> OpenItem:
    require(by, "cooperation.close_open_item")
    require_scope(by, item)
    note = require_reason(note, "note")
    with transaction.atomic():
        it = OpenItem.objects.select_for_update().get(pk=item.pk)
        if it.status != OpenItemStatus.OPEN:
            raise TransitionError(_("该事项已办结。"))
        it.status, it.closed_by, it.closed_at, it.close_note = (
            OpenItemStatus.CLOSED,
            by,
            timezone.now(),
            note[:300],
        )
        it.save()
        timeline_event("open_item.close", by=by, outlet=it.outlet, obj=it, detail=f"{it.description}：{note}")
        audit_step("open_item.close", by=by, obj=it, reason=note)
        _maybe_close(Termination.objects.select_for_update().get(pk=it.termination_id), by)
    return it


def open_items_refresh(*, termination: Termination, by: Any) -> tuple[int, int]:
    """Ask the sources again: new items are added; open ones a source no longer reports are closed
    (e.g. the archives were handed over). Returns (added, closed)."""
    if by is not None:
        require(by, "cooperation.close_open_item")
        require_scope(by, termination)
    added = closed = 0
    with transaction.atomic():
        t = (
            Termination.objects.select_for_update(of=("self",))
            .select_related("outlet")
            .get(pk=termination.pk)
        )
        if t.status != TerminationStatus.EFFECTIVE or t.outlet is None:
            return 0, 0
        reported = {(r["kind"], r["object_type"], r["object_id"]): r for r in collect(t.outlet)}
        for key, row in reported.items():
            _obj, made = OpenItem.objects.get_or_create(
                termination=t,
                kind=key[0],
                object_type=key[1],
                object_id=key[2],
                defaults={"outlet": t.outlet, "description": row["description"], "url": row["url"]},
            )
            added += made
        for it in t.open_items.select_for_update().filter(status=OpenItemStatus.OPEN):
            if (it.kind, it.object_type, it.object_id) not in reported:
                it.status, it.closed_at, it.close_note = (
                    OpenItemStatus.CLOSED,
                    timezone.now(),
                    _("来源系统确认已办结"),
                )
                it.save()
                closed += 1
                timeline_event("open_item.close", by=by, outlet=t.outlet, obj=it, detail=it.description)
        if added or closed:
            audit_step("open_items.refresh", by=by, obj=t, after={"added": added, "closed": closed})
        _maybe_close(t, by)
    return added, closed
