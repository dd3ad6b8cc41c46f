"""Casework writes (R2.2, R2.3, R9.2–R9.4; Annex 10). Views, the API, commands and jobs call these.

Acceptance at the window: a staff member with a grant in force for the staffed window opens a case (the
call), chooses an item of the catalogue version in force that the window may handle, identifies the
applicant (any district: 无差别受理), ticks the materials, attaches scans and submits to the core; a
high-risk item first goes to a second certified staff member of the same outlet (R9.4). Each case that
reaches the core gets an archive record, handed over to the district in batches within 5 working days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import NotAllowed, require, require_scope
from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.audit.services import record
from sheyin.catalogue.choices import Category, Channel, Risk
from sheyin.common.crypto import sm3_hex
from sheyin.common.identifiers import check_id_number
from sheyin.common.numbering import allocate
from sheyin.common.uploads import DOCUMENTS, check_upload
from sheyin.common.verification import group_code, new_code
from sheyin.coresystem.adapter import CaseSubmission, get_core
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done
from sheyin.ratings import services as rating_services

from .models import (
    ArchiveRecord,
    Case,
    CaseFile,
    CaseReview,
    CustodyEvent,
    GuidedSession,
    HandoverBatch,
    IssuedReceipt,
    PersonLookup,
    outlet_fields,
)  # fmt: skip
from .receipts import receipt_canonical, receipt_rows, render_receipt
from .workflow import (
    ARCHIVE_TRANSITIONS,
    BATCH_TRANSITIONS,
    CASE_TRANSITIONS,
    GUIDED_TRANSITIONS,
    ArchiveStatus,
    BatchStatus,
    CaseStatus,
    GuidedStatus,
    MakerCheckerError,
    find,
    guards,
)  # fmt: skip

HANDOVER_WORKING_DAYS = 5  # Annex 10 default
MAX_FILES = 20
MAX_GUIDED_HOURS = 4


# --- helpers -------------------------------------------------------------------------------------------


def _grant(user: Any) -> Any:
    from sheyin.staffing.selectors import active_grant_for

    return active_grant_for(user)


def _has_grant(user: Any, channel: str, category: str | None = None) -> bool:
    from sheyin.staffing.selectors import has_active_grant

    return has_active_grant(user, channel=channel, category=category)


def _version_in_force() -> Any:
    from sheyin.catalogue.selectors import version_in_force

    return version_in_force(timezone.now())


def _superseded(case: Case) -> ValidationError | None:
    """The item must belong to the catalogue version in force at this instant (R5.2, R9.2)."""
    version = _version_in_force()
    if version is None:
        return ValidationError({"item": _("当前没有生效的服务事项清单，不能受理。")})
    if case.catalogue_version_id != version.pk:
        return ValidationError({"item": _(
            "事项“%(item)s”所属的服务事项清单第%(old)s版已被第%(new)s版替代，请按现行清单重新选择事项。"
        ) % {"item": case.item_name, "old": case.catalogue_version.number if case.catalogue_version else "—",
             "new": version.number}})  # fmt: skip
    return None


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("outlet", "catalogue_version", "item")
        .get(pk=case.pk)
    )


def _own_draft(case: Case, by: Any) -> None:
    if by is not None and case.staff_id != by.pk:
        raise NotAllowed(_("只有受理该业务的经办人可以操作。"))
    if case.status != CaseStatus.DRAFT:
        raise ValidationError(_("业务已提交，不能再修改。"))


def _users_with(roles: list[str], **org: Any) -> list[Any]:
    return [
        a.user
        for a in RoleAssignment.objects.filter(role__in=roles, **org).select_related("user")
        if a.user.is_active
    ]


def _acting_for_outlet(by: Any, outlet: Outlet) -> None:
    """The bank administrator acts for an outlet only when the outlet's own people cannot: once it is
    suspended or terminated (R6.4: its archives are still handed over and its open cases finished).
    While it operates, its manager does it."""
    if by is None:
        return
    mine = assignments_of(by)
    roles = {a.role for a in mine}
    own_outlet = any(getattr(a, "outlet_id", None) == outlet.pk for a in mine)
    if Role.BANK_ADMIN in roles and not own_outlet and outlet.status == OutletStatus.OPERATING:
        raise NotAllowed(_("网点运营期间由网点负责人办理；网点暂停服务或终止合作后，由银行管理员代为办理。"))


def status_check(receipt_no: str) -> str:
    """The check value in the public status URL: without it a receipt number alone reveals nothing."""
    from sheyin.common.crypto import blind_index

    return blind_index(f"case-status:{receipt_no}")[:12]


# --- acceptance at the window ---------------------------------------------------------------------------


def case_open(*, by: Any) -> Case:
    """The call (叫号): a staff member with a grant for the staffed window starts serving someone."""
    require(by, "casework.accept")
    grant = _grant(by)
    if grant is None or Channel.COUNTER not in grant.channel_list:
        raise ValidationError(
            _("您没有有效的人工窗口业务授权（须经区社保经办机构培训考核并授权），不能受理业务。")
        )
    outlet: Outlet = grant.outlet
    if outlet.status != OutletStatus.OPERATING:
        raise ValidationError(_("网点当前不在运营状态，不能受理业务。"))
    now = timezone.now()
    case = Case(**outlet_fields(outlet), staff=by, called_at=now, status=CaseStatus.DRAFT)
    require_scope(by, case)
    with transaction.atomic():
        case.receipt_no = allocate(Case, "receipt_no", f"{outlet.code}-{timezone.localdate(now):%Y%m%d}-")
        case.save()
        record(action="case.open", by=by, obj=case, after={"outlet": outlet.code})
    return case


def case_choose_item(*, case: Case, item: Any, by: Any) -> Case:
    """Only an item of the version in force, listed for the staffed window, within the staff's grant."""
    require(by, "casework.accept")
    with transaction.atomic():
        locked = _locked(case)
        _own_draft(locked, by)
        version = _version_in_force()
        errors: dict[str, str] = {}
        if version is None:
            errors["item"] = _("当前没有生效的服务事项清单，不能受理。")
        elif item.version_id != version.pk:
            errors["item"] = _(
                "事项“%(item)s”属于已被替代的服务事项清单第%(old)s版，请按现行第%(new)s版清单办理。"
            ) % {"item": item.name, "old": item.version.number, "new": version.number}
        elif Channel.COUNTER not in item.channels:
            errors["item"] = _("事项“%(item)s”不在人工窗口办理范围内（可在%(channels)s办理）。") % {
                "item": item.name, "channels": "、".join(str(Channel(c).label) for c in item.channels),
            }  # fmt: skip
        elif item.needs_card_machine and locked.outlet.card_machines < 1:
            errors["item"] = _("本网点没有第三代社保卡制卡机，不能办理“%(item)s”。") % {"item": item.name}
        elif not _has_grant(by, Channel.COUNTER, item.category):
            errors["item"] = _("您的业务授权不包括“%(category)s”类事项。") % {
                "category": Category(item.category).label
            }
        if errors:
            raise ValidationError(errors)
        locked.catalogue_version = version
        locked.item = item
        locked.item_code, locked.item_name, locked.item_category = item.code, item.name, item.category
        locked.high_risk = item.risk == Risk.HIGH
        locked.materials_checked = []
        locked.started_at = locked.started_at or timezone.now()
        locked.save()
        record(action="case.choose_item", by=by, obj=locked,
               after={"item": item.code, "version": version.number, "high_risk": locked.high_risk})  # fmt: skip
    return locked


