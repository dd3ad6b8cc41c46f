"""Writes of the outlet lifecycle (R4, R3, R8.4, R6). Every path — pages, commands, jobs — goes through these.

Each service: permission (`require`) and data scope (`require_scope`), invariants with Chinese messages,
the status change through the transition tables of workflow.py under select_for_update(), an audit event
and a timeline event in the same transaction, notifications to the next actor.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.models import User
from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.audit.services import changes, record, snapshot
from sheyin.common.uploads import DOCUMENTS, IMAGES, check_upload
from sheyin.institutions import services as registry
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days
from sheyin.notices.models import PublicNotice
from sheyin.notices.services import notice_publish
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify

from . import layout, selectors
from .documents import PLACEHOLDERS, context_for, render_text, unknown_placeholders
from .models import (
    Agreement,
    AgreementRenewal,
    ApplicationFile,
    BankApplication,
    ChecklistItem,
    ChecklistTemplate,
    CooperationSettings,
    DocumentTemplate,
    Filing,
    InspectionPhoto,
    InspectionResult,
    LayoutException,
    LifecycleEvent,
    OpenItem,
    OutletApplication,
    Plaque,
    RenewalObjection,
    SiteInspection,
    Suspension,
    Termination,
)
from .open_items import collect
from .workflow import (
    AGREEMENT,
    BANK,
    BANK_APPLICATION,
    CHECKLIST,
    FILING,
    INSPECTION,
    LAYOUT_EXCEPTION,
    OUTLET,
    OUTLET_APPLICATION,
    PLAQUE,
    SYSTEM,
    TERMINATION,
    AgreementStatus,
    BankApplicationStatus,
    ChecklistStatus,
    ExceptionStatus,
    FilingStatus,
    InspectionStatus,
    Lifecycle,
    OpenItemStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
    TransitionError,
    has_municipal_agreement,
)

MA, MO = Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER
DA, DO, DI = Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR
BA, OM = Role.BANK_ADMIN, Role.OUTLET_MANAGER
MAX_PHOTOS = 12


# --- helpers ---------------------------------------------------------------------------------------


def _roles(by: Any) -> set[str]:
    if by is None:
        return {SYSTEM}
    return {a.role for a in assignments_of(by)}


def _apply(
    lc: Lifecycle, obj: Any, action: str, by: Any, ctx: dict[str, Any] | None = None, *, system: bool = False
) -> None:
    """Check the transition in its table and set the new status (the caller saves, under its lock).
    `system=True` for a side effect of a step already authorised (e.g. the outlet ending with its
    termination): the platform performs it."""
    if system:
        roles = {SYSTEM}
    elif by is None:  # the platform itself (commands, jobs, demo data): unrestricted, as in require()
        roles = {SYSTEM} | set(lc.get(action).roles)
    else:
        roles = _roles(by)
    tr = lc.check(obj.status, action, roles, {"by_id": getattr(by, "pk", None), **(ctx or {})}, obj)
    obj.status = tr.target


def _event(
    action: str,
    *,
    by: Any,
    outlet: Outlet | None = None,
    bank: Bank | None = None,
    district: Agency | None = None,
    obj: models.Model | None = None,
    detail: str = "",
) -> None:
    LifecycleEvent.objects.create(
        at=timezone.now(),
        action=action,
        outlet=outlet,
        bank=bank or (outlet.bank if outlet is not None else None),
        district=district or (outlet.district if outlet is not None else None),
        actor=by if by is not None and by.pk else None,
        actor_name=str(by)[:150] if by is not None else "",
        detail=detail[:4000],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
    )


def _audit(
    action: str,
    *,
    by: Any,
    obj: models.Model,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record(action=f"cooperation.{action}", by=by, obj=obj, reason=reason, before=before, after=after)


def _people(
    roles: Iterable[str],
    *,
    agency: Agency | None = None,
    bank: Bank | None = None,
    outlet: Outlet | None = None,
    exclude: Any = None,
) -> models.QuerySet[User]:
    cond: dict[str, Any] = {"assignments__role__in": list(roles)}
    if agency is not None:
        cond["assignments__agency"] = agency
    if bank is not None:
        cond["assignments__bank"] = bank
    if outlet is not None:
        cond["assignments__outlet"] = outlet
    qs = User.objects.filter(is_active=True, **cond).distinct()
    if exclude is not None and getattr(exclude, "pk", None):
        qs = qs.exclude(pk=exclude.pk)
    return qs


def _tell(users: Iterable[User], title: str, url: str, kind: str = Notification.Kind.TASK) -> None:
    notify(users=list(users), title=title, url=url, kind=kind)


def _reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: _("请填写理由。")})
    return reason


def _next_number(model: type[models.Model], prefix: str, width: int, field_name: str = "number") -> str:
    last = (
        model._default_manager.filter(**{f"{field_name}__startswith": prefix})
        .order_by(f"-{field_name}")
        .values_list(field_name, flat=True)
        .first()
    )
    n = int(str(last)[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{n:0{width}d}"


def _term_end(start: dt.date, years: int) -> dt.date:
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:  # 29 February
        anniversary = start.replace(year=start.year + years, day=28)
    return anniversary - dt.timedelta(days=1)


def _today() -> dt.date:
    return timezone.localdate()


def _url(name: str, *args: Any) -> str:
    return reverse(f"cooperation:{name}", args=args)


# --- settings and templates (the municipal center's editable defaults) -----------------------------

SETTINGS_LIMITS = {
    "term_years": (1, 10),
    "renewal_objection_days": (1, 365),
    "filing_deadline_workdays": (1, 60),
    "expiry_warning_days": (1, 365),
    "layout_nearest_count": (1, 30),
}


def settings_update(*, data: dict[str, Any], by: Any) -> CooperationSettings:
    require(by, "cooperation.settings")
    errors: dict[str, str] = {}
    for key, (lo, hi) in SETTINGS_LIMITS.items():
        if key in data and not (isinstance(data[key], int) and lo <= data[key] <= hi):
            errors[key] = _("请填写%(lo)d至%(hi)d之间的整数。") % {"lo": lo, "hi": hi}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        obj = CooperationSettings.objects.select_for_update().get(pk=selectors.current_settings().pk)
        before = snapshot(obj)
        for key in SETTINGS_LIMITS:
            if key in data:
                setattr(obj, key, data[key])
        obj.save()
        b, a = changes(before, snapshot(obj))
        _audit("settings.update", by=by, obj=obj, before=b, after=a)
    return obj


def template_save(*, kind: str, title: str, body: str, by: Any) -> DocumentTemplate:
    """A new version of an agreement template becomes current; agreements already made keep their text."""
    require(by, "cooperation.settings")
    errors: dict[str, str] = {}
    if kind not in DocumentTemplate.Kind.values:
        errors["kind"] = _("协议类型无效。")
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if not body.strip():
        errors["body"] = _("请填写正文。")
    unknown = unknown_placeholders(body)
    if unknown:
        errors["body"] = _("未知的占位符：%(bad)s。可用的占位符：%(ok)s。") % {
            "bad": "、".join("${%s}" % u for u in unknown),  # noqa: UP031
            "ok": "、".join("${%s}" % p for p in PLACEHOLDERS),  # noqa: UP031
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = (
            DocumentTemplate.objects.select_for_update().filter(kind=kind).aggregate(v=Max("version"))["v"]
            or 0
        )
        DocumentTemplate.objects.filter(kind=kind, is_current=True).update(is_current=False)
        tpl = DocumentTemplate.objects.create(
            kind=kind,
            version=last + 1,
            title=title.strip(),
            body=body.strip() + "\n",
            is_current=True,
            created_by=by,
        )
        _audit("template.save", by=by, obj=tpl, after={"kind": kind, "version": tpl.version})
    return tpl


def checklist_draft_create(*, by: Any) -> ChecklistTemplate:
    """A new draft version, copied from the published one (an existing draft is returned as it is)."""
    require(by, "cooperation.settings")
    with transaction.atomic():
        draft = ChecklistTemplate.objects.select_for_update().filter(status=ChecklistStatus.DRAFT).first()
        if draft is not None:
            return draft
        current = selectors.published_checklist()
        last = ChecklistTemplate.objects.aggregate(v=Max("version"))["v"] or 0
        draft = ChecklistTemplate.objects.create(
            version=last + 1,
            title=current.title if current else _("社保服务合作网点建设标准检查表（附件1）"),
            status=ChecklistStatus.DRAFT,
            created_by=by,
        )
        if current is not None:
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    template=draft,
                    code=i.code,
                    group=i.group,
                    mode=i.mode,
                    level=i.level,
                    text=i.text,
                    order=i.order,
                )
                for i in current.items.all()
            )
        _audit("checklist.draft", by=by, obj=draft, after={"version": draft.version})
    return draft


def _checklist_errors(items: list[dict[str, Any]]) -> dict[str, str]:
    errors: dict[str, str] = {}
    codes = [str(i.get("code", "")).strip() for i in items]
    if not items:
        errors["items"] = _("检查表至少需要一个检查项。")
    if any(not c for c in codes) or any(not str(i.get("text", "")).strip() for i in items):
        errors["items"] = _("每个检查项都要填写编号和检查内容。")
    elif len(set(codes)) != len(codes):
        errors["items"] = _("检查项编号不能重复。")
    for i in items:
        if (
            i.get("group") not in ChecklistItem.Group.values
            or i.get("level") not in ChecklistItem.Level.values
            or (i.get("mode", "") not in ChecklistItem.Mode.values)
        ):
            errors["items"] = _("检查项的分组、要求或服务方式无效。")
    musts = {i.get("mode") for i in items if i.get("level") == ChecklistItem.Level.MUST}
    missing = [
        str(m.label)
        for m in (ChecklistItem.Mode.TERMINAL, ChecklistItem.Mode.ONLINE, ChecklistItem.Mode.COUNTER)
        if m.value not in musts
    ]
    if missing and "items" not in errors:
        errors["items"] = _("检查表必须为三种服务方式各设至少一个必备项（R3.1），缺少：%(m)s。") % {
            "m": "、".join(missing)
        }
    return errors


def checklist_draft_save(
    *, template: ChecklistTemplate, title: str, note: str, items: list[dict[str, Any]], by: Any
) -> ChecklistTemplate:
    require(by, "cooperation.settings")
    errors = _checklist_errors(items)
    if not title.strip():
        errors["title"] = _("请填写标题。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        tpl = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        if tpl.status != ChecklistStatus.DRAFT:
            raise TransitionError(_("只有草稿版本可以修改；请先新建一个版本。"))
        tpl.title, tpl.note = title.strip(), note.strip()
        tpl.save(update_fields=["title", "note"])
        tpl.items.all().delete()
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=tpl,
                code=str(i["code"]).strip(),
                group=i["group"],
                mode=i.get("mode", ""),
                level=i["level"],
                text=str(i["text"]).strip(),
                order=n,
            )
            for n, i in enumerate(items, start=1)
        )
        _audit("checklist.save", by=by, obj=tpl, after={"items": len(items)})
    return tpl


def checklist_publish(*, template: ChecklistTemplate, by: Any) -> ChecklistTemplate:
    require(by, "cooperation.settings")
    with transaction.atomic():
        tpl = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
        items = [
            {"code": i.code, "group": i.group, "mode": i.mode, "level": i.level, "text": i.text}
            for i in tpl.items.all()
        ]
        errors = _checklist_errors(items)
        if errors:
            raise ValidationError(errors)
        for old in ChecklistTemplate.objects.select_for_update().filter(status=ChecklistStatus.PUBLISHED):
            _apply(CHECKLIST, old, "retire", by, system=True)
            old.save(update_fields=["status"])
        _apply(CHECKLIST, tpl, "publish", by)
        tpl.published_at = timezone.now()
        tpl.save(update_fields=["status", "published_at"])
        _audit("checklist.publish", by=by, obj=tpl, after={"version": tpl.version})
    return tpl


# --- R4.1 bank cooperation ------------------------------------------------------------------------

BANK_APP_FIELDS = ["applicant", "contact_name", "contact_phone", "planned_outlets", "proposal"]


def _bank_app_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, msg in (
        ("contact_name", _("请填写联系人。")),
        ("contact_phone", _("请填写联系电话。")),
        ("proposal", _("请填写合作方案。")),
    ):
        if not str(data.get(key, "")).strip():
            errors[key] = msg
    if data.get("applicant") not in BankApplication.Applicant.values:
        errors["applicant"] = _("请选择申请主体。")
    return errors


def bank_application_create(*, bank: Bank, data: dict[str, Any], by: Any) -> BankApplication:
    require(by, "cooperation.apply_bank")
    require_scope(by, bank)
    errors = _bank_app_errors(data)
    if selectors.municipal_agreement_of(bank) is not None:
        errors["__all__"] = _("该银行已有生效的市级合作协议，无需重复申请。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            app = BankApplication.objects.create(
                number=_next_number(BankApplication, f"YHSQ-{_today().year}-", 4),
                bank=bank,
                created_by=by,
                **{k: (data[k].strip() if isinstance(data[k], str) else data[k]) for k in BANK_APP_FIELDS},
            )
            _event("bank_application.create", by=by, bank=bank, obj=app)
            _audit("bank_application.create", by=by, obj=app, after=snapshot(app, BANK_APP_FIELDS))
    except IntegrityError as exc:
        raise ValidationError({"__all__": _("该银行已有一份办理中的合作申请。")}) from exc
    return app


def bank_application_update(
    *, application: BankApplication, data: dict[str, Any], by: Any
) -> BankApplication:
    require(by, "cooperation.apply_bank")
    require_scope(by, application)
    errors = _bank_app_errors(data)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        app = BankApplication.objects.select_for_update().get(pk=application.pk)
        if app.status not in (BankApplicationStatus.DRAFT, BankApplicationStatus.RETURNED):
            raise TransitionError(_("申请已提交，不能修改。"))
        before = snapshot(app, BANK_APP_FIELDS)
        for k in BANK_APP_FIELDS:
            setattr(app, k, data[k].strip() if isinstance(data[k], str) else data[k])
        app.save()
        b, a = changes(before, snapshot(app, BANK_APP_FIELDS))
        _audit("bank_application.update", by=by, obj=app, before=b, after=a)
    return app


def _bank_app_step(
    application: BankApplication, action: str, perm: str, by: Any, reason: str = ""
) -> BankApplication:
    require(by, perm)
    require_scope(by, application)
    with transaction.atomic():
        app = (
            BankApplication.objects.select_for_update(of=("self",))
            .select_related("bank")
            .get(pk=application.pk)
        )
        before = app.status
        _apply(BANK_APPLICATION, app, action, by)
        now = timezone.now()
        if action == "submit":
            app.submitted_at = now
        elif action in ("review", "return"):
            app.reviewed_by, app.reviewed_at, app.review_opinion = by, now, reason
        elif action in ("approve", "reject"):
            app.decided_by, app.decided_at, app.decision_reason = by, now, reason
        app.save()
        _event(f"bank_application.{action}", by=by, bank=app.bank, obj=app, detail=reason)
        _audit(
            f"bank_application.{action}",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status},
        )
        url = _url("bank_application_detail", app.pk)
        if action == "submit":
            _tell(_people([MO]), _("%(bank)s提交了银行合作申请，请审核") % {"bank": app.bank.short_name}, url)
        elif action == "review":
            _tell(_people([MA]), _("%(bank)s的合作申请已审核，请审批") % {"bank": app.bank.short_name}, url)
        elif action in ("return", "reject"):
            _tell(
                _people([BA], bank=app.bank),
                _("您的银行合作申请被退回或未获批准"),
                url,
                Notification.Kind.INFO,
            )
        elif action == "approve":
            agreement = _agreement_create(
                kind=Agreement.Kind.MUNICIPAL,
                bank=app.bank,
                agency=Agency.objects.get(level=Agency.Level.MUNICIPAL),
                bank_application=app,
                by=by,
            )
            _tell(
                _people([BA], bank=app.bank) | _people([MO]),
                _("银行合作申请已批准，请签署市级合作协议 %(n)s") % {"n": agreement.number},
                _url("agreement_detail", agreement.pk),
            )
    return app


def bank_application_submit(*, application: BankApplication, by: Any) -> BankApplication:
    return _bank_app_step(application, "submit", "cooperation.apply_bank", by)


def bank_application_withdraw(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "withdraw", "cooperation.apply_bank", by, _reason(reason))


def bank_application_return(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "return", "cooperation.review_bank", by, _reason(reason))


def bank_application_review(*, application: BankApplication, opinion: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "review", "cooperation.review_bank", by, _reason(opinion, "opinion"))


def bank_application_approve(*, application: BankApplication, reason: str = "", by: Any) -> BankApplication:
    """A municipal admin approves; the reviewer cannot (maker–checker). The municipal agreement's text is
    generated from the current Annex 2 template, to be signed."""
    return _bank_app_step(application, "approve", "cooperation.approve_bank", by, reason.strip())


def bank_application_reject(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "reject", "cooperation.approve_bank", by, _reason(reason))


# --- agreements (Annex 2, Annex 4), signing, renewal ------------------------------------------------


def _agreement_create(
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
    year = _today().year
    prefix = f"SYXY-SJ-{year}-" if kind == Agreement.Kind.MUNICIPAL else f"SYXY-{agency.code}-{year}-"
    agreement = Agreement(
        kind=kind,
        number=_next_number(Agreement, prefix, 4),
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
    _event(
        "agreement.create",
        by=by,
        outlet=outlet,
        bank=bank,
        district=agency if outlet else None,
        obj=agreement,
        detail=agreement.number,
    )
    _audit(
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
    today = _today()
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
        _apply(AGREEMENT, ag, "sign_municipal" if municipal else "sign_district", by)
        ag.bank_signed_on, ag.agency_signed_on, ag.signed_by = bank_signed_on, agency_signed_on, by
        ag.start_date, ag.end_date = start, _term_end(start, ag.term_years)
        ag.body = render_text(ag.template.body, context_for(ag, settings))
        if not municipal:
            ag.filing_due = add_working_days(signed, settings.filing_deadline_workdays)
        try:
            with transaction.atomic():
                ag.save()
        except IntegrityError as exc:
            raise TransitionError(_("该银行或网点已有生效中的同类协议。")) from exc
        _event(
            "agreement.sign",
            by=by,
            outlet=ag.outlet,
            bank=ag.bank,
            district=ag.agency if not municipal else None,
            obj=ag,
            detail=_("%(s)s至%(e)s") % {"s": ag.start_date, "e": ag.end_date},
        )
        _audit(
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
                _apply(BANK, bank, "activate", by, system=True)
                bank.save(update_fields=["status", "updated_at"])
                _audit(
                    "bank.activate", by=by, obj=bank, before={"status": before}, after={"status": bank.status}
                )
        else:
            _tell(
                _people([DO, DA], agency=ag.agency),
                _("区级协议 %(n)s 已签署，请于%(d)s前报市级备案") % {"n": ag.number, "d": ag.filing_due},
                _url("agreement_detail", ag.pk),
                Notification.Kind.DEADLINE,
            )
    return ag


def agreement_object(
    *, agreement: Agreement, party: str, reason: str, by: Any, today: dt.date | None = None
) -> RenewalObjection:
    """A party objects to the automatic renewal; valid only at least N days before expiry (R6.1)."""
    require(by, "cooperation.object_renewal")
    require_scope(by, agreement)
    reason = _reason(reason)
    roles = _roles(by)
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
    today = today or _today()
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
        _event(
            "agreement.object",
            by=by,
            outlet=ag.outlet,
            bank=ag.bank,
            district=ag.agency if ag.outlet_id else None,
            obj=ag,
            detail=reason,
        )
        _audit(
            "agreement.object", by=by, obj=ag, reason=reason, after={"party": party, "term_end": ag.end_date}
        )
        other = (
            _people([BA], bank=ag.bank)
            if party == RenewalObjection.Party.AGENCY
            else (_people([DA], agency=ag.agency) if ag.outlet_id else _people([MA]))
        )
        _tell(
            other,
            _("协议 %(n)s 到期不续期的异议已登记") % {"n": ag.number},
            _url("agreement_detail", ag.pk),
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
    today = today or _today()
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
                end = _term_end(start, ag.term_years)
                AgreementRenewal.objects.create(
                    agreement=ag, term_no=term_no, previous_end=ag.end_date, start_date=start, end_date=end
                )
                _apply(AGREEMENT, ag, "renew", by, system=True)
                previous, ag.end_date = ag.end_date, end
                ag.save(update_fields=["end_date", "status", "updated_at"])
                _event(
                    "agreement.renew",
                    by=by,
                    outlet=ag.outlet,
                    bank=ag.bank,
                    district=ag.agency if ag.outlet_id else None,
                    obj=ag,
                    detail=_("第%(n)d期：%(s)s至%(e)s") % {"n": term_no, "s": start, "e": end},
                )
                _audit(
                    "agreement.renew", by=by, obj=ag, before={"end_date": previous}, after={"end_date": end}
                )
            report.renewed.append(ag.number)
    return report


def _expire(ag: Agreement, today: dt.date, by: Any) -> None:
    """An objected agreement ends at its term: the outlet (or the bank with all its outlets) ends with it."""
    effective = ag.end_date + dt.timedelta(days=1) if ag.end_date else today
    reason = _("协议期满，一方已提出不续期异议（R6.1）。")
    if ag.kind == Agreement.Kind.MUNICIPAL:
        parent = _schedule_bank_end(ag, Termination.Kind.EXPIRED, reason, min(effective, today), by)
        _execute(parent, by, today, system=True)
        return
    assert ag.outlet_id is not None
    outlet = Outlet.objects.select_for_update().get(pk=ag.outlet_id)
    Termination.objects.filter(
        outlet=outlet, status__in=[TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED]
    ).update(status=TerminationStatus.CANCELLED, cancel_reason=reason)
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
    _execute(t, by, today, system=True)


# --- R4.2 outlet applications ---------------------------------------------------------------------

OUTLET_KEYS = [
    "branch",
    "name",
    "district",
    "address",
    "lon",
    "lat",
    "opening_hours",
    "phone",
    "windows",
    "terminals",
    "online_counters",
    "document_cameras",
    "card_machines",
]
APP_KEYS = ["printers", "floor_area_m2", "staff_planned", "guide_planned", "staffing_plan", "network_plan"]


def _check_files(
    files: dict[str, list[UploadedFile]] | None, existing_photos: int = 0
) -> list[tuple[str, UploadedFile, str]]:
    checked: list[tuple[str, UploadedFile, str]] = []
    errors: dict[str, list[str]] = {}
    for kind, allowed in ((ApplicationFile.Kind.FLOOR_PLAN, DOCUMENTS), (ApplicationFile.Kind.PHOTO, IMAGES)):
        for f in (files or {}).get(kind, []) or []:
            try:
                checked.append((kind, f, check_upload(f, allowed)))
            except ValidationError as exc:
                errors.setdefault(kind, []).extend(exc.messages)
    photos = existing_photos + sum(1 for k, _f, _c in checked if k == ApplicationFile.Kind.PHOTO)
    if photos > MAX_PHOTOS:
        errors.setdefault("photo", []).append(_("现场照片最多%(n)d张。") % {"n": MAX_PHOTOS})
    if errors:
        raise ValidationError(errors)
    return checked


def _store_files(app: OutletApplication, checked: list[tuple[str, UploadedFile, str]], by: Any) -> None:
    for kind, f, content in checked:
        if kind == ApplicationFile.Kind.FLOOR_PLAN:
            for old in app.files.filter(kind=kind):  # one floor plan: a new upload replaces it
                old.file.delete(save=False)
                old.delete()
        row = ApplicationFile(
            application=app,
            kind=kind,
            name=(f.name or "")[:200],
            content_kind=content,
            size=f.size or 0,
            uploaded_by=by,
        )
        row.file.save(f.name or "upload", f, save=False)
        row.save()


def completeness_checks(app: OutletApplication) -> list[tuple[str, bool]]:
    """What the district checks before it may admit the application (R4.2, R3.1, R2.1–R2.3)."""
    o = app.outlet
    kinds = list(app.files.values_list("kind", flat=True))
    return [
        (_("网点地址和坐标"), bool(o.address.strip()) and o.lon is not None),
        (_("营业时间和咨询电话"), bool(o.opening_hours.strip()) and bool(o.phone.strip())),
        (_("自助服务终端至少1台（R2.1）"), o.terminals >= 1),
        (_("网厅自助服务台至少1个（R2.2）"), o.online_counters >= 1),
        (_("人工窗口1至2个（R2.3）"), 1 <= o.windows <= 2),
        (_("高拍仪不少于人工窗口与网厅自助台之和"), o.document_cameras >= o.windows + o.online_counters),
        (_("每个人工窗口配备社保卡制卡机"), o.card_machines >= o.windows),
        (_("网厅自助区配备打印机"), app.printers >= 1),
        (_("经办人员不少于人工窗口数"), app.staff_planned >= o.windows),
        (_("至少1名引导人员"), app.guide_planned >= 1),
        (_("人员配备方案"), bool(app.staffing_plan.strip())),
        (_("网络接入方式"), bool(app.network_plan.strip())),
        (_("平面布置图"), ApplicationFile.Kind.FLOOR_PLAN in kinds),
        (_("现场照片（门头和室内，至少2张）"), kinds.count(ApplicationFile.Kind.PHOTO) >= 2),
    ]


def missing_items(app: OutletApplication) -> list[str]:
    return [label for label, ok in completeness_checks(app) if not ok]


def _no_agreement_error(bank: Bank) -> None:
    if selectors.municipal_agreement_of(bank) is None:
        raise TransitionError(has_municipal_agreement(None, {}) or "", code="no_municipal_agreement")


def outlet_application_create(
    *, bank: Bank, data: dict[str, Any], files: dict[str, list[UploadedFile]] | None = None, by: Any
) -> OutletApplication:
    """Only a branch of a bank with an active municipal agreement may apply (R4.2). The outlet is registered
    at once with status “applying” (the registry validates its place, name and windows)."""
    require(by, "cooperation.apply_outlet")
    require_scope(by, bank)
    _no_agreement_error(bank)
    checked = _check_files(files)
    with transaction.atomic():
        outlet = registry.outlet_create(
            data={**{k: data[k] for k in OUTLET_KEYS if k in data}, "bank": bank},
            by=by,
            status=OutletStatus.APPLYING,
        )
        district = outlet.district
        app = OutletApplication.objects.create(
            number=_next_number(OutletApplication, f"WDSQ-{district.code}-{_today().year}-", 4),
            bank=bank,
            branch=outlet.branch,
            district=district,
            outlet=outlet,
            created_by=by,
            **{k: data[k] for k in APP_KEYS if k in data},
        )
        _store_files(app, checked, by)
        _event("application.create", by=by, outlet=outlet, obj=app, detail=app.number)
        _audit("application.create", by=by, obj=app, after=snapshot(app, ["number", "status", *APP_KEYS]))
    return app


def outlet_application_update(
    *,
    application: OutletApplication,
    data: dict[str, Any],
    files: dict[str, list[UploadedFile]] | None = None,
    by: Any,
) -> OutletApplication:
    require(by, "cooperation.apply_outlet")
    require_scope(by, application)
    checked = _check_files(files, application.files.filter(kind=ApplicationFile.Kind.PHOTO).count())
    with transaction.atomic():
        app = OutletApplication.objects.select_for_update().get(pk=application.pk)
        if app.status not in (OutletApplicationStatus.DRAFT, OutletApplicationStatus.RETURNED):
            raise TransitionError(_("申请已提交，不能修改。"))
        if "district" in data and data["district"] != app.district:
            raise ValidationError({"district": _("申请提交的区不能更改；如需更换，请撤回后重新申请。")})
        registry.outlet_update(outlet=app.outlet, data={k: data[k] for k in OUTLET_KEYS if k in data}, by=by)
        before = snapshot(app, APP_KEYS)
        for k in APP_KEYS:
            if k in data:
                setattr(app, k, data[k])
        app.branch = data.get("branch", app.branch)
        app.save()
        _store_files(app, checked, by)
        b, a = changes(before, snapshot(app, APP_KEYS))
        _event("application.update", by=by, outlet=app.outlet, obj=app)
        _audit("application.update", by=by, obj=app, before=b, after=a)
    return app


def application_file_delete(*, file: ApplicationFile, by: Any) -> None:
    require(by, "cooperation.apply_outlet")
    require_scope(by, file.application)
    with transaction.atomic():
        app = OutletApplication.objects.select_for_update().get(pk=file.application_id)
        if app.status not in (OutletApplicationStatus.DRAFT, OutletApplicationStatus.RETURNED):
            raise TransitionError(_("申请已提交，不能删除材料。"))
        _audit("application.file_delete", by=by, obj=app, before={"file": file.name, "kind": file.kind})
        file.file.delete(save=False)
        file.delete()


def _layout_for(app: OutletApplication) -> layout.LayoutResult:
    o = app.outlet
    return layout.check(
        lon=o.lon,
        lat=o.lat,
        district=app.district,
        exclude_outlet_id=o.pk,
        nearest=selectors.current_settings().layout_nearest_count,
    )


def _store_layout(app: OutletApplication, result: layout.LayoutResult, by: Any) -> None:
    app.layout_result, app.layout_checked_at = result.as_json(), timezone.now()
    _event(
        "application.layout_check",
        by=by,
        outlet=app.outlet,
        obj=app,
        detail="；".join(result.violation_texts()) or _("符合最小间距要求"),
    )


def outlet_application_submit(*, application: OutletApplication, by: Any) -> OutletApplication:
    require(by, "cooperation.apply_outlet")
    require_scope(by, application)
    with transaction.atomic():
        app = (
            OutletApplication.objects.select_for_update(of=("self",))
            .select_related("outlet", "district", "bank")
            .get(pk=application.pk)
        )
        ctx = {
            "municipal_agreement": selectors.municipal_agreement_of(app.bank),
            "missing": missing_items(app),
        }
        _apply(OUTLET_APPLICATION, app, "submit", by, ctx)
        app.submitted_at = timezone.now()
        _store_layout(app, _layout_for(app), by)  # at submission (R8.4), again at acceptance
        app.save()
        _event("application.submit", by=by, outlet=app.outlet, obj=app)
        _audit("application.submit", by=by, obj=app, after={"status": app.status})
        _tell(
            _people([DO, DA], agency=app.district),
            _("%(bank)s提交了网点设立申请：%(name)s")
            % {"bank": app.bank.short_name, "name": app.outlet.name},
            _url("application_detail", app.pk),
        )
    return app


def _app_step(
    application: OutletApplication,
    action: str,
    perm: str,
    by: Any,
    reason: str = "",
    ctx: dict[str, Any] | None = None,
) -> OutletApplication:
    require(by, perm)
    require_scope(by, application)
    with transaction.atomic():
        app = (
            OutletApplication.objects.select_for_update(of=("self",))
            .select_related("outlet", "district", "bank")
            .get(pk=application.pk)
        )
        before = app.status
        if action == "admit":
            ctx = {
                "municipal_agreement": selectors.municipal_agreement_of(app.bank),
                "missing": missing_items(app),
            }
        _apply(OUTLET_APPLICATION, app, action, by, ctx)
        now = timezone.now()
        if action == "return":
            app.return_reason = reason
        elif action == "admit":
            app.admitted_by, app.admitted_at = by, now
        elif action in ("rectify", "reject"):
            app.decided_by, app.decided_at, app.decision_reason = by, now, reason
        app.save()
        if action in ("reject", "withdraw"):
            _end_applying_outlet(app, by, reason)
        _event(f"application.{action}", by=by, outlet=app.outlet, obj=app, detail=reason)
        _audit(
            f"application.{action}",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status},
        )
        url = _url("application_detail", app.pk)
        if action == "admit":
            _tell(
                _people([DI], agency=app.district),
                _("请对%(name)s进行现场检查") % {"name": app.outlet.name},
                url,
            )
        elif action in ("return", "rectify", "reject"):
            _tell(
                _people([BA], bank=app.bank),
                _("网点设立申请 %(n)s：%(what)s") % {"n": app.number, "what": app.get_status_display()},
                url,
                Notification.Kind.INFO,
            )
            if action == "rectify":
                _tell(
                    _people([DI], agency=app.district),
                    _("%(name)s整改后需复查") % {"name": app.outlet.name},
                    url,
                )
    return app


def _end_applying_outlet(app: OutletApplication, by: Any, reason: str) -> None:
    """A rejected or withdrawn application ends its outlet row (it never operated)."""
    outlet = Outlet.objects.select_for_update().get(pk=app.outlet_id)
    if outlet.status == OutletStatus.APPLYING:
        _apply(OUTLET, outlet, "terminate", by, system=True)
        outlet.save(update_fields=["status", "updated_at"])
        _audit("outlet.terminate", by=by, obj=outlet, reason=reason, after={"status": outlet.status})


def outlet_application_return(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "return", "cooperation.review_application", by, _reason(reason))


def outlet_application_admit(*, application: OutletApplication, by: Any) -> OutletApplication:
    """The district admits a complete application (the completeness check is shown before)."""
    return _app_step(application, "admit", "cooperation.review_application", by)


def outlet_application_rectify(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "rectify", "cooperation.decide_acceptance", by, _reason(reason))


def outlet_application_reject(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "reject", "cooperation.decide_acceptance", by, _reason(reason))


def outlet_application_withdraw(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "withdraw", "cooperation.apply_outlet", by, _reason(reason))


def _violation_keys(result: layout.LayoutResult) -> set[str]:
    return {f"{v.kind}:{v.pk}" for v in result.violations}


def layout_exception_request(
    *, application: OutletApplication, justification: str, by: Any
) -> LayoutException:
    """The district justifies an outlet inside the minimum distance; the municipal center decides (R8.4)."""
    require(by, "cooperation.justify_layout")
    require_scope(by, application)
    justification = _reason(justification, "justification")
    with transaction.atomic():
        app = (
            OutletApplication.objects.select_for_update(of=("self",))
            .select_related("outlet", "district")
            .get(pk=application.pk)
        )
        if app.status not in (
            OutletApplicationStatus.SUBMITTED,
            OutletApplicationStatus.REVIEWING,
            OutletApplicationStatus.INSPECTED,
            OutletApplicationStatus.RECTIFYING,
        ):
            raise TransitionError(_("当前状态不能申请布局例外。"))
        result = _layout_for(app)
        if result.ok:
            raise TransitionError(_("该网点位置符合最小间距要求，无需申请布局例外。"))
        if app.layout_exceptions.filter(status=ExceptionStatus.PENDING).exists():
            raise TransitionError(_("已有待审批的布局例外申请。"))
        exc = LayoutException.objects.create(
            application=app,
            justification=justification,
            requested_by=by,
            violations=[{"key": f"{v.kind}:{v.pk}", "text": layout.describe(v)} for v in result.violations],
        )
        _store_layout(app, result, by)
        app.save(update_fields=["layout_result", "layout_checked_at", "updated_at"])
        _event("layout_exception.request", by=by, outlet=app.outlet, obj=exc, detail=justification)
        _audit(
            "layout_exception.request",
            by=by,
            obj=exc,
            reason=justification,
            after={"violations": exc.violations},
        )
        _tell(
            _people([MO, MA]),
            _("%(d)s申请布局例外：%(name)s") % {"d": app.district.district_name, "name": app.outlet.name},
            _url("application_detail", app.pk),
        )
    return exc


def layout_exception_decide(
    *, exception: LayoutException, approve: bool, reason: str, by: Any
) -> LayoutException:
    require(by, "cooperation.approve_layout")
    require_scope(by, exception)
    reason = reason.strip() if approve else _reason(reason)
    with transaction.atomic():
        exc = (
            LayoutException.objects.select_for_update(of=("self",))
            .select_related("application__outlet", "application__district")
            .get(pk=exception.pk)
        )
        action = "approve" if approve else "reject"
        _apply(LAYOUT_EXCEPTION, exc, action, by)
        exc.decided_by, exc.decided_at, exc.decision_reason = by, timezone.now(), reason
        exc.save()
        app = exc.application
        _event(f"layout_exception.{action}", by=by, outlet=app.outlet, obj=exc, detail=reason)
        _audit(f"layout_exception.{action}", by=by, obj=exc, reason=reason, after={"status": exc.status})
        _tell(
            _people([DO, DA], agency=app.district),
            _("布局例外申请（%(name)s）：%(s)s") % {"name": app.outlet.name, "s": exc.get_status_display()},
            _url("application_detail", app.pk),
            Notification.Kind.INFO,
        )
    return exc


# --- R4.3 site inspection against Annex 1 -------------------------------------------------------------


def inspection_start(
    *, application: OutletApplication, by: Any, visit_date: dt.date | None = None
) -> SiteInspection:
    require(by, "cooperation.inspect")
    require_scope(by, application)
    tpl = selectors.published_checklist()
    if tpl is None:
        raise ValidationError(_("尚未发布建设标准检查表。"))
    with transaction.atomic():
        app = OutletApplication.objects.select_for_update().get(pk=application.pk)
        open_one = app.inspections.filter(status=InspectionStatus.DRAFT).first()
        if open_one is not None:
            return open_one
        if app.status not in (OutletApplicationStatus.REVIEWING, OutletApplicationStatus.RECTIFYING):
            raise TransitionError(
                _("当前状态为“%(s)s”，不能开始现场检查。") % {"s": app.get_status_display()}
            )
        round_no = (app.inspections.aggregate(r=Max("round"))["r"] or 0) + 1
        insp = SiteInspection.objects.create(
            application=app,
            outlet=app.outlet,
            template=tpl,
            round=round_no,
            inspector=by,
            visit_date=visit_date or _today(),
        )
        InspectionResult.objects.bulk_create(
            InspectionResult(inspection=insp, item=i) for i in tpl.items.all()
        )
        _event(
            "inspection.start", by=by, outlet=app.outlet, obj=insp, detail=_("第%(n)d次") % {"n": round_no}
        )
        _audit("inspection.start", by=by, obj=insp, after={"round": round_no, "checklist": tpl.version})
    return insp


def inspection_save(
    *,
    inspection: SiteInspection,
    answers: dict[int, dict[str, str]],
    photos: dict[int, list[UploadedFile]] | None = None,
    summary: str | None = None,
    visit_date: dt.date | None = None,
    by: Any,
) -> SiteInspection:
    """Save item results, notes and photos as the inspector goes (the form may be saved many times)."""
    require(by, "cooperation.inspect")
    require_scope(by, inspection)
    checked: dict[int, list[tuple[UploadedFile, str]]] = {}
    errors: dict[str, list[str]] = {}
    for item_id, files in (photos or {}).items():
        for f in files:
            try:
                checked.setdefault(item_id, []).append((f, check_upload(f, IMAGES)))
            except ValidationError as exc:
                errors.setdefault(f"photo_{item_id}", []).extend(exc.messages)
    for item_id, ans in answers.items():
        if ans.get("result", "") not in InspectionResult.Result.values:
            errors.setdefault(f"result_{item_id}", []).append(_("检查结果无效。"))
    if visit_date is not None and visit_date > _today():
        errors["visit_date"] = [_("检查日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        insp = SiteInspection.objects.select_for_update().get(pk=inspection.pk)
        if insp.status != InspectionStatus.DRAFT:
            raise TransitionError(_("检查已完成，不能再修改。"))
        results = {r.item_id: r for r in insp.results.select_for_update()}
        for item_id, ans in answers.items():
            r = results.get(item_id)
            if r is None:
                continue
            r.result, r.note = ans.get("result", ""), ans.get("note", "").strip()[:500]
            r.save(update_fields=["result", "note"])
        for item_id, pairs in checked.items():
            r = results.get(item_id)
            if r is None:
                continue
            for f, kind in pairs:
                photo = InspectionPhoto(
                    result=r, name=(f.name or "")[:200], content_kind=kind, size=f.size or 0
                )
                photo.file.save(f.name or "photo", f, save=False)
                photo.save()
        if summary is not None:
            insp.summary = summary.strip()
        if visit_date is not None:
            insp.visit_date = visit_date
        insp.save()
        _audit(
            "inspection.save",
            by=by,
            obj=insp,
            after={"answered": sum(1 for r in results.values() if r.result)},
        )
    return insp


def inspection_complete(*, inspection: SiteInspection, by: Any) -> SiteInspection:
    """Every item answered; all three modes covered (R3.1); any failed `must` item fails the inspection."""
    require(by, "cooperation.inspect")
    require_scope(by, inspection)
    with transaction.atomic():
        insp = (
            SiteInspection.objects.select_for_update(of=("self",))
            .select_related("application", "outlet")
            .get(pk=inspection.pk)
        )
        results = list(insp.results.select_related("item"))
        musts = {r.item.mode for r in results if r.item.level == ChecklistItem.Level.MUST}
        ctx = {
            "unanswered": [r.item.code for r in results if not r.result],
            "must_na": [
                r.item.code
                for r in results
                if r.item.level == ChecklistItem.Level.MUST and r.result == InspectionResult.Result.NA
            ],
            "modes_missing": [
                str(m.label)
                for m in (ChecklistItem.Mode.TERMINAL, ChecklistItem.Mode.ONLINE, ChecklistItem.Mode.COUNTER)
                if m.value not in musts
            ],
        }
        _apply(INSPECTION, insp, "complete", by, ctx)
        failed = [
            r.item.code
            for r in results
            if r.item.level == ChecklistItem.Level.MUST and r.result == InspectionResult.Result.FAIL
        ]
        insp.passed = not failed
        insp.completed_at = timezone.now()
        insp.save()
        app = OutletApplication.objects.select_for_update().get(pk=insp.application_id)
        _apply(OUTLET_APPLICATION, app, "inspect", by)
        app.save(update_fields=["status", "updated_at"])
        detail = _("通过") if insp.passed else _("必备项不符合：%(items)s") % {"items": "、".join(failed)}
        _event("inspection.complete", by=by, outlet=insp.outlet, obj=insp, detail=detail)
        _audit("inspection.complete", by=by, obj=insp, after={"passed": insp.passed, "failed_must": failed})
        _tell(
            _people([DA], agency=app.district),
            _("%(name)s现场检查已完成（%(r)s），请作出验收决定") % {"name": insp.outlet.name, "r": detail},
            _url("application_detail", app.pk),
        )
    return insp


# --- acceptance (R4.3 + R8.4) -------------------------------------------------------------------------


def acceptance_context(app: OutletApplication, result: layout.LayoutResult | None = None) -> dict[str, Any]:
    insp = selectors.latest_inspection(app)
    failed = []
    if insp is not None:
        failed = [
            r.item.code
            for r in insp.results.all()
            if r.item.level == ChecklistItem.Level.MUST and r.result == InspectionResult.Result.FAIL
        ]
    result = result or _layout_for(app)
    approved = app.layout_exceptions.filter(status=ExceptionStatus.APPROVED)
    covered: set[str] = set()
    for exc in approved:
        covered |= {v["key"] for v in exc.violations}
    return {
        "municipal_agreement": selectors.municipal_agreement_of(app.bank),
        "inspection": insp,
        "failed_must": failed,
        "layout_violations": result.violation_texts(),
        # an approved exception covers the violations it named; a new neighbour needs a new approval
        "layout_exception_approved": bool(approved) and _violation_keys(result) <= covered,
    }


def outlet_application_accept(
    *, application: OutletApplication, reason: str = "", by: Any
) -> OutletApplication:
    """Acceptance: a passed inspection, the layout rule (or an approved exception), an active municipal
    agreement. The outlet becomes “accepted” and its district agreement (Annex 4) is generated."""
    require(by, "cooperation.decide_acceptance")
    require_scope(by, application)
    with transaction.atomic():
        app = (
            OutletApplication.objects.select_for_update(of=("self",))
            .select_related("outlet", "district", "bank")
            .get(pk=application.pk)
        )
        result = _layout_for(app)
        ctx = acceptance_context(app, result)
        before = app.status
        _apply(OUTLET_APPLICATION, app, "accept", by, ctx)
        _store_layout(app, result, by)
        app.decided_by, app.decided_at, app.decision_reason = by, timezone.now(), reason.strip()
        app.save()
        outlet = Outlet.objects.select_for_update().get(pk=app.outlet_id)
        _apply(OUTLET, outlet, "accept", by)
        outlet.save(update_fields=["status", "updated_at"])
        _audit("outlet.accept", by=by, obj=outlet, after={"status": outlet.status})
        agreement = _agreement_create(
            kind=Agreement.Kind.DISTRICT,
            bank=app.bank,
            agency=app.district,
            outlet=outlet,
            outlet_application=app,
            by=by,
        )
        _event("application.accept", by=by, outlet=outlet, obj=app, detail=reason)
        _audit(
            "application.accept",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status, "agreement": agreement.number},
        )
        _tell(
            _people([DO, DA], agency=app.district) | _people([BA], bank=app.bank),
            _("%(name)s验收通过，请签署区级合作协议 %(n)s") % {"name": outlet.name, "n": agreement.number},
            _url("agreement_detail", agreement.pk),
        )
    return app


# --- R4.4 filing (maker–checker) and plaque ----------------------------------------------------------


def filing_submit(*, agreement: Agreement, note: str = "", by: Any) -> Filing:
    require(by, "cooperation.submit_filing")
    require_scope(by, agreement)
    with transaction.atomic():
        ag = (
            Agreement.objects.select_for_update(of=("self",))
            .select_related("outlet", "agency")
            .get(pk=agreement.pk)
        )
        if ag.kind != Agreement.Kind.DISTRICT or ag.status != AgreementStatus.ACTIVE or ag.filing_due is None:
            raise TransitionError(_("只有已签署生效的区级协议才能报市级备案。"))
        if ag.filings.filter(status__in=[FilingStatus.SUBMITTED, FilingStatus.APPROVED]).exists():
            raise TransitionError(_("该协议已报送备案，不能重复报送。"))
        assert ag.outlet is not None
        filing = Filing.objects.create(
            agreement=ag,
            outlet=ag.outlet,
            district=ag.agency,
            due_date=ag.filing_due,
            note=note.strip(),
            submitted_by=by,
            submitted_at=timezone.now(),
        )
        late = filing.submitted_at.date() > ag.filing_due
        _event("filing.submit", by=by, outlet=ag.outlet, obj=filing, detail=_("逾期报送") if late else "")
        _audit("filing.submit", by=by, obj=filing, after={"agreement": ag.number, "late": late})
        _tell(
            _people([MO, MA], exclude=by),
            _("区级协议 %(n)s 待备案审核") % {"n": ag.number},
            _url("agreement_detail", ag.pk),
        )
    return filing


def filing_check(*, filing: Filing, approve: bool, reason: str = "", by: Any) -> Filing:
    """The checker must not be the maker; a rejection is recorded and the district files again."""
    require(by, "cooperation.check_filing")
    require_scope(by, filing)
    reason = reason.strip() if approve else _reason(reason)
    with transaction.atomic():
        f = (
            Filing.objects.select_for_update(of=("self",))
            .select_related("agreement", "outlet", "district")
            .get(pk=filing.pk)
        )
        action = "approve" if approve else "reject"
        _apply(FILING, f, action, by)
        f.checked_by, f.checked_at, f.check_reason = by, timezone.now(), reason
        f.save()
        _event(f"filing.{action}", by=by, outlet=f.outlet, obj=f, detail=reason)
        _audit(f"filing.{action}", by=by, obj=f, reason=reason, after={"status": f.status})
        title = (
            _("区级协议 %(n)s 已完成市级备案，可颁发标牌") if approve else _("区级协议 %(n)s 备案被退回")
        ) % {"n": f.agreement.number}
        _tell(_people([DO, DA], agency=f.district), title, _url("agreement_detail", f.agreement_id))
    return f


def plaque_issue(*, outlet: Outlet, by: Any) -> Plaque:
    """After filing (R4.4): a unique plaque number; the outlet starts operating; a public notice."""
    require(by, "cooperation.issue_plaque")
    require_scope(by, outlet)
    today = _today()
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        ag = selectors.district_agreement_of(o)
        filed = bool(
            ag
            and ag.status == AgreementStatus.ACTIVE
            and ag.filings.filter(status=FilingStatus.APPROVED).exists()
        )
        _apply(OUTLET, o, "open", by, {"filing_approved": filed})
        o.save(update_fields=["status", "updated_at"])
        assert ag is not None  # guaranteed by the filing guard
        plaque = None
        for _attempt in range(3):
            try:
                with transaction.atomic():
                    plaque = Plaque.objects.create(
                        number=_next_number(Plaque, f"BJSY{today.year}", 5),
                        outlet=o,
                        agreement=ag,
                        issued_on=today,
                        issued_by=by,
                    )
                break
            except IntegrityError:
                continue
        if plaque is None:
            raise TransitionError(_("标牌编号生成冲突，请重试。"))
        notice = notice_publish(
            kind=PublicNotice.Kind.OUTLET_OPENED,
            title=_("关于新设社保服务合作网点“%(name)s”的公告") % {"name": o.name},
            body=_(
                "经%(district)s社会保险经办机构验收并报市级备案，%(bank)s%(name)s（地址：%(address)s）自%(date)s起"
                "作为社保服务合作网点对外提供社会保险服务，标牌编号%(number)s。"
            )
            % {
                "district": o.district.district_name,
                "bank": o.bank.name,
                "name": o.name,
                "address": o.address,
                "date": f"{today:%Y年%m月%d日}",
                "number": plaque.number,
            },
            by=by,
            related=o,
        )
        _event("plaque.issue", by=by, outlet=o, obj=plaque, detail=plaque.number)
        _event("notice.publish", by=by, outlet=o, obj=notice, detail=notice.title)
        _audit("plaque.issue", by=by, obj=plaque, after={"number": plaque.number, "outlet": o.code})
        _audit("outlet.open", by=by, obj=o, after={"status": o.status})
        _tell(
            _people([BA], bank=o.bank) | _people([OM], outlet=o),
            _("%(name)s已获颁标牌 %(n)s，开始运营") % {"name": o.name, "n": plaque.number},
            _url("outlet_lifecycle", o.pk),
            Notification.Kind.INFO,
        )
    return plaque


# --- operation: suspension and resumption ----------------------------------------------------------


def _revoke_outlet_staff(outlet: Outlet, reason: str, by: Any) -> int:
    """Every permission of the outlet's staff is revoked and their sessions and tokens stop at the next
    request (R6.4). The staffing app does the grants; until it exists, sessions are ended here."""
    revoked = 0
    try:  # imported lazily: staffing is built beside this app and may not be installed
        staffing: Any = importlib.import_module("sheyin.staffing.services")
    except ImportError:
        staffing = None
    revoke_grants = getattr(staffing, "grants_revoke_for_outlet", None)
    if revoke_grants is not None:
        revoked = int(revoke_grants(outlet=outlet, reason=reason, by=by) or 0)
    from sheyin.accounts.services import user_revoke_sessions

    users = list(User.objects.filter(assignments__outlet=outlet).distinct())
    for user in users:
        user_revoke_sessions(user=user, reason=reason, by=by)
    _event(
        "staff.revoke",
        by=by,
        outlet=outlet,
        detail=_("撤销权限%(g)d项，终止%(u)d名人员的会话") % {"g": revoked, "u": len(users)},
    )
    return revoked


def outlet_suspend(
    *,
    outlet: Outlet,
    reason: str,
    starts_on: dt.date | None = None,
    planned_end: dt.date | None = None,
    by: Any,
) -> Suspension:
    require(by, "cooperation.suspend_outlet")
    require_scope(by, outlet)
    reason = _reason(reason)
    today = _today()
    starts_on = starts_on or today
    errors: dict[str, str] = {}
    if starts_on > today:
        errors["starts_on"] = _("暂停开始日期不能晚于今天（暂停立即生效）。")
    if planned_end is not None and planned_end < starts_on:
        errors["planned_end"] = _("计划恢复日期不能早于暂停开始日期。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        _apply(OUTLET, o, "suspend", by)
        o.save(update_fields=["status", "updated_at"])
        s = Suspension.objects.create(
            outlet=o, reason=reason, starts_on=starts_on, planned_end=planned_end, suspended_by=by
        )
        _revoke_outlet_staff(o, _("网点暂停服务：%(r)s") % {"r": reason}, by)
        _event("outlet.suspend", by=by, outlet=o, obj=s, detail=reason)
        _audit(
            "outlet.suspend",
            by=by,
            obj=o,
            reason=reason,
            after={"status": o.status, "planned_end": planned_end},
        )
        _tell(
            _people([BA], bank=o.bank) | _people([OM], outlet=o),
            _("%(name)s已暂停服务") % {"name": o.name},
            _url("outlet_lifecycle", o.pk),
            Notification.Kind.ALERT,
        )
    return s


def outlet_resume(*, outlet: Outlet, reason: str, by: Any) -> Suspension:
    require(by, "cooperation.suspend_outlet")
    require_scope(by, outlet)
    reason = _reason(reason)
    with transaction.atomic():
        o = (
            Outlet.objects.select_for_update(of=("self",))
            .select_related("bank", "district")
            .get(pk=outlet.pk)
        )
        _apply(OUTLET, o, "resume", by)
        o.save(update_fields=["status", "updated_at"])
        s = Suspension.objects.select_for_update().filter(outlet=o, resumed_on__isnull=True).first()
        if s is None:  # suspended outside this app (e.g. imported data): record it now
            s = Suspension.objects.create(outlet=o, reason=_("（无记录）"), starts_on=_today())
        s.resumed_on, s.resumed_by, s.resume_reason = _today(), by, reason
        s.save()
        _event("outlet.resume", by=by, outlet=o, obj=s, detail=reason)
        _audit("outlet.resume", by=by, obj=o, reason=reason, after={"status": o.status})
        _tell(
            _people([BA], bank=o.bank) | _people([OM], outlet=o),
            _("%(name)s已恢复服务；经办人员权限须重新授予") % {"name": o.name},
            _url("outlet_lifecycle", o.pk),
            Notification.Kind.INFO,
        )
    return s


# --- R6.2–R6.4 termination ------------------------------------------------------------------------


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
    roles = _roles(by)
    bank_side = bool(roles & {BA}) and not roles & {DA, DO}
    today = _today()
    errors: dict[str, str] = {}
    if kind not in (Termination.Kind.NEGOTIATED, Termination.Kind.UNILATERAL):
        errors["kind"] = _("请选择终止方式。")
    if kind == Termination.Kind.UNILATERAL:
        if bank_side:
            errors["kind"] = _("银行不能单方解除，请提出协商解除（R6.2）。")
        if ground not in (Termination.Ground.VIOLATION, Termination.Ground.FAILED_APPRAISAL):
            errors["ground"] = _("单方解除须选择事由：违规并造成不良影响，或考核不合格（R6.3）。")
        if notice_date is None:
            errors["notice_date"] = _("单方解除须填写书面通知日期（R6.3）。")
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
        _event("termination.propose", by=by, outlet=o, obj=t, detail=f"{t.get_kind_display()}：{t.reason}")
        _audit(
            "termination.propose",
            by=by,
            obj=t,
            reason=t.reason,
            after=snapshot(t, ["kind", "ground", "notice_date", "effective_date", "proposed_side"]),
        )
        url = _url("termination_detail", t.pk)
        if kind == Termination.Kind.UNILATERAL:
            _tell(
                _people([DA], agency=o.district, exclude=by),
                _("请批准单方解除：%(name)s") % {"name": o.name},
                url,
            )
            _tell(
                _people([BA], bank=o.bank) | _people([OM], outlet=o),
                _("%(name)s收到单方解除合作通知") % {"name": o.name},
                url,
                Notification.Kind.ALERT,
            )
        else:
            other = _people([DA], agency=o.district) if bank_side else _people([BA], bank=o.bank)
            _tell(other, _("请确认协商解除：%(name)s") % {"name": o.name}, url)
    return t


def _maybe_execute(t: Termination, by: Any) -> None:
    if t.status == TerminationStatus.SCHEDULED and t.effective_date <= _today():
        _execute(t, by, _today(), system=True)


def termination_confirm(*, termination: Termination, by: Any) -> Termination:
    """Negotiated termination (R6.2): each side confirms; with both, it is scheduled (and takes effect at
    once if its date has come)."""
    require(by, "cooperation.confirm_termination")
    require_scope(by, termination)
    roles = _roles(by)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        TERMINATION.check(t.status, "confirm", roles, {"agency_confirming": True, "bank_confirming": True}, t)
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
            _apply(TERMINATION, t, "confirm", by)
        t.save()
        _event("termination.confirm", by=by, outlet=t.outlet, obj=t)
        _audit("termination.confirm", by=by, obj=t, after={"status": t.status})
        _maybe_execute(t, by)
    return t


def termination_approve(*, termination: Termination, by: Any) -> Termination:
    """Unilateral termination (R6.3): approved by a district admin other than the proposer."""
    require(by, "cooperation.approve_termination")
    require_scope(by, termination)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        _apply(TERMINATION, t, "approve", by)
        t.approved_by, t.approved_at = by, timezone.now()
        t.save()
        _event("termination.approve", by=by, outlet=t.outlet, obj=t)
        _audit("termination.approve", by=by, obj=t, after={"status": t.status})
        _maybe_execute(t, by)
    return t


def termination_execute(*, termination: Termination, by: Any, today: dt.date | None = None) -> Termination:
    """Carry out a scheduled termination on/after its effective date (the job does this by itself)."""
    require(by, "cooperation.execute_termination")
    require_scope(by, termination)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        _execute(t, by, today or _today())
    return t


def terminations_execute_due(*, today: dt.date | None = None) -> int:
    """The job: every scheduled termination whose date has come takes effect; open items are re-asked."""
    today = today or _today()
    done = 0
    due = Termination.objects.filter(
        status=TerminationStatus.SCHEDULED, effective_date__lte=today, parent__isnull=True
    ).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            t = Termination.objects.select_for_update().get(pk=pk)
            if t.status != TerminationStatus.SCHEDULED:
                continue
            _execute(t, None, today)
            done += 1
    for pk in list(
        Termination.objects.filter(status=TerminationStatus.EFFECTIVE).values_list("pk", flat=True)
    ):
        open_items_refresh(termination=Termination.objects.get(pk=pk), by=None)
    return done


def _execute(t: Termination, by: Any, today: dt.date, *, system: bool = False) -> None:
    """Everything termination means, in the caller's transaction (R6.4)."""
    _apply(TERMINATION, t, "execute", by, {"today": today}, system=system or by is None)
    t.executed_at = timezone.now()
    if t.outlet_id is None:
        _execute_bank(t, by, today)
        return
    o = Outlet.objects.select_for_update(of=("self",)).select_related("bank", "district").get(pk=t.outlet_id)
    reason = _("%(kind)s：%(reason)s") % {"kind": t.get_kind_display(), "reason": t.reason}
    _apply(OUTLET, o, "terminate", by, system=True)
    o.save(update_fields=["status", "updated_at"])
    Suspension.objects.filter(outlet=o, resumed_on__isnull=True).update(
        resumed_on=t.effective_date, resume_reason=_("随终止合作结束")
    )
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
        _apply(AGREEMENT, ag, action, by, system=True)
        ag.ended_on, ag.end_reason = t.effective_date, reason
        ag.save()
        _event(f"agreement.{action}", by=by, outlet=o, obj=ag, detail=reason)
        _audit(f"agreement.{action}", by=by, obj=ag, reason=reason, after={"status": ag.status})
    for p in Plaque.objects.select_for_update().filter(outlet=o, status=PlaqueStatus.VALID):
        _apply(PLAQUE, p, "recover", by, system=True)
        p.recovered_on, p.recovered_reason = today, reason[:300]
        p.save()
        _event("plaque.recover", by=by, outlet=o, obj=p, detail=p.number)
        _audit("plaque.recover", by=by, obj=p, reason=reason, after={"status": p.status})
    t.staff_revoked = _revoke_outlet_staff(o, reason, by)
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
        _apply(TERMINATION, t, "close", by, {"open_items": 0}, system=True)
    t.save()
    _event("notice.publish", by=by, outlet=o, obj=notice, detail=notice.title)
    _event(
        "termination.execute",
        by=by,
        outlet=o,
        obj=t,
        detail=_("标牌已收回，人员权限已撤销，公告已发布，未结事项%(n)d项") % {"n": len(items)},
    )
    _audit(
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
    _tell(
        _people([DO, DA], agency=o.district) | _people([BA], bank=o.bank),
        _("%(name)s终止合作已生效") % {"name": o.name},
        _url("termination_detail", t.pk),
        Notification.Kind.INFO,
    )


def _schedule_bank_end(
    ag: Agreement, kind: str, reason: str, effective_date: dt.date, by: Any
) -> Termination:
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
        notice_date=_today(),
        effective_date=effective_date,
        proposed_by=by,
        approved_by=by,
        approved_at=now,
    )
    for o in preview["outlets"]:
        if o.status == OutletStatus.APPLYING:
            continue  # its application is closed with the bank
        Termination.objects.filter(
            outlet=o, status__in=[TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED]
        ).update(status=TerminationStatus.CANCELLED, cancel_reason=_("并入银行合作终止"))
        Termination.objects.create(
            kind=kind,
            agreement=selectors.district_agreement_of(o) or ag,
            outlet=o,
            bank=ag.bank,
            district=o.district,
            parent=parent,
            status=TerminationStatus.SCHEDULED,
            reason=reason,
            notice_date=_today(),
            effective_date=effective_date,
            proposed_by=by,
            approved_by=by,
            approved_at=now,
        )
    _event(
        "termination.propose",
        by=by,
        bank=ag.bank,
        obj=parent,
        detail=_("%(kind)s，涉及网点%(n)d个") % {"kind": parent.get_kind_display(), "n": preview["count"]},
    )
    _audit(
        "termination.propose",
        by=by,
        obj=parent,
        reason=reason,
        after={"bank": ag.bank.short_name, "outlets": preview["count"], "effective_date": effective_date},
    )
    return parent


