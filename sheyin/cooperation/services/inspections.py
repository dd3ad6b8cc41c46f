"""R4.3: the site inspection against the construction checklist (Annex 1)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.common.uploads import IMAGES, check_upload

from .. import selectors
from ..models import (
    ChecklistItem,
    InspectionPhoto,
    InspectionResult,
    OutletApplication,
    SiteInspection,
)
from ..workflow import (
    INSPECTION,
    OUTLET_APPLICATION,
    InspectionStatus,
    OutletApplicationStatus,
    TransitionError,
)
from .base import (
    DA,
    apply_transition,
    audit_step,
    local_today,
    page_url,
    people,
    tell,
    timeline_event,
)


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
            visit_date=visit_date or local_today(),
        )
        # A re-inspection starts from the previous round's answers (by item code), so the inspector
        # re-checks what was found wanting instead of answering everything again; photos stay with the round
        # they were taken in.
        previous = app.inspections.filter(round=round_no - 1).first() if round_no > 1 else None
        before = (
            {r.item.code: (r.result, r.note) for r in previous.results.select_related("item")}
            if previous is not None
            else {}
        )
        InspectionResult.objects.bulk_create(
            InspectionResult(
                inspection=insp,
                item=i,
                result=before.get(i.code, ("", ""))[0],
                note=before.get(i.code, ("", ""))[1],
            )
            for i in tpl.items.all()
        )
        timeline_event(
            "inspection.start", by=by, outlet=app.outlet, obj=insp, detail=_("第%(n)d次") % {"n": round_no}
        )
        audit_step("inspection.start", by=by, obj=insp, after={"round": round_no, "checklist": tpl.version})
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
    if visit_date is not None and visit_date > local_today():
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
        audit_step(
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
        apply_transition(INSPECTION, insp, "complete", by, ctx)
        failed = [
            r.item.code
            for r in results
            if r.item.level == ChecklistItem.Level.MUST and r.result == InspectionResult.Result.FAIL
        ]
        insp.passed = not failed
        insp.completed_at = timezone.now()
        insp.save()
        app = OutletApplication.objects.select_for_update().get(pk=insp.application_id)
        apply_transition(OUTLET_APPLICATION, app, "inspect", by)
        app.save(update_fields=["status", "updated_at"])
        detail = _("通过") if insp.passed else _("必备项不符合：%(items)s") % {"items": "、".join(failed)}
        timeline_event("inspection.complete", by=by, outlet=insp.outlet, obj=insp, detail=detail)
        audit_step(
            "inspection.complete", by=by, obj=insp, after={"passed": insp.passed, "failed_must": failed}
        )
        tell(
            people([DA], agency=app.district),
            _("%(name)s现场检查已完成（%(r)s），请作出验收决定") % {"name": insp.outlet.name, "r": detail},
            page_url("application_detail", app.pk),
        )
    return insp