def case_identify(*, case: Case, id_number: str, card_number: str = "", by: Any) -> Case:
    """Any applicant from any district (无差别受理); the core confirms who they are."""
    require(by, "casework.accept")
    checked = check_id_number(id_number)
    if not checked.ok:
        raise ValidationError({"id_number": str(checked.error)})
    core = get_core()
    person = core.find_person(checked.value)
    if person is None:
        raise ValidationError({"id_number": _("社保核心系统中没有该身份证号码的参保记录，请核对。")})
    card = card_number.strip()
    if card and not core.card_matches(person.ref, card):
        raise ValidationError({"card_number": _("社会保障卡卡号与核心系统记录不一致，请核对卡片。")})
    with transaction.atomic():
        locked = _locked(case)
        _own_draft(locked, by)
        locked.applicant_ref, locked.applicant_index = person.ref, person.id_index
        locked.applicant_masked, locked.applicant_name = person.id_masked, person.name
        locked.applicant_hukou, locked.card_checked = person.hukou_code, bool(card)
        locked.started_at = locked.started_at or timezone.now()
        locked.save()
        # Every look-up of a person by staff is logged: the oversight rule compares it with the cases.
        PersonLookup.objects.create(**outlet_fields(locked.outlet), staff_id=locked.staff_id, case=locked,
                                    person_index=person.id_index, person_masked=person.id_masked)  # fmt: skip
        record(action="case.identify", by=by, obj=locked,
               after={"applicant": person.id_masked, "card_checked": bool(card)})  # fmt: skip
    return locked


