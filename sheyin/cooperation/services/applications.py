"""R4.2: outlet applications — files, layout check, submission and the district's steps."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.services import changes, snapshot
from sheyin.common.numbering import allocate
from sheyin.common.uploads import DOCUMENTS, IMAGES, check_upload
from sheyin.institutions import services as registry
from sheyin.institutions.models import Bank, Outlet, OutletStatus
from sheyin.notifications.models import Notification
from sheyin.planning import services as planning

from .. import layout, selectors
from ..models import (
    ApplicationFile,
    LayoutException,
    OutletApplication,
)
from ..workflow import (
    LAYOUT_EXCEPTION,
    OUTLET,
    OUTLET_APPLICATION,
    ExceptionStatus,
    OutletApplicationStatus,
    TransitionError,
    has_municipal_agreement,
)
from .base import (
    BA,
    DA,
    DI,
    DO,
    MA,
    MAX_PHOTOS,
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

# The outlet's own facts and contact details (the registry row); floor area is kept on both: the
# application records what was applied for, the outlet what holds now.
OUTLET_KEYS = [*registry.FACT_FIELDS, *registry.CONTACT_FIELDS]
APP_KEYS = ["printers", "floor_area_m2", "staff_planned", "guide_planned", "staffing_plan", "network_plan"]


def check_files(
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


def store_files(app: OutletApplication, checked: list[tuple[str, UploadedFile, str]], by: Any) -> None:
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


def _no_agreement_error(bank: Bank) -> None:
    if selectors.municipal_agreement_of(bank) is None:
        raise TransitionError(has_municipal_agreement(None, {}) or "", code="no_municipal_agreement")


def application_errors(*, bank: Bank, data: dict[str, Any], outlet: Outlet | None = None) -> dict[str, str]:
    """Every error in an application's place, name, phone and windows at once (so that a form shows them
    in one round, whatever else it refuses); `outlet` is the application's own row when editing."""
    candidate = Outlet(bank=bank)
    if outlet is not None:
        candidate = Outlet.objects.get(pk=outlet.pk)
    for k in OUTLET_KEYS:
        if k in data:
            setattr(candidate, k, data[k])
    errors = registry.outlet_errors(candidate)
    if not candidate.district_id:
        errors["district"] = _("请选择所在区。")
    if not (candidate.phone or "").strip():
        errors.setdefault("phone", _("请填写咨询电话。"))
    return errors


def outlet_application_create(
    *, bank: Bank, data: dict[str, Any], files: dict[str, list[UploadedFile]] | None = None, by: Any
) -> OutletApplication:
    """Only a branch of a bank with an active municipal agreement may apply (R4.2). The outlet is registered
    at once with status “applying” — this is the only way an outlet comes into being."""
    require(by, "cooperation.apply_outlet")
    require_scope(by, bank)
    _no_agreement_error(bank)
    errors: dict[str, list[str]] = {k: [v] for k, v in application_errors(bank=bank, data=data).items()}
    try:
        checked = check_files(files)
    except ValidationError as exc:
        for k, msgs in exc.message_dict.items():
            errors.setdefault(k, []).extend(msgs)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        district = data["district"]
        number = allocate(OutletApplication, "number", f"WDSQ-{district.code}-{local_today().year}-", 4)
        outlet = registry.outlet_register(
            data={**{k: data[k] for k in OUTLET_KEYS if k in data}, "bank": bank},
            by=by,
            application_number=number,
        )
        app = OutletApplication.objects.create(
            number=number,
            bank=bank,
            branch=outlet.branch,
            district=district,
            outlet=outlet,
            created_by=by,
            planned_site=planning.planned_site_for_application(data.get("planned_site"), district),
            **{k: data[k] for k in APP_KEYS if k in data},
        )
        store_files(app, checked, by)
        timeline_event("application.create", by=by, outlet=outlet, obj=app, detail=app.number)
        audit_step("application.create", by=by, obj=app, after=snapshot(app, ["number", "status", *APP_KEYS]))
    return app


