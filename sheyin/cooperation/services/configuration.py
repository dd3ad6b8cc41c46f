"""The municipal center's editable defaults: settings, document templates, the construction checklist."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require
from sheyin.audit.services import changes, snapshot

from .. import selectors
from ..documents import PLACEHOLDERS, unknown_placeholders
from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    CooperationSettings,
    DocumentTemplate,
)
from ..workflow import (
    CHECKLIST,
    ChecklistStatus,
    TransitionError,
)
from .base import apply_transition, audit_step

SETTINGS_LIMITS = {
    "term_years": (1, 10),
    "renewal_objection_days": (1, 365),
    "filing_deadline_workdays": (1, 60),
    "expiry_warning_days": (1, 365),
    "layout_nearest_count": (1, 30),
    "opening_check_workdays": (1, 60),
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
        audit_step("settings.update", by=by, obj=obj, before=b, after=a)
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
        audit_step("template.save", by=by, obj=tpl, after={"kind": kind, "version": tpl.version})
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
        audit_step("checklist.draft", by=by, obj=draft, after={"version": draft.version})
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
        errors["items"] = _("检查表必须为三种服务方式各设至少一个必备项，缺少：%(m)s。") % {
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
        audit_step("checklist.save", by=by, obj=tpl, after={"items": len(items)})
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
            apply_transition(CHECKLIST, old, "retire", by, system=True)
            old.save(update_fields=["status"])
        apply_transition(CHECKLIST, tpl, "publish", by)
        tpl.published_at = timezone.now()
        tpl.save(update_fields=["status", "published_at"])
        audit_step("checklist.publish", by=by, obj=tpl, after={"version": tpl.version})
    return tpl