def case_set_materials(*, case: Case, ticked: list[str], by: Any) -> Case:
    require(by, "casework.accept")
    with transaction.atomic():
        locked = _locked(case)
        _own_draft(locked, by)
        if locked.item is None:
            raise ValidationError({"materials": _("请先选择办理事项。")})
        listed = locked.item.material_list
        unknown = [m for m in ticked if m not in listed]
        if unknown:
            raise ValidationError({"materials": _("材料“%(m)s”不在该事项的材料清单中。") % {"m": unknown[0]}})
        locked.materials_checked = [m for m in listed if m in ticked]
        locked.save(update_fields=["materials_checked"])
        record(action="case.materials", by=by, obj=locked, after={"materials": locked.materials_checked})
    return locked


def case_attach(*, case: Case, material: str, upload: UploadedFile, by: Any) -> CaseFile:
    """A document-camera scan: type by content (PDF/PNG/JPEG), size limited, stored privately."""
    require(by, "casework.accept")
    try:
        kind = check_upload(upload, allowed=DOCUMENTS)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from exc
    with transaction.atomic():
        locked = _locked(case)
        _own_draft(locked, by)
        if locked.item is None:
            raise ValidationError({"material": _("请先选择办理事项。")})
        if material not in [*locked.item.material_list, str(_("其他材料"))]:
            raise ValidationError({"material": _("请选择扫描件对应的材料。")})
        if locked.files.count() >= MAX_FILES:
            raise ValidationError({"file": _("每笔业务最多上传%(n)s个扫描件。") % {"n": MAX_FILES}})
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        f = CaseFile(
            case=locked, material=material, kind=kind, size=len(data), sha=sm3_hex(data), uploaded_by=by
        )
        f.file.save(f"scan.{'jpg' if kind == 'jpeg' else kind}", upload, save=False)
        f.save()
        record(
            action="case.attach",
            by=by,
            obj=locked,
            after={"material": material, "kind": kind, "size": len(data)},
        )
    return f


def case_remove_file(*, file: CaseFile, by: Any) -> None:
    require(by, "casework.accept")
    with transaction.atomic():
        locked = _locked(file.case)
        _own_draft(locked, by)
        name = file.file.name
        record(action="case.remove_file", by=by, obj=locked, before={"material": file.material})
        file.delete()
        transaction.on_commit(lambda: file.file.storage.delete(name))


def _missing(case: Case) -> list[str]:
    problems = []
    if case.item_id is None:
        problems.append(_("未选择办理事项"))
    if not case.applicant_index:
        problems.append(_("未核验申请人身份"))
    if case.item is not None:
        lacking = [m for m in case.item.material_list if m not in case.materials_checked]
        if lacking:
            problems.append(_("材料未收齐：%(m)s") % {"m": "、".join(lacking)})
    return problems


def case_submit(*, case: Case, by: Any) -> Case:
    """Submit to the core, or to the second reviewer for a high-risk item (R9.4)."""
    require(by, "casework.accept")
    with transaction.atomic():
        locked = _locked(case)
        _own_draft(locked, by)
        problems = _missing(locked)
        if problems:
            raise ValidationError(_("不能提交：%(p)s。") % {"p": "；".join(problems)})
        superseded = _superseded(locked)
        if superseded is not None:
            raise superseded
        if not _has_grant(by, Channel.COUNTER, locked.item_category):
            raise ValidationError(_("您的业务授权已失效或不包括该类事项，不能提交。"))
        todos_done(urls=[reverse("casework:case_work", args=[locked.pk])])  # a returned case submitted again
        if locked.high_risk:
            t = find(CASE_TRANSITIONS, "request_review", locked.status, by, CaseStatus)
            guards(CASE_TRANSITIONS, t, locked, by)
            locked.status = t.target
            locked.save(update_fields=["status"])
            record(action="case.request_review", by=by, obj=locked, after={"status": locked.status})
            reviewers = [u for u in _users_with([Role.OUTLET_STAFF, Role.OUTLET_MANAGER], outlet=locked.outlet)
                         if u.pk != by.pk]  # fmt: skip
            notify(users=reviewers, kind=Notification.Kind.TASK, title=_("高风险业务待复核：%(no)s %(item)s") % {
                "no": locked.receipt_no, "item": locked.item_name}, url=reverse("casework:case_detail", args=[locked.pk]))  # fmt: skip
            return locked
        t = find(CASE_TRANSITIONS, "submit", locked.status, by, CaseStatus)
        guards(CASE_TRANSITIONS, t, locked, by)
        return _send_to_core(locked, by)