def _execute_bank(parent: Termination, by: Any, today: dt.date) -> None:
    for child in parent.children.select_for_update().filter(status=TerminationStatus.SCHEDULED):
        _execute(child, by, today, system=True)
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
        _apply(OUTLET_APPLICATION, app, "close", by, system=True)
        app.decision_reason = reason
        app.save(update_fields=["status", "decision_reason", "updated_at"])
        _end_applying_outlet(app, by, reason)
        _event("application.close", by=by, outlet=app.outlet, obj=app, detail=reason)
    ag = Agreement.objects.select_for_update().get(pk=parent.agreement_id)
    if ag.status == AgreementStatus.ACTIVE:
        _apply(
            AGREEMENT,
            ag,
            "expire" if parent.kind == Termination.Kind.EXPIRED else "terminate",
            by,
            system=True,
        )
        ag.ended_on, ag.end_reason = parent.effective_date, reason
        ag.save()
        _audit("agreement.end", by=by, obj=ag, reason=reason, after={"status": ag.status})
    bank = Bank.objects.select_for_update().get(pk=parent.bank_id)
    if bank.status in (Bank.Status.ACTIVE, Bank.Status.SUSPENDED):
        before = bank.status
        _apply(BANK, bank, "end", by, system=True)
        bank.save(update_fields=["status", "updated_at"])
        _audit(
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
    _apply(TERMINATION, parent, "close", by, {"open_items": 0}, system=True)
    parent.save()
    _event("termination.execute", by=by, bank=bank, obj=parent, detail=reason)
    _audit("termination.execute", by=by, obj=parent, reason=reason, after={"bank": bank.short_name})


def bank_agreement_terminate(
    *, agreement: Agreement, reason: str, effective_date: dt.date, confirm_count: int, by: Any
) -> Termination:
    """Ending a bank's municipal agreement ends all its outlets, after a preview: `confirm_count` must equal
    the number of outlets the preview showed, so a stale confirmation cannot end more than was seen."""
    require(by, "cooperation.terminate_bank")
    reason = _reason(reason)
    if agreement.kind != Agreement.Kind.MUNICIPAL or agreement.status != AgreementStatus.ACTIVE:
        raise TransitionError(_("只有生效中的市级协议可以终止。"))
    if effective_date < _today():
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
        parent = _schedule_bank_end(ag, Termination.Kind.BANK_ENDED, reason, effective_date, by)
        _tell(
            _people([BA], bank=ag.bank),
            _("市级合作协议 %(n)s 将于%(d)s终止") % {"n": ag.number, "d": effective_date},
            _url("termination_detail", parent.pk),
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
    reason = _reason(reason)
    roles = _roles(by)
    with transaction.atomic():
        t = Termination.objects.select_for_update().get(pk=termination.pk)
        if t.parent_id:
            raise TransitionError(_("该终止属于银行合作终止，只能整体撤销。"))
        if roles & {BA} and not roles & {DA, MA} and t.kind != Termination.Kind.NEGOTIATED:
            raise NotAllowed(_("银行不能撤销经办机构的单方解除。"))
        if t.outlet_id is None and MA not in roles and by is not None:
            raise NotAllowed(_("银行合作终止只能由市级管理员撤销。"))
        _apply(TERMINATION, t, "cancel", by)
        t.cancel_reason = reason
        t.save()
        t.children.filter(status=TerminationStatus.SCHEDULED).update(
            status=TerminationStatus.CANCELLED, cancel_reason=reason
        )
        _event("termination.cancel", by=by, outlet=t.outlet, bank=t.bank, obj=t, detail=reason)
        _audit("termination.cancel", by=by, obj=t, reason=reason, after={"status": t.status})
    return t


def _maybe_close(t: Termination, by: Any) -> None:
    if (
        t.status == TerminationStatus.EFFECTIVE
        and not t.open_items.filter(status=OpenItemStatus.OPEN).exists()
    ):
        _apply(TERMINATION, t, "close", by, {"open_items": 0}, system=True)
        t.save(update_fields=["status", "updated_at"])
        _event("termination.close", by=by, outlet=t.outlet, obj=t)
        _audit("termination.close", by=by, obj=t, after={"status": t.status})


def open_item_close(*, item: OpenItem, note: str, by: Any) -> OpenItem:
    require(by, "cooperation.close_open_item")
    require_scope(by, item)
    note = _reason(note, "note")
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
        _event("open_item.close", by=by, outlet=it.outlet, obj=it, detail=f"{it.description}：{note}")
        _audit("open_item.close", by=by, obj=it, reason=note)
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
                _event("open_item.close", by=by, outlet=t.outlet, obj=it, detail=it.description)
        if added or closed:
            _audit("open_items.refresh", by=by, obj=t, after={"added": added, "closed": closed})
        _maybe_close(t, by)
    return added, closed


# --- deadline alerts (the daily job) -----------------------------------------------------------------


def filing_deadline_alerts(*, today: dt.date | None = None) -> int:
    """Tell each district about its signed agreements not yet filed after the deadline (once a day)."""
    today = today or _today()
    overdue = selectors.overdue_filings(Agreement.objects.select_related("agency", "outlet"), today)
    by_agency: dict[int, list[Agreement]] = {}
    for ag in overdue:
        by_agency.setdefault(ag.agency_id, []).append(ag)
    sent = 0
    with transaction.atomic():
        for _agency_id, ags in by_agency.items():
            sent += notify(
                users=list(_people([DO, DA], agency=ags[0].agency)),
                title=_("%(n)d份区级协议已超过备案期限未报送") % {"n": len(ags)},
                body="、".join(a.number for a in ags[:20]),
                url=_url("filing_list") + "?overdue=1",
                kind=Notification.Kind.DEADLINE,
            )
    return sent
