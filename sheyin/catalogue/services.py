"""Catalogue writes (R5.1, R5.2). Pages, the import, the reference-data loader and any future API call these.

Only a draft changes. A draft starts as a copy of the latest published version; the municipal officer
edits and submits it; a municipal administrator who had no hand in it returns it or publishes it with
an effective moment, which creates the public notice in the same transaction. A published version
never changes again (the database refuses it too, migration 0002).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require
from sheyin.accounts.roles import Role
from sheyin.audit.models import Outcome
from sheyin.audit.services import changes, record, snapshot
from sheyin.common.numbering import allocate_integer

from . import excel, selectors, workflow
from .diff import diff_versions
from .models import CatalogueReview, CatalogueVersion, ServiceItem
from .validation import FIELDS, item_errors, normalise
from .workflow import OPEN, Status


def _notify(
    roles: Iterable[Role], title: str, body: str, url: str, kind: str = "info", exclude: Any = None
) -> None:
    from sheyin.notifications.services import notify

    users = (
        get_user_model()
        .objects.filter(is_active=True, assignments__role__in=[r.value for r in roles])
        .distinct()
    )
    if exclude is not None and getattr(exclude, "pk", None):
        users = users.exclude(pk=exclude.pk)
    notify(users=users, title=title, body=body, url=url, kind=kind)


def _url(version: CatalogueVersion) -> str:
    return reverse("catalogue:version_detail", args=[version.pk])


def _frozen_error(version: CatalogueVersion) -> ValidationError:
    if version.status == Status.PUBLISHED:
        return ValidationError(_("已发布的清单版本不可修改；如需调整，请新建草稿版本。"))
    return ValidationError(
        _("只有草稿状态的版本可以修改（当前状态：%(s)s）。") % {"s": Status(version.status).label}
    )


def _lock_draft(version: CatalogueVersion) -> CatalogueVersion:
    locked = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != Status.DRAFT:
        raise _frozen_error(locked)
    return locked


def _touch(version: CatalogueVersion, by: Any) -> None:
    if by is not None and getattr(by, "pk", None):
        version.editors.add(by)


# --- versions -----------------------------------------------------------------------------------


def version_create_draft(*, by: Any, summary: str = "") -> CatalogueVersion:
    """A new draft, numbered next, holding a copy of every item of the latest published version."""
    require(by, "catalogue.edit")
    try:
        with transaction.atomic():
            open_one = CatalogueVersion.objects.select_for_update().filter(status__in=OPEN).first()
            if open_one is not None:
                raise ValidationError(
                    _("第%(n)s版尚未发布（%(s)s），请先完成审核或作废后再新建草稿。")
                    % {"n": open_one.number, "s": Status(open_one.status).label}
                )
            base = selectors.latest_published()
            number = allocate_integer(CatalogueVersion, "number")
            version = CatalogueVersion.objects.create(
                number=number,
                status=Status.DRAFT,
                based_on=base,
                summary=summary.strip(),
                created_by=by if by is not None else None,
            )
            if base is not None:
                ServiceItem.objects.bulk_create(
                    ServiceItem(version=version, **{f: getattr(item, f) for f in FIELDS})
                    for item in base.items.all()
                )
            record(
                action="catalogue.version.create",
                by=by,
                obj=version,
                after={"number": number, "based_on": base.number if base else None},
            )
    except IntegrityError as exc:  # a concurrent draft won the race (catalogue_one_open_version)
        raise ValidationError(_("已有未发布的版本，请刷新页面后重试。")) from exc
    return version


def version_update(*, version: CatalogueVersion, summary: str, by: Any) -> CatalogueVersion:
    require(by, "catalogue.edit")
    with transaction.atomic():
        locked = _lock_draft(version)
        before = snapshot(locked, ["summary"])
        locked.summary = summary.strip()
        locked.save(update_fields=["summary"])
        _touch(locked, by)
        b, a = changes(before, snapshot(locked, ["summary"]))
        record(action="catalogue.version.update", by=by, obj=locked, before=b, after=a)
    return locked


def _transition(action: str, version: CatalogueVersion, by: Any) -> CatalogueVersion:
    locked = CatalogueVersion.objects.select_for_update().get(pk=version.pk)
    workflow.check(action, locked, by)
    return locked


def version_submit(*, version: CatalogueVersion, by: Any) -> CatalogueVersion:
    require(by, "catalogue.edit")
    with transaction.atomic():
        locked = _transition("submit", version, by)
        locked.status = Status.IN_REVIEW
        locked.submitted_by = by if by is not None else None
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_by", "submitted_at"])
        _touch(locked, by)
        record(action="catalogue.version.submit", by=by, obj=locked, after={"status": locked.status})
        _notify(
            [Role.MUNICIPAL_ADMIN],
            _("服务事项清单第%(n)s版待审核") % {"n": locked.number},
            locked.summary,
            _url(locked),
            kind="task",
            exclude=by,
        )
    return locked


def version_withdraw(*, version: CatalogueVersion, by: Any) -> CatalogueVersion:
    require(by, "catalogue.edit")
    with transaction.atomic():
        locked = _transition("withdraw", version, by)
        locked.status = Status.DRAFT
        locked.save(update_fields=["status"])
        record(action="catalogue.version.withdraw", by=by, obj=locked, after={"status": locked.status})
    return locked


def version_return(*, version: CatalogueVersion, reason: str, by: Any) -> CatalogueVersion:
    """The checker sends the version back to draft; the reason is kept in the review record."""
    require(by, "catalogue.publish")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时请填写退回原因。")})
    with transaction.atomic():
        locked = _transition("return", version, by)
        locked.status = Status.DRAFT
        locked.save(update_fields=["status"])
        CatalogueReview.objects.create(
            version=locked, decision=CatalogueReview.Decision.RETURNED, reason=reason, by=by
        )
        record(
            action="catalogue.version.return",
            by=by,
            obj=locked,
            reason=reason,
            after={"status": locked.status},
        )
        from sheyin.notifications.services import notify

        notify(
            users=[locked.submitted_by] if locked.submitted_by is not None else [],
            title=_("服务事项清单第%(n)s版被退回修改") % {"n": locked.number},
            body=reason,
            url=_url(locked),
            kind="task",
        )
    return locked


def version_discard(*, version: CatalogueVersion, reason: str, by: Any) -> CatalogueVersion:
    require(by, "catalogue.edit")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("作废草稿时请填写原因。")})
    with transaction.atomic():
        locked = _transition("discard", version, by)
        locked.status = Status.DISCARDED
        locked.save(update_fields=["status"])
        record(
            action="catalogue.version.discard",
            by=by,
            obj=locked,
            reason=reason,
            after={"status": locked.status},
        )
    return locked


def _fmt(moment: dt.datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "Y-m-d H:i")


def version_publish(
    *, version: CatalogueVersion, by: Any, effective_from: dt.datetime | None = None, note: str = ""
) -> CatalogueVersion:
    """Approve and publish (maker–checker): the version takes effect at `effective_from` (default: now;
    never earlier than now, except for the system loading the initial catalogue) and a public notice
    is published with it (R5.2)."""
    require(by, "catalogue.publish")
    now = timezone.now()
    if effective_from is not None and timezone.is_naive(effective_from):
        raise ValidationError({"effective_from": _("生效时间缺少时区。")})
    moment = effective_from or now
    with transaction.atomic():
        locked = _transition("publish", version, by)
        if by is not None and moment < now:
            raise ValidationError({"effective_from": _("生效时间不能早于当前时间；立即生效请留空。")})
        published = list(
            CatalogueVersion.objects.select_for_update()
            .filter(status=Status.PUBLISHED)
            .order_by("-effective_from")
        )
        if published and moment <= published[0].effective_from:
            raise ValidationError(
                {
                    "effective_from": _("生效时间必须晚于第%(n)s版的生效时间（%(t)s）。")
                    % {"n": published[0].number, "t": _fmt(published[0].effective_from)}
                }
            )
        latest = max(published, key=lambda v: v.number) if published else None
        if latest is not None and locked.based_on_id != latest.pk:
            raise ValidationError(
                _("本版基于第%(b)s版编制，此后已发布第%(n)s版；请作废本版，基于最新版本重新编制。")
                % {"b": locked.based_on.number if locked.based_on else "—", "n": latest.number}
            )
        locked.status = Status.PUBLISHED
        locked.effective_from = moment
        locked.published_at = now
        locked.reviewed_by = by if by is not None else None
        locked.save(update_fields=["status", "effective_from", "published_at", "reviewed_by"])
        CatalogueReview.objects.create(
            version=locked, decision=CatalogueReview.Decision.APPROVED, reason=note.strip(), by=by
        )
        changed = diff_versions(locked.based_on, locked)
        record(
            action="catalogue.version.publish",
            by=by,
            obj=locked,
            reason=note.strip(),
            after={
                "status": locked.status,
                "effective_from": moment.isoformat(),
                "changes": changed.summary(),
            },
        )
        with translation.override("zh-hans"):  # a public notice is published in Chinese, whoever clicks
            _publish_notice(locked, changed, by)
        _notify(
            [Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER],
            _("服务事项清单第%(n)s版已发布，%(t)s起生效") % {"n": locked.number, "t": _fmt(moment)},
            changed.summary(),
            _url(locked),
        )
    return locked


def _publish_notice(version: CatalogueVersion, changed: Any, by: Any) -> None:
    from sheyin.notices.models import PublicNotice
    from sheyin.notices.services import notice_publish

    paragraphs = [
        _("北京市社会保险基金管理中心发布服务事项清单第%(n)s版，自%(t)s起施行，共%(c)d项。")
        % {
            "n": version.number,
            "t": _fmt(version.effective_from or timezone.now()),
            "c": version.items.count(),
        }
    ]
    if version.summary:
        paragraphs.append(version.summary)
    if version.based_on is not None:
        lines = [_("与第%(n)s版相比：%(s)s。") % {"n": version.based_on.number, "s": changed.summary()}]
        lines += [_("新增：%(code)s %(name)s") % row for row in changed.added]
        lines += [_("取消：%(code)s %(name)s") % row for row in changed.removed]
        lines += [_("调整：%(code)s %(name)s") % {"code": ch.code, "name": ch.name} for ch in changed.changed]
        paragraphs.append("\n".join(lines))
    paragraphs.append(_("全市各合作网点按本清单无差别受理。"))
    notice_publish(
        kind=PublicNotice.Kind.CATALOGUE,
        title=_("服务事项清单第%(n)s版公示") % {"n": version.number},
        body="\n\n".join(paragraphs),
        by=by,
        related=version,
    )


# --- items --------------------------------------------------------------------------------------


def _unique_errors(version: CatalogueVersion, data: dict[str, Any], exclude_pk: int | None) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = ServiceItem.objects.filter(version=version).exclude(pk=exclude_pk)
    if data.get("code") and others.filter(code=data["code"]).exists():
        errors["code"] = _("本版本已有编码为“%(code)s”的事项。") % {"code": data["code"]}
    if data.get("name") and others.filter(name=data["name"]).exists():
        errors["name"] = _("本版本已有名称为“%(name)s”的事项。") % {"name": data["name"]}
    return errors


def item_create(*, version: CatalogueVersion, data: dict[str, Any], by: Any) -> ServiceItem:
    require(by, "catalogue.edit")
    clean = normalise(data)
    with transaction.atomic():
        locked = _lock_draft(version)
        errors = item_errors(clean) or _unique_errors(locked, clean, None)
        if errors:
            raise ValidationError(errors)
        item = ServiceItem.objects.create(version=locked, **clean)
        _touch(locked, by)
        record(action="catalogue.item.create", by=by, obj=item, after=snapshot(item))
    return item


def item_update(*, item: ServiceItem, data: dict[str, Any], by: Any) -> ServiceItem:
    require(by, "catalogue.edit")
    clean = normalise(data)
    with transaction.atomic():
        locked_version = _lock_draft(item.version)
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(locked)
        merged = {f: clean.get(f, getattr(locked, f)) for f in FIELDS}
        errors = item_errors(merged) or _unique_errors(locked_version, merged, locked.pk)
        if errors:
            raise ValidationError(errors)
        for f, v in merged.items():
            setattr(locked, f, v)
        locked.save()
        _touch(locked_version, by)
        b, a = changes(before, snapshot(locked))
        record(action="catalogue.item.update", by=by, obj=locked, before=b, after=a)
    return locked


def item_delete(*, item: ServiceItem, by: Any) -> None:
    require(by, "catalogue.edit")
    with transaction.atomic():
        locked_version = _lock_draft(item.version)
        locked = ServiceItem.objects.select_for_update().get(pk=item.pk)
        before = snapshot(locked)
        locked.delete()
        _touch(locked_version, by)
        record(
            action="catalogue.item.delete",
            by=by,
            object_type=ServiceItem._meta.label_lower,
            object_id=str(item.pk),
            before=before,
        )


# --- import -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    removed: int


class ImportRejected(ValidationError):
    """The file has rows in error; nothing was written. `rows` lists (row number, column, reason)."""

    def __init__(self, rows: list[excel.RowError]) -> None:
        super().__init__(_("导入文件有%(n)d处错误，未写入任何数据。") % {"n": len(rows)})
        self.rows = rows


class ImportMode:
    REPLACE = "replace"  # the file is the whole catalogue of the draft
    MERGE = "merge"  # add new codes, update existing ones, keep the rest


def items_import(*, version: CatalogueVersion, content: bytes, mode: str, by: Any) -> ImportResult:
    """Validate every row first; write nothing unless every row is valid (one transaction)."""
    require(by, "catalogue.edit")
    rows, errors = excel.parse(content)
    with transaction.atomic():
        locked = _lock_draft(version)
        if not errors:
            errors = _import_conflicts(locked, rows, mode)
        if not errors:
            return _write_items(locked, [data for _row, data in rows], mode, by)
        # The refusal is audited; none of the rows is written.
        record(
            action="catalogue.item.import",
            by=by,
            obj=locked,
            outcome=Outcome.FAILURE,
            reason=_("导入文件有%(n)d处错误") % {"n": len(errors)},
        )
    raise ImportRejected(errors)


def _import_conflicts(
    version: CatalogueVersion, rows: list[tuple[int, dict[str, Any]]], mode: str
) -> list[excel.RowError]:
    """In merge mode a new code must not take the name of another item the draft keeps."""
    if mode != ImportMode.MERGE:
        return []
    incoming = {data["code"] for _row, data in rows}
    kept = {
        name: code
        for code, name in ServiceItem.objects.filter(version=version).values_list("code", "name")
        if code not in incoming
    }
    out = []
    for row, data in rows:
        if data["name"] in kept:
            out.append(
                excel.RowError(
                    row,
                    excel.header("name"),
                    _("名称与草稿中保留的事项%(code)s重名。") % {"code": kept[data["name"]]},
                )
            )
    return out


def _write_items(version: CatalogueVersion, rows: list[dict[str, Any]], mode: str, by: Any) -> ImportResult:
    """Rows with a code the draft has replace that item (draft items are referenced by nothing, so they
    are simply rewritten); in replace mode the draft's other items go."""
    existing = set(ServiceItem.objects.filter(version=version).values_list("code", flat=True))
    incoming = {d["code"]: d for d in rows}
    doomed = ServiceItem.objects.filter(version=version)
    if mode == ImportMode.MERGE:
        doomed = doomed.filter(code__in=list(incoming))
    doomed.delete()
    ServiceItem.objects.bulk_create(ServiceItem(version=version, **data) for data in incoming.values())
    _touch(version, by)
    result = ImportResult(
        created=len(incoming.keys() - existing),
        updated=len(incoming.keys() & existing),
        removed=len(existing - incoming.keys()) if mode == ImportMode.REPLACE else 0,
    )
    record(
        action="catalogue.item.import",
        by=by,
        obj=version,
        after={"mode": mode, "created": result.created, "updated": result.updated, "removed": result.removed},
    )
    return result


def items_load(*, version: CatalogueVersion, rows: list[dict[str, Any]], by: Any) -> ImportResult:
    """Replace a draft's items with validated rows (the reference-data loader uses it)."""
    require(by, "catalogue.edit")
    clean = [normalise(r) for r in rows]
    problems = {r["code"]: e for r in clean if (e := item_errors(r))}
    if problems:
        raise ValidationError({NON_FIELD_ERRORS: [f"{code}: {e}" for code, e in problems.items()]})
    with transaction.atomic():
        locked = _lock_draft(version)
        return _write_items(locked, clean, ImportMode.REPLACE, by)