def case_review(*, case: Case, approve: bool, reason: str = "", by: Any) -> Case:
    """The second certified staff member of the same outlet approves (then the core gets it) or returns it."""
    require(by, "casework.review")
    with transaction.atomic():
        locked = _locked(case)
        action = "approve" if approve else "return"
        t = find(CASE_TRANSITIONS, action, locked.status, by, CaseStatus)
        if by.pk == locked.staff_id:
            raise MakerCheckerError(_("经办人不能复核自己受理的业务，须由本网点另一名持证经办人员复核。"))
        grant = _grant(by)
        if (grant is None or grant.outlet_id != locked.outlet_id
                or not _has_grant(by, Channel.COUNTER, locked.item_category)):  # fmt: skip
            raise ValidationError(_("复核人须为本网点持有效人工窗口授权的经办人员。"))
        if not approve and not reason.strip():
            raise ValidationError({"reason": _("退回时请填写复核意见。")})
        if approve:
            superseded = _superseded(locked)
            if superseded is not None:
                raise superseded
        guards(CASE_TRANSITIONS, t, locked, by, reason=reason)
        todos_done(
            urls=[reverse("casework:case_detail", args=[locked.pk])]
        )  # reviewed, by whichever colleague
        CaseReview.objects.create(case=locked, reviewer=by, reason=reason.strip(),
                                  decision=CaseReview.Decision.APPROVED if approve else CaseReview.Decision.RETURNED)  # fmt: skip
        if not approve:
            locked.status = CaseStatus.DRAFT
            locked.save(update_fields=["status"])
            record(action="case.review_return", by=by, obj=locked, reason=reason)
            notify(users=[locked.staff], kind=Notification.Kind.TASK, title=_("业务被复核退回：%(no)s") % {
                "no": locked.receipt_no}, body=reason, url=reverse("casework:case_work", args=[locked.pk]))  # fmt: skip
            return locked
        superseded = _superseded(locked)
        if superseded is not None:
            raise superseded
        locked.reviewer = by
        locked.save(update_fields=["reviewer"])
        record(action="case.review_approve", by=by, obj=locked, reason=reason)
        return _send_to_core(locked, by)


def _send_to_core(case: Case, by: Any) -> Case:
    """Inside the caller's transaction: the core's answer completes or rejects the case; an archive record
    and (for a completed case) a single-use rating token are created with it."""
    now = timezone.now()
    case.status = CaseStatus.SUBMITTED
    case.submitted_at = now
    result = get_core().submit_case(CaseSubmission(
        item_code=case.item_code, item_name=case.item_name, outlet_code=case.outlet.code,
        operator=case.staff.get_username(), person_ref=case.applicant_ref, materials=tuple(case.materials_checked),
        payload={"receipt_no": case.receipt_no, "catalogue_version": case.catalogue_version.number if case.catalogue_version else None},
    ))  # fmt: skip
    t = find(CASE_TRANSITIONS, "complete" if result.accepted else "reject", case.status, None, CaseStatus)
    case.status = t.target
    case.core_reference, case.result_message = result.reference, result.message[:200]
    case.ended_at = result.completed_at
    if result.accepted:
        case.rating_token = rating_services.new_token()
    case.save()
    if result.accepted:  # the receipt's 评价码 (R9.5), issued by the system with the completion
        rating_services.rating_token_issue(outlet=case.outlet, channel=Channel.COUNTER, case=case, by=None)
    record(action="case.submit", by=by, obj=case,
           after={"status": case.status, "core_reference": case.core_reference, "reviewer": case.reviewer_id})  # fmt: skip
    due = add_working_days(timezone.localdate(case.ended_at), HANDOVER_WORKING_DAYS)
    archive = ArchiveRecord.objects.create(
        case=case, **outlet_fields(case.outlet), staff_id=case.staff_id, materials=case.materials_checked,
        file_count=case.files.count(), due_date=due,
    )  # fmt: skip
    CustodyEvent.objects.create(
        record=archive, kind=CustodyEvent.Kind.CREATED, by=by if getattr(by, "pk", None) else None
    )
    record(action="archive.create", by=by, obj=archive, after={"due_date": due})
    return case


def case_cancel(*, case: Case, reason: str, by: Any) -> Case:
    require(by, "casework.cancel")
    with transaction.atomic():
        locked = _locked(case)
        t = find(CASE_TRANSITIONS, "cancel", locked.status, by, CaseStatus)
        require_scope(by, locked)
        manager = (
            by is None or by.assignments.filter(role=Role.OUTLET_MANAGER, outlet_id=locked.outlet_id).exists()
        )
        bank_admin = by is not None and any(
            a.role == Role.BANK_ADMIN and a.bank_id == locked.bank_id for a in assignments_of(by)
        )
        if bank_admin and not manager and locked.staff_id != by.pk:
            _acting_for_outlet(by, locked.outlet)  # a suspended or terminated outlet's open case
        elif not manager and locked.staff_id != by.pk:
            raise NotAllowed(_("只有经办人本人或网点负责人可以取消该业务。"))
        if not reason.strip():
            raise ValidationError({"reason": _("请填写取消原因。")})
        guards(CASE_TRANSITIONS, t, locked, by, reason=reason)
        locked.status = t.target
        locked.cancel_reason = reason.strip()[:200]
        locked.ended_at = timezone.now()
        locked.save()
        record(action="case.cancel", by=by, obj=locked, reason=reason)
    return locked


