"""R4.1: a bank's application for municipal cooperation."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.services import changes, snapshot
from sheyin.common.numbering import allocate
from sheyin.institutions.models import Agency, Bank
from sheyin.notifications.models import Notification

from .. import selectors
from ..models import (
    Agreement,
    BankApplication,
)
from ..workflow import (
    BANK_APPLICATION,
    BankApplicationStatus,
    TransitionError,
)
from .agreements import agreement_create
from .base import (
    BA,
    MA,
    MO,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    require_reason,
    tell,
    timeline_event,
)

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
                number=allocate(BankApplication, "number", f"YHSQ-{local_today().year}-", 4),
                bank=bank,
                created_by=by,
                **{k: (data[k].strip() if isinstance(data[k], str) else data[k]) for k in BANK_APP_FIELDS},
            )
            timeline_event("bank_application.create", by=by, bank=bank, obj=app)
            audit_step("bank_application.create", by=by, obj=app, after=snapshot(app, BANK_APP_FIELDS))
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
        audit_step("bank_application.update", by=by, obj=app, before=b, after=a)
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
        apply_transition(BANK_APPLICATION, app, action, by)
        now = timezone.now()
        if action == "submit":
            app.submitted_at = now
        elif action in ("review", "return"):
            app.reviewed_by, app.reviewed_at, app.review_opinion = by, now, reason
        elif action in ("approve", "reject"):
            app.decided_by, app.decided_at, app.decision_reason = by, now, reason
        app.save()
        timeline_event(f"bank_application.{action}", by=by, bank=app.bank, obj=app, detail=reason)
        audit_step(
            f"bank_application.{action}",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status},
        )
        url = page_url("bank_application_detail", app.pk)
        if action == "submit":
            tell(people([MO]), _("%(bank)s提交了银行合作申请，请审核") % {"bank": app.bank.short_name}, url)
        elif action == "review":
            tell(people([MA]), _("%(bank)s的合作申请已审核，请审批") % {"bank": app.bank.short_name}, url)
        elif action in ("return", "reject"):
            tell(
                people([BA], bank=app.bank),
                _("您的银行合作申请被退回或未获批准"),
                url,
                Notification.Kind.INFO,
            )
        elif action == "approve":
            agreement = agreement_create(
                kind=Agreement.Kind.MUNICIPAL,
                bank=app.bank,
                agency=Agency.objects.get(level=Agency.Level.MUNICIPAL),
                bank_application=app,
                by=by,
            )
            tell(
                people([BA], bank=app.bank) | people([MO]),
                _("银行合作申请已批准，请签署市级合作协议 %(n)s") % {"n": agreement.number},
                page_url("agreement_detail", agreement.pk),
            )
    return app


def bank_application_submit(*, application: BankApplication, by: Any) -> BankApplication:
    return _bank_app_step(application, "submit", "cooperation.apply_bank", by)


def bank_application_withdraw(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "withdraw", "cooperation.apply_bank", by, require_reason(reason))


def bank_application_return(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "return", "cooperation.review_bank", by, require_reason(reason))


def bank_application_review(*, application: BankApplication, opinion: str, by: Any) -> BankApplication:
    return _bank_app_step(
        application, "review", "cooperation.review_bank", by, require_reason(opinion, "opinion")
    )


def bank_application_approve(*, application: BankApplication, reason: str = "", by: Any) -> BankApplication:
    """A municipal admin approves; the reviewer cannot (maker–checker). The municipal agreement's text is
    generated from the current Annex 2 template, to be signed."""
    return _bank_app_step(application, "approve", "cooperation.approve_bank", by, reason.strip())


def bank_application_reject(*, application: BankApplication, reason: str, by: Any) -> BankApplication:
    return _bank_app_step(application, "reject", "cooperation.approve_bank", by, require_reason(reason))
