"""Pages: window acceptance, cases, receipts, scans, reviews, archives and handover, guided sessions and
their rating slips, and the public pages a receipt's QR code opens (its verification; the status look-up
of receipts printed before)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.roles import Role
from sheyin.common.access import permission_required, public
from sheyin.common.batch import report, run_batch, selected_ids
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.links import public_url
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.common.masking import mask_name
from sheyin.common.pdf import qr_svg
from sheyin.common.verification import check_request, normalise_code
from sheyin.ratings import services as rating_services

from . import selectors, services
from .forms import (
    CorrectionForm,
    FlagForm,
    GuidedFinishForm,
    GuidedStartForm,
    IdentifyForm,
    ItemForm,
    MaterialsForm,
    ReasonForm,
    ReviewForm,
    UploadForm,
)  # fmt: skip
from .models import ArchiveRecord, CaseFile
from .receipts import render_rating_slip
from .workflow import ArchiveStatus, BatchStatus, CaseStatus


def _error(request: HttpRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


# --- window acceptance -------------------------------------------------------------------------------


@permission_required("casework.accept")
def accept_home(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            case = services.case_open(by=request.user)
        except ValidationError as exc:
            _error(request, exc)
        else:
            return redirect("casework:case_work", pk=case.pk)
    ctx = {
        "drafts": selectors.open_drafts_for(request.user),
        "review_count": selectors.review_queue_for(request.user).count(),
        "today": selectors.cases_for(request.user).filter(staff=request.user, status=CaseStatus.COMPLETED)[
            :8
        ],
    }
    return render(request, "casework/accept_home.html", ctx)


@permission_required("casework.accept")
def case_work(request: AuthedRequest, pk: int) -> HttpResponse:
    """The acceptance steps on one draft: item → applicant → materials and scans → submit."""
    case = get_object_or_404(selectors.open_drafts_for(request.user), pk=pk)
    listed = case.item.material_list if case.item else []
    step = request.POST.get("step", "") if request.method == "POST" else ""
    item_form = ItemForm(request.POST if step == "item" else None, items=selectors.window_items(),
                         initial={"item": case.item_id})  # fmt: skip
    identify_form = IdentifyForm(request.POST if step == "identify" else None)
    materials_form = MaterialsForm(request.POST if step == "materials" else None, listed=listed,
                                   initial={"materials": case.materials_checked})  # fmt: skip
    upload_form = UploadForm(request.POST if step == "upload" else None, request.FILES if step == "upload" else None,
                             listed=listed)  # fmt: skip
    cancel_form = ReasonForm(request.POST if step == "cancel" else None)
    try:
        if step == "item" and item_form.is_valid():
            services.case_choose_item(case=case, item=item_form.cleaned_data["item"], by=request.user)
            return redirect("casework:case_work", pk=case.pk)
        if step == "identify" and identify_form.is_valid():
            services.case_identify(case=case, by=request.user, **identify_form.cleaned_data)
            return redirect("casework:case_work", pk=case.pk)
        if step == "materials" and materials_form.is_valid():
            services.case_set_materials(
                case=case, ticked=materials_form.cleaned_data["materials"], by=request.user
            )
            messages.success(request, _("材料清单已保存。"))
            return redirect("casework:case_work", pk=case.pk)
        if step == "upload" and upload_form.is_valid():
            services.case_attach(case=case, material=upload_form.cleaned_data["material"],
                                 upload=upload_form.cleaned_data["file"], by=request.user)  # fmt: skip
            messages.success(request, _("扫描件已上传。"))
            return redirect("casework:case_work", pk=case.pk)
        if step == "remove_file":
            f = get_object_or_404(CaseFile, pk=request.POST.get("file"), case=case)
            services.case_remove_file(file=f, by=request.user)
            return redirect("casework:case_work", pk=case.pk)
        if step == "submit":
            done = services.case_submit(case=case, by=request.user)
            if done.status == CaseStatus.AWAITING_REVIEW:
                messages.info(request, _("高风险事项已提交本网点另一名持证人员复核。"))
            elif done.status == CaseStatus.COMPLETED:
                messages.success(request, _("业务已办结，请打印受理回执交申请人。"))
            else:
                messages.warning(request, _("核心系统未予办理：%(m)s") % {"m": done.result_message})
            return redirect("casework:case_detail", pk=case.pk)
        if step == "cancel" and cancel_form.is_valid():
            services.case_cancel(case=case, reason=cancel_form.cleaned_data["reason"], by=request.user)
            messages.info(request, _("业务已取消。"))
            return redirect("casework:accept_home")
    except ValidationError as exc:
        form = {"item": item_form, "identify": identify_form, "materials": materials_form, "upload": upload_form,
                "cancel": cancel_form}.get(step)  # fmt: skip
        if form is not None:
            apply_errors(form, exc, next(iter(form.fields)))
        else:
            _error(request, exc)
    case.refresh_from_db()
    ctx = {
        "case": case, "item_form": item_form, "identify_form": identify_form, "materials_form": materials_form,
        "upload_form": upload_form, "cancel_form": cancel_form, "files": case.files.all(),
        "missing": services._missing(case),
    }  # fmt: skip
    return render(request, "casework/case_work.html", ctx)


# The search box is `selectors.case_search` (exact receipt number or ID number), not a substring scan.
CASE_LIST = ListSpec(
    filters={
        "status": "status",
        "item": "item_code",
        **scope_filters("outlet"),
        "from": "called_at__date__gte",
        "to": "called_at__date__lte",
    },
    order_by=("-called_at", "-id"),
    sorts={"called": "called_at", "receipt": "receipt_no"},
    empty_hint=gettext_lazy("请放宽日期范围、所在区、银行或网点等查询条件；按受理编号查找须输入完整编号。"),
)
CASE_COLUMNS = [
    Column(gettext_lazy("受理编号"), lambda c: c.receipt_no),
    Column(gettext_lazy("受理网点"), lambda c: c.outlet.name),
    Column(gettext_lazy("事项编码"), lambda c: c.item_code),
    Column(gettext_lazy("办理事项"), lambda c: c.item_name),
    Column(gettext_lazy("清单版本"), lambda c: c.catalogue_version.number if c.catalogue_version else ""),
    Column(gettext_lazy("申请人"), lambda c: mask_name(c.applicant_name)),
    Column(gettext_lazy("证件号码"), lambda c: c.applicant_masked),
    Column(gettext_lazy("户籍地区代码"), lambda c: c.applicant_hukou),
    Column(gettext_lazy("经办人"), lambda c: str(c.staff)),
    Column(gettext_lazy("复核人"), lambda c: str(c.reviewer) if c.reviewer else ""),
    Column(gettext_lazy("叫号时间"), lambda c: c.called_at),
    Column(gettext_lazy("开始受理时间"), lambda c: c.started_at),
    Column(gettext_lazy("办结时间"), lambda c: c.ended_at),
    Column(gettext_lazy("状态"), lambda c: c.get_status_display()),
    Column(gettext_lazy("核心系统业务号"), lambda c: c.core_reference),
]


@list_view(CASE_LIST)
@permission_required("casework.view")
def case_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(
        selectors.case_search(selectors.cases_for(request.user), request.GET.get("q")), request, CASE_LIST
    )
    if request.GET.get("export") == "xlsx":
        if not request.user.has_perm("casework.export"):
            raise PermissionDenied
        return export_response(request, filename="cases", title=_("受理记录"), columns=CASE_COLUMNS, qs=qs)
    ctx = {"page_obj": paginate(qs, request), "statuses": CaseStatus.choices}
    return render(request, "casework/_case_rows.html" if request.htmx else "casework/case_list.html", ctx)


@permission_required("casework.view")
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    case = selectors.case_for_user(request.user, pk)
    if case is None:
        raise Http404
    in_review = selectors.review_queue_for(request.user).filter(pk=pk).exists()
    review_form = ReviewForm(request.POST if request.POST.get("action") in ("approve", "return") else None)
    cancel_form = ReasonForm(
        request.POST if request.POST.get("action") == "cancel" else None, prefix="cancel"
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("approve", "return") and in_review and review_form.is_valid():
                done = services.case_review(case=case, approve=action == "approve",
                                            reason=review_form.cleaned_data["reason"], by=request.user)  # fmt: skip
                messages.success(
                    request,
                    _("复核通过，业务已提交核心系统。") if action == "approve" else _("已退回经办人。"),
                )
                if done.status == CaseStatus.DRAFT:
                    return redirect("casework:review_list")
                return redirect("casework:case_detail", pk=pk)
            if action == "cancel" and cancel_form.is_valid():
                services.case_cancel(case=case, reason=cancel_form.cleaned_data["reason"], by=request.user)
                messages.info(request, _("业务已取消。"))
                return redirect("casework:case_detail", pk=pk)
        except ValidationError as exc:
            target = {
                "approve": review_form,
                "return": review_form,
                "cancel": cancel_form,
            }
            form = target.get(action or "")
            if form is not None and getattr(exc, "error_dict", None):
                apply_errors(form, exc, "reason")
            else:
                _error(request, exc)
        case.refresh_from_db()
    ctx = {
        "case": case, "in_review": in_review, "review_form": review_form,
        "cancel_form": cancel_form, "files": case.files.all(), "reviews": case.reviews.select_related("reviewer"),
        "archive": getattr(case, "archive", None) if case.pk else None,
        "receipts": selectors.receipts_of(case) if case.pk else [],
        "rating_code": rating_services.display_token(case.rating_token) if case.rating_token else "",
        "rated": hasattr(case, "rating"),
        "can_files": request.user.has_perm("casework.view_files"),
    }  # fmt: skip
    return render(request, "casework/case_detail.html", ctx)


@permission_required("casework.view")
@require_POST
def case_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """Print the receipt: each print is issued (a new 核验码, its content kept) and returned as a PDF."""
    case = selectors.case_for_user(request.user, pk)
    if case is None:
        raise Http404
    try:
        receipt, pdf = services.receipt_issue(
            case=case, by=request.user,
            verify_url=lambda code, h: public_url(reverse("receipt_verify:receipt", args=[code]))
            + f"?h={h[:32]}",
            rating_url=lambda token: public_url(reverse("rate:rate", args=[token])),
        )  # fmt: skip
    except ValidationError as exc:
        _error(request, exc)
        return redirect("casework:case_detail", pk=pk)
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="receipt-{case.receipt_no}-{receipt.code[:4]}.pdf"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@public
def receipt_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: what a receipt said when it was printed, who printed it where, and the case's status now;
    whoever holds the paper compares it (the digest in the QR code never proves the figures)."""
    receipt = selectors.receipt_by_code(normalise_code(code))
    if receipt is None:
        return render(request, "casework/receipt_verify.html", {"unknown": True}, status=404)
    check = check_request(request, pdf_hash=receipt.pdf_hash, content_hash=receipt.content_hash)
    ctx = {
        "receipt": receipt,
        "case": receipt.case,
        "check": check,
        "intact": selectors.receipt_intact(receipt),
    }
    return render(request, "casework/receipt_verify.html", ctx)