def outlet_application_update(
    *,
    application: OutletApplication,
    data: dict[str, Any],
    files: dict[str, list[UploadedFile]] | None = None,
    by: Any,
) -> OutletApplication:
    """A draft or returned application changes its outlet's facts (the only time they change without a
    change request). A changed site clears the stored layout result: it no longer describes the site."""
    require(by, "cooperation.apply_outlet")
    require_scope(by, application)
    checked = check_files(files, application.files.filter(kind=ApplicationFile.Kind.PHOTO).count())
    with transaction.atomic():
        app = OutletApplication.objects.select_for_update().select_related("outlet").get(pk=application.pk)
        if app.status not in (OutletApplicationStatus.DRAFT, OutletApplicationStatus.RETURNED):
            raise TransitionError(_("申请已提交，不能修改。"))
        if "district" in data and data["district"] != app.district:
            raise ValidationError({"district": _("申请提交的区不能更改；如需更换，请撤回后重新申请。")})
        errors = application_errors(bank=app.bank, data=data, outlet=app.outlet)
        if errors:
            raise ValidationError(errors)
        moved = any(k in data and data[k] != getattr(app.outlet, k) for k in ("lon", "lat"))
        registry.outlet_facts_set(
            outlet=app.outlet, data={k: data[k] for k in OUTLET_KEYS if k in data}, by=by, reason=app.number
        )
        before = snapshot(app, APP_KEYS)
        for k in APP_KEYS:
            if k in data:
                setattr(app, k, data[k])
        app.branch = data.get("branch", app.branch)
        if moved and app.layout_result is not None:
            app.layout_result, app.layout_checked_at = None, None  # stale: checked again at submission
        app.save()
        store_files(app, checked, by)
        b, a = changes(before, snapshot(app, APP_KEYS))
        timeline_event("application.update", by=by, outlet=app.outlet, obj=app)
        audit_step("application.update", by=by, obj=app, before=b, after=a)
    return app


def application_file_delete(*, file: ApplicationFile, by: Any) -> None:
    require(by, "cooperation.apply_outlet")
    require_scope(by, file.application)
    with transaction.atomic():
        app = OutletApplication.objects.select_for_update().get(pk=file.application_id)
        if app.status not in (OutletApplicationStatus.DRAFT, OutletApplicationStatus.RETURNED):
            raise TransitionError(_("申请已提交，不能删除材料。"))
        audit_step("application.file_delete", by=by, obj=app, before={"file": file.name, "kind": file.kind})
        file.file.delete(save=False)
        file.delete()


def store_layout(app: OutletApplication, result: layout.LayoutResult, by: Any) -> None:
    app.layout_result, app.layout_checked_at = result.as_json(), timezone.now()
    timeline_event(
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
            "missing": selectors.missing_items(app),
        }
        apply_transition(OUTLET_APPLICATION, app, "submit", by, ctx)
        app.submitted_at = timezone.now()
        store_layout(app, selectors.layout_for(app), by)  # at submission (R8.4), again at acceptance
        app.save()
        timeline_event("application.submit", by=by, outlet=app.outlet, obj=app)
        audit_step("application.submit", by=by, obj=app, after={"status": app.status})
        tell(
            people([DO, DA], agency=app.district),
            _("%(bank)s提交了网点设立申请：%(name)s")
            % {"bank": app.bank.short_name, "name": app.outlet.name},
            page_url("application_detail", app.pk),
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
                "missing": selectors.missing_items(app),
            }
        apply_transition(OUTLET_APPLICATION, app, action, by, ctx)
        now = timezone.now()
        if action == "return":
            app.return_reason = reason
        elif action == "admit":
            app.admitted_by, app.admitted_at = by, now
        elif action in ("rectify", "reject"):
            app.decided_by, app.decided_at, app.decision_reason = by, now, reason
        app.save()
        if action in ("reject", "withdraw"):
            end_applying_outlet(app, by, reason)
        timeline_event(f"application.{action}", by=by, outlet=app.outlet, obj=app, detail=reason)
        audit_step(
            f"application.{action}",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status},
        )
        url = page_url("application_detail", app.pk)
        if action == "admit":
            tell(
                people([DI], agency=app.district),
                _("请对%(name)s进行现场检查") % {"name": app.outlet.name},
                url,
            )
        elif action in ("return", "rectify", "reject"):
            tell(
                people([BA], bank=app.bank),
                _("网点设立申请 %(n)s：%(what)s") % {"n": app.number, "what": app.get_status_display()},
                url,
                # a return asks the bank to correct and submit again: a to-do that its resubmission closes
                Notification.Kind.TASK if action == "return" else Notification.Kind.INFO,
            )
            if action == "rectify":
                tell(
                    people([DI], agency=app.district),
                    _("%(name)s整改后需复查") % {"name": app.outlet.name},
                    url,
                )
    return app