def receipt_issue(
    *, case: Case, verify_url: Callable[[str, str], str], rating_url: Callable[[str], str], by: Any
) -> tuple[IssuedReceipt, bytes]:
    """Print the case's acceptance receipt. Each print is a paper of its own: a new 核验码, and what it
    says kept with its digest for the public verification page; the 评价码 of a completed case under its
    QR code. `verify_url(code, content_hash)` and `rating_url(rating_code)` give the QR codes' links."""
    require(by, "casework.view")
    require_scope(by, case)
    if case.status in (CaseStatus.DRAFT, CaseStatus.CANCELLED):
        raise ValidationError(_("业务尚未提交或已取消，不能打印受理回执。"))
    printed_at = timezone.now().replace(microsecond=0)
    for _attempt in range(3):
        code = new_code()
        if not IssuedReceipt.objects.filter(code=code).exists():
            break
    rows = receipt_rows(case)
    content_hash = sm3_hex(receipt_canonical(code, printed_at, rows))
    token = case.rating_token if case.status == CaseStatus.COMPLETED else ""
    pdf = render_receipt(
        case, rows, code=group_code(code), content_hash=content_hash, verify_url=verify_url(code, content_hash),
        rating_code=rating_services.display_token(token) if token else "",
        rating_url=rating_url(token) if token else "",
    )  # fmt: skip
    with transaction.atomic():
        receipt = IssuedReceipt.objects.create(
            case=case, code=code, content=rows, content_hash=content_hash, pdf_hash=sm3_hex(pdf),
            printed_at=printed_at, printed_by=by, **outlet_fields(case.outlet),
        )  # fmt: skip
        record(action="receipt.issue", by=by, obj=receipt, after={"case": case.receipt_no, "code": code})
    return receipt, pdf


# --- archives and handover (Annex 10) --------------------------------------------------------------------


def _event(
    rec: ArchiveRecord, kind: str, by: Any, batch: HandoverBatch | None = None, note: str = ""
) -> None:
    CustodyEvent.objects.create(record=rec, kind=kind, by=by if getattr(by, "pk", None) else None, batch=batch,
                                note=note[:300])  # fmt: skip


def handover_create(*, records: list[ArchiveRecord], by: Any, note: str = "") -> HandoverBatch:
    """An outlet manager puts records not yet handed over (or flagged back) into a new batch."""
    require(by, "casework.handover")
    if not records:
        raise ValidationError({"records": _("请至少选择一件档案。")})
    outlets = {r.outlet_id for r in records}
    if len(outlets) != 1:
        raise ValidationError({"records": _("一个批次只能包含同一网点的档案。")})
    with transaction.atomic():
        locked = list(
            ArchiveRecord.objects.select_for_update()
            .filter(pk__in=[r.pk for r in records])
            .select_related("outlet")
        )
        outlet = locked[0].outlet
        _acting_for_outlet(by, outlet)
        batch = HandoverBatch(**outlet_fields(outlet), created_by=by, note=note.strip()[:200],
                              due_date=min(r.due_date for r in locked),
                              number=allocate(HandoverBatch, "number", f"YJ-{outlet.code}-{timezone.localdate():%Y%m%d}-"))  # fmt: skip
        require_scope(by, batch)
        batch.save()
        for rec in locked:
            require_scope(by, rec)
            t = find(ARCHIVE_TRANSITIONS, "batch", rec.status, by, ArchiveStatus)
            rec.status, rec.batch = t.target, batch
            rec.save(update_fields=["status", "batch"])
            _event(rec, CustodyEvent.Kind.BATCHED, by, batch)
        record(action="handover.create", by=by, obj=batch, after={"records": len(locked)})
    return batch