@permission_required("casework.view_files")
def case_file(request: AuthedRequest, pk: int, file_pk: int) -> FileResponse:
    """A scan, only to someone who may read the case (never from MEDIA_URL)."""
    case = selectors.case_for_user(request.user, pk)
    if case is None:
        raise Http404
    f = get_object_or_404(CaseFile, pk=file_pk, case=case)
    content_type = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}.get(
        f.kind, "application/octet-stream"
    )
    resp = FileResponse(f.file.open("rb"), content_type=content_type)
    resp["Content-Disposition"] = f'inline; filename="scan-{f.pk}.{"jpg" if f.kind == "jpeg" else f.kind}"'
    resp["Cache-Control"] = "private, no-store"
    return resp


@permission_required("casework.review")
def review_list(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "casework/review_list.html",
        {"page_obj": paginate(selectors.review_queue_for(request.user), request)},
    )


@public
def status(request: HttpRequest, receipt_no: str) -> HttpResponse:
    """Public: the status of a case from the receipt's QR code. Needs the check value printed with it;
    shows only the status and masked data."""
    case = selectors.case_by_receipt(receipt_no[:30])
    if case is None or request.GET.get("c", "") != services.status_check(case.receipt_no):
        raise Http404
    return render(
        request, "casework/status.html", {"case": case, "masked_name": mask_name(case.applicant_name)}
    )