def end_applying_outlet(app: OutletApplication, by: Any, reason: str) -> None:
    """A rejected or withdrawn application ends its outlet row (it never operated)."""
    outlet = Outlet.objects.select_for_update().get(pk=app.outlet_id)
    if outlet.status == OutletStatus.APPLYING:
        apply_transition(OUTLET, outlet, "terminate", by, system=True)
        outlet.save(update_fields=["status", "updated_at"])
        audit_step("outlet.terminate", by=by, obj=outlet, reason=reason, after={"status": outlet.status})


def outlet_application_return(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "return", "cooperation.review_application", by, require_reason(reason))


def outlet_application_admit(*, application: OutletApplication, by: Any) -> OutletApplication:
    """The district admits a complete application (the completeness check is shown before)."""
    return _app_step(application, "admit", "cooperation.review_application", by)


def outlet_application_rectify(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "rectify", "cooperation.decide_acceptance", by, require_reason(reason))


def outlet_application_reject(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "reject", "cooperation.decide_acceptance", by, require_reason(reason))


def outlet_application_withdraw(*, application: OutletApplication, reason: str, by: Any) -> OutletApplication:
    return _app_step(application, "withdraw", "cooperation.apply_outlet", by, require_reason(reason))


def layout_exception_request(
    *, application: OutletApplication, justification: str, by: Any
) -> LayoutException:
    """The district justifies an outlet inside the minimum distance; the municipal center decides (R8.4)."""
    require(by, "cooperation.justify_layout")
    require_scope(by, application)
    justification = require_reason(justification, "justification")
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
        result = selectors.layout_for(app)
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
        store_layout(app, result, by)
        app.save(update_fields=["layout_result", "layout_checked_at", "updated_at"])
        timeline_event("layout_exception.request", by=by, outlet=app.outlet, obj=exc, detail=justification)
        audit_step(
            "layout_exception.request",
            by=by,
            obj=exc,
            reason=justification,
            after={"violations": exc.violations},
        )
        tell(
            people([MO, MA]),
            _("%(d)s申请布局例外：%(name)s") % {"d": app.district.district_name, "name": app.outlet.name},
            page_url("application_detail", app.pk),
        )
    return exc


def layout_exception_decide(
    *, exception: LayoutException, approve: bool, reason: str, by: Any
) -> LayoutException:
    require(by, "cooperation.approve_layout")
    require_scope(by, exception)
    reason = reason.strip() if approve else require_reason(reason)
    with transaction.atomic():
        exc = (
            LayoutException.objects.select_for_update(of=("self",))
            .select_related("application__outlet", "application__district")
            .get(pk=exception.pk)
        )
        action = "approve" if approve else "reject"
        apply_transition(LAYOUT_EXCEPTION, exc, action, by)
        exc.decided_by, exc.decided_at, exc.decision_reason = by, timezone.now(), reason
        exc.save()
        app = exc.application
        timeline_event(f"layout_exception.{action}", by=by, outlet=app.outlet, obj=exc, detail=reason)
        audit_step(f"layout_exception.{action}", by=by, obj=exc, reason=reason, after={"status": exc.status})
        tell(
            people([DO, DA], agency=app.district),
            _("布局例外申请（%(name)s）：%(s)s") % {"name": app.outlet.name, "s": exc.get_status_display()},
            page_url("application_detail", app.pk),
            Notification.Kind.INFO,
        )
    return exc