def handover_remove(*, batch: HandoverBatch, record_: ArchiveRecord, by: Any) -> None:
    require(by, "casework.handover")
    require_scope(by, batch)
    with transaction.atomic():
        b = HandoverBatch.objects.select_for_update().get(pk=batch.pk)
        _acting_for_outlet(by, b.outlet)
        if b.status != BatchStatus.DRAFT:
            raise ValidationError(_("批次已移交，不能再调整。"))
        rec = ArchiveRecord.objects.select_for_update().get(pk=record_.pk, batch=b)
        t = find(ARCHIVE_TRANSITIONS, "unbatch", rec.status, by, ArchiveStatus)
        rec.status, rec.batch = t.target, None
        rec.save(update_fields=["status", "batch"])
        _event(rec, CustodyEvent.Kind.UNBATCHED, by, b)
        remaining = b.records.all()
        b.due_date = min((r.due_date for r in remaining), default=None)
        b.save(update_fields=["due_date"])
        record(action="handover.remove", by=by, obj=b, after={"record": rec.pk})


def handover_send(*, batch: HandoverBatch, by: Any) -> HandoverBatch:
    require(by, "casework.handover")
    require_scope(by, batch)
    with transaction.atomic():
        b = HandoverBatch.objects.select_for_update().get(pk=batch.pk)
        _acting_for_outlet(by, b.outlet)
        t = find(BATCH_TRANSITIONS, "send", b.status, by, BatchStatus)
        recs = list(b.records.select_for_update())
        if not recs:
            raise ValidationError(_("批次中没有档案，不能移交。"))
        guards(BATCH_TRANSITIONS, t, b, by)
        now = timezone.now()
        for rec in recs:
            rt = find(ARCHIVE_TRANSITIONS, "send", rec.status, by, ArchiveStatus)
            rec.status = rt.target
            rec.save(update_fields=["status"])
            _event(rec, CustodyEvent.Kind.SENT, by, b)
        b.status, b.sent_by, b.sent_at = t.target, by, now
        b.save(update_fields=["status", "sent_by", "sent_at"])
        record(action="handover.send", by=by, obj=b, after={"records": len(recs), "late": b.late})
        officers = _users_with([Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN], agency_id=b.district_id)
        notify(users=officers, kind=Notification.Kind.TASK, title=_("档案移交待确认：%(no)s（%(n)s件）") % {
            "no": b.number, "n": len(recs)}, url=reverse("casework:handover_detail", args=[b.pk]))  # fmt: skip
    return b


def handover_discard(*, batch: HandoverBatch, by: Any) -> HandoverBatch:
    require(by, "casework.handover")
    require_scope(by, batch)
    with transaction.atomic():
        b = HandoverBatch.objects.select_for_update().get(pk=batch.pk)
        _acting_for_outlet(by, b.outlet)
        t = find(BATCH_TRANSITIONS, "discard", b.status, by, BatchStatus)
        for rec in b.records.select_for_update():
            rt = find(ARCHIVE_TRANSITIONS, "unbatch", rec.status, by, ArchiveStatus)
            rec.status, rec.batch = rt.target, None
            rec.save(update_fields=["status", "batch"])
            _event(rec, CustodyEvent.Kind.UNBATCHED, by, b)
        b.status = t.target
        b.save(update_fields=["status"])
        record(action="handover.discard", by=by, obj=b)
    return b


def _answer(rec_: ArchiveRecord, action: str, by: Any, note: str = "") -> ArchiveRecord:
    require(by, "casework.confirm_handover")
    with transaction.atomic():
        rec = (
            ArchiveRecord.objects.select_for_update(of=("self",))
            .select_related("batch", "case")
            .get(pk=rec_.pk)
        )
        require_scope(by, rec)
        t = find(ARCHIVE_TRANSITIONS, action, rec.status, by, ArchiveStatus)
        if action == "flag" and not note.strip():
            raise ValidationError({"note": _("请说明差异情况（如缺少材料、扫描件不清晰）。")})
        guards(ARCHIVE_TRANSITIONS, t, rec, by, note=note)
        rec.status = t.target
        if action == "receive":
            rec.received_at, rec.received_by = timezone.now(), by
        else:
            rec.discrepancy = note.strip()[:300]
        rec.save()
        _event(rec, CustodyEvent.Kind.RECEIVED if action == "receive" else CustodyEvent.Kind.DISCREPANCY, by,
               rec.batch, note)  # fmt: skip
        record(action=f"archive.{action}", by=by, obj=rec, reason=note)
        if action == "flag":
            managers = _users_with([Role.OUTLET_MANAGER], outlet_id=rec.outlet_id)
            notify(users=managers, kind=Notification.Kind.ALERT, title=_("档案移交有差异：%(no)s") % {
                "no": rec.case.receipt_no}, body=note, url=reverse("casework:archive_detail", args=[rec.pk]))  # fmt: skip
        batch = rec.batch
        if batch is not None and not batch.records.filter(status=ArchiveStatus.SENT).exists():
            b = HandoverBatch.objects.select_for_update().get(pk=batch.pk)
            bt = find(BATCH_TRANSITIONS, "close", b.status, None, BatchStatus)
            guards(BATCH_TRANSITIONS, bt, b, None)
            b.status, b.closed_at = bt.target, timezone.now()
            b.save(update_fields=["status", "closed_at"])
            record(action="handover.close", obj=b)
            todos_done(urls=[reverse("casework:handover_detail", args=[b.pk])])  # every record answered
    return rec