# --- archives and handover ---------------------------------------------------------------------------

ARCHIVE_LIST = ListSpec(
    search_fields=("case__receipt_no", "case__item_name", "batch__number"),
    filters={"status": "status", "outlet": "outlet_id"},
    order_by=("due_date", "-id"),
    sorts={
        "receipt": "case__receipt_no",
        "item": "case__item_name",
        "outlet": "outlet__name",
        "due": "due_date",
        "status": "status",
        "batch": "batch__number",
    },
)
ARCHIVE_COLUMNS = [
    Column(gettext_lazy("受理编号"), lambda r: r.case.receipt_no),
    Column(gettext_lazy("办理事项"), lambda r: r.case.item_name),
    Column(gettext_lazy("网点"), lambda r: r.outlet.name),
    Column(gettext_lazy("材料"), lambda r: "、".join(r.materials)),
    Column(gettext_lazy("扫描件数"), lambda r: r.file_count),
    Column(gettext_lazy("最晚移交日期"), lambda r: r.due_date),
    Column(gettext_lazy("状态"), lambda r: r.get_status_display()),
    Column(gettext_lazy("移交批次"), lambda r: r.batch.number if r.batch else ""),
]


@list_view(ARCHIVE_LIST)
@permission_required("casework.view_archives")
def archive_list(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.has_perm("casework.handover"):
            raise PermissionDenied
        ids = [int(i) for i in request.POST.getlist("records") if i.isdigit()]
        records = list(selectors.archives_for(request.user).filter(pk__in=ids))
        try:
            batch = services.handover_create(
                records=records, by=request.user, note=request.POST.get("note", "")
            )
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("已编制移交批次%(no)s。") % {"no": batch.number})
            return redirect("casework:handover_detail", pk=batch.pk)
    from django.utils import timezone

    qs = apply(selectors.archives_for(request.user), request, ARCHIVE_LIST)
    if request.GET.get("overdue"):
        qs = qs.filter(
            status__in=[ArchiveStatus.PENDING, ArchiveStatus.BATCHED], due_date__lt=timezone.localdate()
        )
    if request.GET.get("export") == "xlsx" and request.user.has_perm("casework.export"):
        return export_response(
            request, filename="archives", title=_("业务档案"), columns=ARCHIVE_COLUMNS, qs=qs
        )
    return render(request, "casework/archive_list.html", {
        "page_obj": paginate(qs, request), "statuses": ArchiveStatus.choices,
        "can_batch": request.user.has_perm("casework.handover"),
        "batchable": (ArchiveStatus.PENDING, ArchiveStatus.DISCREPANCY),
        # a bank administrator hands over only for a suspended or terminated outlet (R6.4)
        "takeover_only": not request.user.assignments.filter(role=Role.OUTLET_MANAGER).exists(),
    })  # fmt: skip


