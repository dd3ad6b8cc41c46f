"""Writes of the portal: policy and help materials published by the municipal center (R5.3, R10.3)."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.audit.services import changes, record, snapshot

from . import files, workflow
from .models import PolicyMaterial, PolicyMaterialItem
from .selectors import catalogue_in_force, clean_html
from .workflow import Status

PERM = "portal.manage_materials"
CODE_RE = re.compile(r"^[A-Za-z0-9_.\-]{1,30}$")


SNAPSHOT_FIELDS = ["title", "summary", "body", "kind", "file_type", "file_size", "status", "published_at"]


def _snap(material: PolicyMaterial, codes: list[str]) -> dict[str, Any]:
    """What the audit trail keeps of a material (the file by its stored name)."""
    return {**snapshot(material, SNAPSHOT_FIELDS), "file": material.file.name or "", "item_codes": codes}


def _codes(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = re.split(r"[\s,，、;；]+", raw)
    return sorted({str(c).strip() for c in (raw or []) if str(c).strip()})


def _validate(material: PolicyMaterial, codes: list[str], upload: UploadedFile | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if not material.title.strip():
        errors["title"] = _("请填写标题。")
    if material.kind not in PolicyMaterial.Kind.values:
        errors["kind"] = _("请选择资料类型。")
    bad = [c for c in codes if not CODE_RE.match(c)]
    if bad:
        errors["item_codes"] = _("服务事项编码“%(code)s”格式不正确。") % {"code": bad[0]}
    else:
        cat = catalogue_in_force()
        if cat is not None and cat.items:
            known = {i.code for i in cat.items}
            unknown = [c for c in codes if c not in known]
            if unknown:
                errors["item_codes"] = _("服务事项编码“%(code)s”不在现行服务事项清单中。") % {
                    "code": unknown[0]
                }
    if upload is not None and "kind" not in errors:
        try:
            material.file_type = files.check_material_file(upload, material.kind)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    elif material.file and material.file_type not in files.ALLOWED.get(material.kind, ()):
        errors["file"] = _("已上传的附件与资料类型不符，请重新上传。")
    return errors


def _store(material: PolicyMaterial, upload: UploadedFile | None) -> None:
    if upload is None:
        return
    old = material.file.name if material.file else ""
    ext = files.EXTENSIONS[material.file_type]
    material.file_size = upload.size or 0
    material.file.save(f"material{ext}", upload, save=False)
    if old:
        name = old
        transaction.on_commit(lambda: material.file.storage.delete(name))


def _link_items(material: PolicyMaterial, codes: list[str]) -> None:
    PolicyMaterialItem.objects.filter(material=material).exclude(item_code__in=codes).delete()
    have = set(material.item_links.values_list("item_code", flat=True))
    PolicyMaterialItem.objects.bulk_create(
        [PolicyMaterialItem(material=material, item_code=c) for c in codes if c not in have]
    )


def material_create(*, data: dict[str, Any], by: Any) -> PolicyMaterial:
    """A new material, as a draft. `data`: title, summary, body (HTML), kind, item_codes, file."""
    require(by, PERM)
    material = PolicyMaterial(
        title=str(data.get("title") or "").strip(),
        summary=str(data.get("summary") or "").strip(),
        body=clean_html(str(data.get("body") or "")),
        kind=str(data.get("kind") or ""),
        created_by=by if getattr(by, "pk", None) else None,
    )
    codes = _codes(data.get("item_codes"))
    upload = data.get("file") or None
    errors = _validate(material, codes, upload)
    if errors:
        raise ValidationError(errors)
    require_scope(by, material)
    with transaction.atomic():
        _store(material, upload)
        material.save()
        _link_items(material, codes)
        record(
            action="portal.material.create",
            by=by,
            obj=material,
            after=_snap(material, codes),
        )
    return material


def material_update(*, material: PolicyMaterial, data: dict[str, Any], by: Any) -> PolicyMaterial:
    require(by, PERM)
    require_scope(by, material)
    with transaction.atomic():
        locked = PolicyMaterial.objects.select_for_update().get(pk=material.pk)
        before = _snap(locked, locked.item_codes)
        locked.title = str(data.get("title", locked.title) or "").strip()
        locked.summary = str(data.get("summary", locked.summary) or "").strip()
        locked.body = clean_html(str(data.get("body", locked.body) or ""))
        locked.kind = str(data.get("kind", locked.kind) or "")
        codes = _codes(data["item_codes"]) if "item_codes" in data else locked.item_codes
        upload = data.get("file") or None
        errors = _validate(locked, codes, upload)
        if not errors and locked.is_published:
            errors.update(publish_errors(locked, upload))
        if errors:
            raise ValidationError(errors)
        _store(locked, upload)
        locked.save()
        _link_items(locked, codes)
        b, a = changes(before, _snap(locked, codes))
        record(action="portal.material.update", by=by, obj=locked, before=b, after=a)
    return locked


def publish_errors(material: PolicyMaterial, upload: UploadedFile | None = None) -> dict[str, str]:
    """Guard `has_content`: a leaflet needs its PDF, a video its file, an article a body."""
    has_file = bool(material.file) or upload is not None
    if material.kind in (PolicyMaterial.Kind.LEAFLET, PolicyMaterial.Kind.VIDEO) and not has_file:
        return {"file": _("发布前请上传附件：宣传折页需PDF文件，短视频需MP4或WebM文件。")}
    if material.kind == PolicyMaterial.Kind.ARTICLE and not material.body.strip() and not has_file:
        return {"body": _("发布前请填写正文。")}
    return {}


def _transition(*, material: PolicyMaterial, target: str, by: Any, reason: str = "") -> PolicyMaterial:
    require(by, PERM)
    require_scope(by, material)
    action = "publish" if target == Status.PUBLISHED else "withdraw"
    with transaction.atomic():
        locked = PolicyMaterial.objects.select_for_update().get(pk=material.pk)
        first_time = locked.published_at is None
        if action == "publish" and locked.status in workflow.MATERIAL.get("publish").sources:
            errors = publish_errors(locked)  # field by field for the form; the guard says it again
            if errors:
                raise ValidationError(errors)
        try:
            locked = workflow.MATERIAL.apply(locked, action, by=by, reason=reason)
        except workflow.TransitionError as exc:
            raise ValidationError({"status": exc.messages}) from exc
        if target == Status.PUBLISHED and first_time:
            _announce(locked, by)
    return locked


def _announce(material: PolicyMaterial, by: Any) -> None:
    """A first publication is also a public notice (kind "policy"), so the notice feed carries it."""
    try:
        from sheyin.notices.services import notice_publish
    except ImportError:
        return
    notice_publish(
        kind="policy",
        title=_("政策资料发布：%(title)s") % {"title": material.title},
        body=material.summary or material.title,
        by=by,
        related=material,
        published_at=material.published_at,
    )


def material_publish(*, material: PolicyMaterial, by: Any) -> PolicyMaterial:
    return _transition(material=material, target=Status.PUBLISHED, by=by)


def material_withdraw(*, material: PolicyMaterial, by: Any, reason: str = "") -> PolicyMaterial:
    if not reason.strip():
        raise ValidationError({"reason": _("请说明撤回原因。")})
    return _transition(material=material, target=Status.WITHDRAWN, by=by, reason=reason.strip())