def archive_confirm(*, record_: ArchiveRecord, by: Any) -> ArchiveRecord:
    """The district confirms one record received (item by item)."""
    return _answer(record_, "receive", by)


def archive_flag(*, record_: ArchiveRecord, note: str, by: Any) -> ArchiveRecord:
    """The district flags a discrepancy; the outlet hands the record over again in a later batch."""
    return _answer(record_, "flag", by, note)


def archive_correct(*, record_: ArchiveRecord, material: str, upload: UploadedFile, note: str,
                    replaces: CaseFile | None = None, by: Any) -> CaseFile:  # fmt: skip
    """The outlet answers a discrepancy with a corrected scan (a clearer or missing page). The earlier scan
    stays on file; the record is then handed over again in a new batch (Annex 10)."""
    require(by, "casework.handover")
    errors: dict[str, Any] = {}
    try:
        kind = check_upload(upload, allowed=DOCUMENTS)
    except ValidationError as exc:
        errors["file"] = exc.messages
    if not note.strip():
        errors["note"] = _("请说明补正了什么（如重新扫描模糊的第2页）。")
    with transaction.atomic():
        rec = ArchiveRecord.objects.select_for_update(of=("self",)).select_related("case").get(pk=record_.pk)
        require_scope(by, rec)
        ct = find(ARCHIVE_TRANSITIONS, "correct", rec.status, by, ArchiveStatus)
        case = rec.case
        if material not in [
            *rec.materials,
            *case.files.values_list("material", flat=True),
            str(_("其他材料")),
        ]:
            errors["material"] = _("请选择补正的扫描件对应的材料。")
        if replaces is not None and replaces.case_id != case.pk:
            errors["replaces"] = _("只能更正本业务的扫描件。")
        if case.files.count() >= MAX_FILES:
            errors["file"] = _("每笔业务最多上传%(n)s个扫描件。") % {"n": MAX_FILES}
        if errors:
            raise ValidationError(errors)
        guards(ARCHIVE_TRANSITIONS, ct, rec, by, note=note)
        upload.seek(0)
        data = upload.read()
        upload.seek(0)
        f = CaseFile(case=case, material=material, kind=kind, size=len(data), sha=sm3_hex(data), uploaded_by=by,
                     replaces=replaces, note=note.strip()[:200])  # fmt: skip
        f.file.save(f"scan.{'jpg' if kind == 'jpeg' else kind}", upload, save=False)
        f.save()
        rec.file_count = case.files.count()
        rec.save(update_fields=["file_count"])
        _event(
            rec, CustodyEvent.Kind.CORRECTED, by, rec.batch, _("%(m)s：%(n)s") % {"m": material, "n": f.note}
        )
        record(action="archive.correct", by=by, obj=rec, reason=f.note,
               after={"material": material, "kind": kind, "size": len(data), "replaces": replaces.pk if replaces else None})  # fmt: skip
    return f


def archive_alert_overdue(*, today: dt.date | None = None) -> int:
    """Job: records not handed over by their deadline alert the outlet's manager and the district, once."""
    today = today or timezone.localdate()
    late = ArchiveRecord.objects.filter(status__in=[ArchiveStatus.PENDING, ArchiveStatus.BATCHED],
                                        due_date__lt=today, overdue_alerted_at__isnull=True)  # fmt: skip
    by_outlet: dict[int, list[ArchiveRecord]] = defaultdict(list)
    for rec in late.select_related("outlet"):
        by_outlet[rec.outlet_id].append(rec)
    now = timezone.now()
    for outlet_id, recs in by_outlet.items():
        with transaction.atomic():
            outlet = recs[0].outlet
            ArchiveRecord.objects.filter(pk__in=[r.pk for r in recs]).update(overdue_alerted_at=now)
            for rec in recs:
                _event(
                    rec,
                    CustodyEvent.Kind.OVERDUE,
                    None,
                    rec.batch,
                    _("超过最晚移交日期%(d)s") % {"d": rec.due_date},
                )
            users = _users_with([Role.OUTLET_MANAGER], outlet_id=outlet_id) + _users_with(
                [Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN], agency_id=outlet.district_id)  # fmt: skip
            notify(users=users, kind=Notification.Kind.ALERT, title=_("%(outlet)s有%(n)s件业务档案逾期未移交") % {
                "outlet": outlet.name, "n": len(recs)}, url=reverse("casework:archive_list") + "?overdue=1")  # fmt: skip
            record(action="archive.overdue_alert", object_type="institutions.outlet", object_id=str(outlet_id),
                   after={"records": len(recs)})  # fmt: skip
    return sum(len(v) for v in by_outlet.values())