@permission_required("casework.view_archives")
def archive_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(selectors.archives_for(request.user), pk=pk)
    files = rec.case.files.select_related("replaces").all()
    can_correct = rec.status == ArchiveStatus.DISCREPANCY and request.user.has_perm("casework.handover")
    materials = list(dict.fromkeys([*rec.materials, *(f.material for f in files)]))
    form = CorrectionForm(request.POST or None, request.FILES or None, materials=materials, files=files)
    if request.method == "POST":
        if not can_correct:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.archive_correct(record_=rec, material=d["material"], upload=d["file"], note=d["note"],
                                         replaces=files.filter(pk=d["replaces"]).first() if d["replaces"] else None,
                                         by=request.user)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc, "file")
            else:
                messages.success(request, _("补正扫描件已上传，请将该档案编入新的移交批次重新移交。"))
                return redirect("casework:archive_detail", pk=pk)
    return render(request, "casework/archive_detail.html", {
        "rec": rec, "events": rec.events.select_related("by", "batch"),
        "files": files if request.user.has_perm("casework.view_files") else [],
        "correct_form": form if can_correct else None,
    })  # fmt: skip


HANDOVER_LIST = ListSpec(search_fields=("number", "outlet__name"), filters={"status": "status", **scope_filters("outlet")},
                         order_by=("-created_at", "-id"), sorts={"created": "created_at", "number": "number", "outlet": "outlet__name",
                                                                  "due": "due_date", "sent": "sent_at"})  # fmt: skip


def _can_see_handovers(user: Any) -> bool:
    return user.has_perm("casework.view_archives") or user.has_perm("casework.confirm_handover")


@list_view(HANDOVER_LIST)
@permission_required("casework.view_archives")
def handover_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.handovers_for(request.user), request, HANDOVER_LIST)
    return render(request, "casework/handover_list.html", {"page_obj": paginate(qs, request),
                                                           "statuses": BatchStatus.choices})  # fmt: skip


HANDOVER_COLUMNS = [
    Column(gettext_lazy("序号"), lambda r: r.seq),
    *ARCHIVE_COLUMNS[:2],
    Column(gettext_lazy("经办人"), lambda r: str(r.staff)),
    *ARCHIVE_COLUMNS[3:7],
    Column(gettext_lazy("差异说明"), lambda r: r.discrepancy),
]


@permission_required("casework.view_archives")
def handover_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_object_or_404(selectors.handovers_for(request.user), pk=pk)
    flag_form = FlagForm(request.POST if request.POST.get("action") == "flag" else None)
    if request.method == "POST" and request.POST.get("batch") == "receive":
        # Batch confirmation: each ticked record through archive_confirm, audited per record.
        if not request.user.has_perm("casework.confirm_handover"):
            raise PermissionDenied
        result = run_batch(selected_ids(request), batch.records.select_related("case"),
                           lambda r: services.archive_confirm(record_=r, by=request.user),
                           label=lambda r: r.case.receipt_no)  # fmt: skip
        report(request, result, _("确认接收"))
        return redirect("casework:handover_detail", pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        rec = None
        if request.POST.get("record"):
            rec = get_object_or_404(ArchiveRecord, pk=request.POST["record"], batch=batch)
        try:
            if action == "send":
                services.handover_send(batch=batch, by=request.user)
                messages.success(request, _("批次已移交，等待区经办机构逐件确认。"))
            elif action == "discard":
                services.handover_discard(batch=batch, by=request.user)
                messages.info(request, _("批次已撤销，档案退回待移交。"))
            elif action == "remove" and rec is not None:
                services.handover_remove(batch=batch, record_=rec, by=request.user)
            elif action == "receive" and rec is not None:
                services.archive_confirm(record_=rec, by=request.user)
            elif action == "flag" and rec is not None:
                if flag_form.is_valid():
                    services.archive_flag(record_=rec, note=flag_form.cleaned_data["note"], by=request.user)
                else:
                    raise ValidationError(_("请说明差异情况（如缺少材料、扫描件不清晰）。"))
            return redirect("casework:handover_detail", pk=pk)
        except ValidationError as exc:
            _error(request, exc)
    records = list(batch.records.select_related("case", "staff").order_by("case__receipt_no"))
    for i, r in enumerate(records, start=1):
        r.seq = i  # type: ignore[attr-defined]
    if request.GET.get("export") == "xlsx":
        return export_response(
            request,
            filename=f"handover-{batch.number}",
            title=_("移交清单"),
            columns=HANDOVER_COLUMNS,
            qs=records,
        )
    return render(request, "casework/handover_detail.html", {
        "batch": batch, "records": records, "flag_form": flag_form,
        "can_confirm": request.user.has_perm("casework.confirm_handover"),
        "can_handover": request.user.has_perm("casework.handover"),
        "batch_confirm": request.user.has_perm("casework.confirm_handover")
        and any(r.status == "sent" for r in records),
        "batch_actions": [("receive", _("批量确认接收"), "success")],
    })  # fmt: skip


@list_view(HANDOVER_LIST)
@permission_required("casework.confirm_handover")
def handover_inbox(request: AuthedRequest) -> HttpResponse:
    """The district's view: batches handed over and waiting for item-by-item confirmation."""
    qs = apply(selectors.handovers_for(request.user), request, HANDOVER_LIST)
    if not request.GET.get("status"):
        qs = qs.filter(status=BatchStatus.SENT)
    return render(request, "casework/handover_list.html", {"page_obj": paginate(qs, request), "inbox": True,
                                                           "statuses": BatchStatus.choices})  # fmt: skip


# --- guided online self-service --------------------------------------------------------------------------

GUIDED_LIST = ListSpec(search_fields=("service_name", "note"), filters={"outcome": "outcome", "outlet": "outlet_id",
                       "from": "started_at__date__gte", "to": "started_at__date__lte"}, order_by=("-started_at", "-id"),
                       sorts={"started": "started_at", "service": "service_name", "outlet": "outlet__name",
                              "minutes": "duration_seconds", "outcome": "outcome"})  # fmt: skip
GUIDED_COLUMNS = [
    Column(gettext_lazy("网点"), lambda s: s.outlet.name),
    Column(gettext_lazy("引导员"), lambda s: str(s.guide)),
    Column(gettext_lazy("网厅服务"), lambda s: s.service_name),
    Column(gettext_lazy("开始时间"), lambda s: s.started_at),
    Column(gettext_lazy("结束时间"), lambda s: s.ended_at),
    Column(gettext_lazy("时长（分钟）"), lambda s: s.duration_minutes),
    Column(gettext_lazy("结果"), lambda s: s.get_outcome_display()),
    Column(gettext_lazy("备注"), lambda s: s.note),
]


@list_view(GUIDED_LIST)
@permission_required("casework.view_guided")
def guided_list(request: AuthedRequest) -> HttpResponse:
    can_guide = request.user.has_perm("casework.guide")
    start_form = GuidedStartForm(
        request.POST if request.method == "POST" else None, items=selectors.online_items()
    )
    if request.method == "POST":
        if not can_guide:
            raise PermissionDenied
        if start_form.is_valid():
            try:
                services.guided_start(item=start_form.cleaned_data["item"],
                                      service_name=start_form.cleaned_data["service_name"], by=request.user)  # fmt: skip
            except ValidationError as exc:
                apply_errors(start_form, exc, "service_name")
            else:
                messages.success(request, _("已开始计时，引导结束后请记录结果。"))
                return redirect("casework:guided_list")
    qs = apply(selectors.guided_for(request.user), request, GUIDED_LIST)
    if request.GET.get("export") == "xlsx" and request.user.has_perm("casework.export"):
        return export_response(
            request,
            filename="guided-sessions",
            title=_("网厅自助引导"),
            columns=GUIDED_COLUMNS,
            qs=qs,
        )
    return render(request, "casework/guided_list.html", {
        "page_obj": paginate(qs, request), "start_form": start_form, "can_guide": can_guide,
        "open": selectors.open_guided_for(request.user) if can_guide else [], "finish_form": GuidedFinishForm(),
        "outcomes": GuidedFinishForm.base_fields["outcome"].choices,  # type: ignore[attr-defined]
    })  # fmt: skip


@permission_required("casework.guide")
@require_POST
def guided_finish(request: AuthedRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.open_guided_for(request.user), pk=pk)
    form = GuidedFinishForm(request.POST)
    if form.is_valid():
        try:
            services.guided_finish(session=session, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(
                request, _("引导记录已保存。请把评价码交给群众：打印评价凭条，或请其扫描屏幕上的二维码。")
            )
            return redirect("casework:guided_slip", pk=pk)
    else:
        messages.error(request, _("请选择引导结果。"))
    return redirect("casework:guided_list")


def _slip(request: AuthedRequest, pk: int) -> tuple[Any, str, str]:
    session = selectors.slip_session_for(request.user, pk)
    if session is None:
        raise Http404
    token = session.rating_token_row
    url = public_url(reverse("rate:rate", args=[token.token]))
    return session, token.code_display, url


@permission_required("casework.guide")
def guided_slip(request: AuthedRequest, pk: int) -> HttpResponse:
    """After a session: its 评价码 on screen (QR code for the citizen's phone) and the slip to print."""
    session, code, url = _slip(request, pk)
    ctx = {"session": session, "code": code, "qr": qr_svg(url, scale=5),
           "used": session.rating_token_row.used_at is not None}  # fmt: skip
    return render(request, "casework/guided_slip.html", ctx)


@permission_required("casework.guide")
def guided_slip_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    session, code, url = _slip(request, pk)
    resp = HttpResponse(render_rating_slip(session, code=code, url=url), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="rating-slip-{session.pk}.pdf"'
    resp["Cache-Control"] = "private, no-store"
    return resp


# --- staff look-ups of persons (the query log oversight findings cite) ----------------------------------


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 10 else None


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


LOOKUP_COLUMNS = [
    Column(gettext_lazy("查询时间"), lambda x: x.at),
    Column(gettext_lazy("网点"), lambda x: x.outlet.name),
    Column(gettext_lazy("经办人"), lambda x: str(x.staff)),
    Column(gettext_lazy("证件号码（脱敏）"), lambda x: x.person_masked),
    Column(gettext_lazy("查询目的"), lambda x: x.get_purpose_display()),
    Column(gettext_lazy("所在业务"), lambda x: x.case.receipt_no if x.case else ""),
    Column(gettext_lazy("有对应业务"), lambda x: _("是") if x.backed else _("否")),
]


@permission_required("casework.view_lookups")
def lookup_list(request: AuthedRequest) -> HttpResponse:
    """Who looked which person up, in which case, and whether a case for that person followed (R9.3)."""
    get = request.GET
    days = min(max(_int(get.get("days", "")) or 1, 1), 30)
    only = {"0": False, "1": True}.get(get.get("backed", ""))
    qs = selectors.with_backing(selectors.lookups_for(request.user), days, backed=only)
    q = get.get("q", "").strip()[:30]
    if q:
        qs = qs.filter(Q(person_masked__icontains=q) | Q(case__receipt_no__icontains=q))
    for param, lookup in (("outlet", "outlet_id"), ("staff", "staff_id")):
        if (value := _int(get.get(param, "").strip())) is not None:
            qs = qs.filter(**{lookup: value})
    if day := _date(get.get("from", "").strip()):
        qs = qs.filter(at__date__gte=day)
    if day := _date(get.get("to", "").strip()):
        qs = qs.filter(at__date__lte=day)
    qs = qs.order_by("-at", "-id")
    if get.get("export") == "xlsx" and request.user.has_perm("casework.export"):
        return export_response(
            request,
            filename="person-lookups",
            title=_("经办人员查询记录"),
            columns=LOOKUP_COLUMNS,
            qs=qs,
        )
    return render(request, "casework/lookup_list.html", {"page_obj": paginate(qs, request), "days": days})