def open_archive_items(outlet: Any) -> list[dict[str, Any]]:
    """For termination (R6.4): the outlet's archive records not yet confirmed by the district, and its
    cases still open."""
    items: list[dict[str, Any]] = []
    for rec in (
        ArchiveRecord.objects.filter(outlet=outlet)
        .exclude(status=ArchiveStatus.RECEIVED)
        .select_related("case")
    ):
        items.append({
            "kind": "archive", "object_type": "casework.archiverecord", "object_id": str(rec.pk),
            "description": _("业务档案%(no)s未完成移交（%(status)s）") % {"no": rec.case.receipt_no,
                                                                   "status": ArchiveStatus(rec.status).label},
            "url": reverse("casework:archive_detail", args=[rec.pk]),
        })  # fmt: skip
    for case in Case.objects.filter(outlet=outlet, status__in=[CaseStatus.DRAFT, CaseStatus.AWAITING_REVIEW]):
        items.append({
            "kind": "case", "object_type": "casework.case", "object_id": str(case.pk),
            "description": _("受理业务%(no)s尚未办结（%(status)s）") % {"no": case.receipt_no,
                                                                "status": CaseStatus(case.status).label},
            "url": reverse("casework:case_detail", args=[case.pk]),
        })  # fmt: skip
    return items


# --- the online self-service counter (R2.2) --------------------------------------------------------------


def guided_start(*, item: Any = None, service_name: str = "", by: Any) -> GuidedSession:
    """The guide starts helping someone at the online self-service counter."""
    require(by, "casework.guide")
    grant = _grant(by)
    stopped = _("网点当前不在运营状态（暂停服务或已终止合作），网厅自助服务停止。")
    if grant is None or Channel.ONLINE not in grant.channel_list:
        mine = [a.outlet_id for a in assignments_of(by) if getattr(a, "outlet_id", None)]
        if Outlet.objects.filter(pk__in=mine).exclude(status=OutletStatus.OPERATING).exists():
            raise ValidationError(stopped)  # the reason, not just the grant it took away
        raise ValidationError(_("您没有有效的网厅自助业务授权，不能记录引导服务。"))
    name = (item.name if item is not None else service_name).strip()
    if not name:
        raise ValidationError({"service_name": _("请选择或填写网厅服务。")})
    if item is not None and Channel.ONLINE not in item.channels:
        raise ValidationError({"item": _("事项“%(item)s”不能在网厅自助办理。") % {"item": item.name}})
    outlet = grant.outlet
    if outlet.status != OutletStatus.OPERATING:  # the online counter serves only while the outlet does
        raise ValidationError(stopped)
    with transaction.atomic():
        s = GuidedSession.objects.create(**outlet_fields(outlet), guide=by, item=item, service_name=name[:60],
                                         started_at=timezone.now())  # fmt: skip
        record(action="guided.start", by=by, obj=s, after={"service": s.service_name})
    return s


def guided_finish(*, session: GuidedSession, outcome: str, note: str = "", by: Any) -> GuidedSession:
    require(by, "casework.guide")
    if outcome not in GuidedSession.Outcome.values:
        raise ValidationError({"outcome": _("请选择引导结果。")})
    with transaction.atomic():
        s = GuidedSession.objects.select_for_update().get(pk=session.pk)
        t = find(GUIDED_TRANSITIONS, "finish", s.status, by, GuidedStatus)
        guards(GUIDED_TRANSITIONS, t, s, by)
        now = timezone.now()
        s.status, s.outcome, s.note, s.ended_at = t.target, outcome, note.strip()[:200], now
        s.duration_seconds = min(int((now - s.started_at).total_seconds()), MAX_GUIDED_HOURS * 3600)
        s.save()
        record(
            action="guided.finish", by=by, obj=s, after={"outcome": outcome, "seconds": s.duration_seconds}
        )
        # Every session, whatever its outcome, ends with a 评价码 on a slip for the citizen (R9.5, R2.2).
        rating_services.rating_token_issue(outlet=s.outlet, channel=Channel.ONLINE, guided=s, by=None)
    return s
