"""Pages: quarterly inspection plans, the on-site checklist (tablet friendly), inspection photos, and public
feedback (a complaint filed by staff, the 12345 hotline import)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import assignments_of
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.institutions.models import Agency

from . import selectors, services
from .checklists import INSPECTION_ITEMS, stored_text
from .forms import AssignForm, ComplaintForm, HotlineImportForm, MultipleFileField, PlanForm
from .models import Finding, Inspection, InspectionPhoto
from .views import _guard
from .workflow import InspectionStatus

INSPECTION_COLUMNS = [
    Column(_("计划检查日期"), lambda i: i.scheduled_date), Column(_("网点"), lambda i: i.outlet.name),
    Column(_("抽取方式"), lambda i: i.get_reason_display()), Column(_("风险分"), lambda i: i.risk_score),
    Column(_("检查人"), lambda i: str(i.inspector or "")), Column(_("状态"), lambda i: i.get_status_display()),
    Column(_("得分"), lambda i: i.score),
]  # fmt: skip


def _district_of(user: Any) -> Agency | None:
    agency_id = next((a.agency_id for a in assignments_of(user) if a.agency_id), None)
    return Agency.objects.filter(pk=agency_id).first() if agency_id else None


PLAN_SPEC = ListSpec(
    search_fields=("district__name",),
    filters={"year": "year", "quarter": "quarter"},
    order_by=("-year", "-quarter", "district"),
    sorts={"period": ("year", "quarter"), "district": "district__code", "created": "created_at"},
)


PLAN_COLUMNS = [
    Column(gettext_lazy("区经办机构"), lambda p: p.district.name), Column(gettext_lazy("年度"), lambda p: p.year),
    Column(gettext_lazy("季度"), lambda p: p.quarter), Column(gettext_lazy("检查数"), lambda p: p.n),
    Column(gettext_lazy("已完成"), lambda p: p.n_done), Column(gettext_lazy("编制时间"), lambda p: p.created_at),
]  # fmt: skip


@list_view(PLAN_SPEC)
@permission_required("supervision.view_inspections")
def plan_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    form = PlanForm(request.POST or None, initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    if request.method == "POST":
        if not request.user.has_perm("supervision.plan_inspections"):
            raise PermissionDenied
        district = _district_of(request.user)
        if district is None:
            messages.error(request, _("您的账号未关联区经办机构。"))
        elif form.is_valid():
            try:
                plan = services.inspection_plan_generate(
                    district=district, by=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("检查计划已编制：每个运营中网点本季度至少检查一次。"))
                return redirect("supervision:plan_detail", pk=plan.pk)
    qs = apply(selectors.plans(request.user), request, PLAN_SPEC)
    if request.GET.get("export") == "xlsx":
        counted = qs.select_related("district").annotate(
            n=Count("inspections"), n_done=Count("inspections", filter=Q(inspections__status=InspectionStatus.DONE))
        )  # fmt: skip
        return export_response(request, filename="inspection-plans", title=_("检查计划"), columns=PLAN_COLUMNS,
                               qs=counted)  # fmt: skip
    page = paginate(qs, request)
    rows = [
        (p, p.inspections.count(), p.inspections.filter(status=InspectionStatus.DONE).count()) for p in page
    ]
    return render(request, "supervision/plan_list.html", {"page_obj": page, "form": form, "rows": rows})


INSPECTION_SPEC = ListSpec(
    search_fields=("outlet__name", "outlet__code"),
    filters={
        "status": "status",
        "reason": "reason",
        **scope_filters("outlet", district="district_id", bank="bank_id"),
    },
    order_by=("scheduled_date", "id"),
    sorts={"scheduled": "scheduled_date", "outlet": "outlet__name", "risk": "risk_score", "score": "score"},
    empty_hint=_("没有符合条件的检查。可放宽查询条件，或在检查计划中安排检查。"),
)


@list_view(INSPECTION_SPEC)
@permission_required("supervision.view_inspections")
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(selectors.plans(request.user), pk=pk)
    qs = apply(selectors.inspections(request.user).filter(plan=plan), request, INSPECTION_SPEC)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="inspection-plan", title=str(plan), columns=INSPECTION_COLUMNS, qs=qs
        )
    return render(request, "supervision/plan_detail.html", {
        "plan": plan, "page_obj": paginate(qs, request), "statuses": InspectionStatus.choices,
        "reasons": Inspection.Reason.choices,
    })  # fmt: skip


@permission_required("supervision.view_inspections")
def inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    i = get_object_or_404(selectors.inspections(request.user), pk=pk)
    error = ""
    items = [{"item": stored_text(t), "result": "", "note": ""} for t in INSPECTION_ITEMS]
    notes = ""
    if request.method == "POST":
        if not request.user.has_perm("supervision.inspect"):
            raise PermissionDenied
        items = [{"item": stored_text(t), "result": request.POST.get(f"result_{n}", ""),
                  "note": request.POST.get(f"note_{n}", "").strip()[:300]} for n, t in enumerate(INSPECTION_ITEMS)]  # fmt: skip
        notes = request.POST.get("notes", "")
        try:
            photos = MultipleFileField(required=False).clean(request.FILES.getlist("photos"))
            services.inspection_record(
                inspection=i, results=items, notes=notes, photos=photos, by=request.user
            )
        except ValidationError as exc:
            error = "；".join(exc.messages)
        except PermissionDenied as exc:
            error = str(exc) or _("您没有执行此操作的权限。")
        else:
            n_failed = sum(1 for r in items if r["result"] == "fail")
            messages.success(request, _("检查结果已保存，%(n)s个不符合项已生成问题发现。") % {"n": n_failed})
            return redirect("supervision:inspection_detail", pk=pk)
    assign = AssignForm(initial={"inspector": i.inspector_id, "scheduled_date": i.scheduled_date},
                        inspectors=selectors.inspectors(i.district_id))  # fmt: skip
    return render(request, "supervision/inspection_detail.html", {
        "i": i, "items": items, "notes": notes, "error": error, "photos": i.photos.all(), "assign": assign,
        "findings": Finding.objects.filter(inspection=i).order_by("id"),
    })  # fmt: skip


@require_POST
@permission_required("supervision.plan_inspections")
def inspection_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    i = get_object_or_404(selectors.inspections(request.user), pk=pk)
    form = AssignForm(request.POST, inspectors=selectors.inspectors(i.district_id))
    if form.is_valid():
        _guard(request, lambda: services.inspection_assign(inspection=i, by=request.user, **form.cleaned_data),
               _("已调整检查安排。"))  # fmt: skip
    else:
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, str(e))
    return redirect("supervision:inspection_detail", pk=pk)


@permission_required("supervision.view_inspections")
def inspection_photo(request: AuthedRequest, pk: int) -> HttpResponseBase:
    photo = get_object_or_404(InspectionPhoto, pk=pk)
    get_object_or_404(selectors.inspections(request.user), pk=photo.inspection_id)
    return FileResponse(photo.file.open("rb"), content_type=f"image/{photo.kind}")


@permission_required("supervision.manage_findings")
def complaint_new(request: AuthedRequest) -> HttpResponse:
    """A complaint about an outlet received by phone, letter or in person, filed by staff as a finding."""
    form = ComplaintForm(request.POST or None, outlets=selectors.outlets(request.user))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            f = services.finding_create(outlet=d["outlet"], source=Finding.Source.PUBLIC_FEEDBACK, title=d["title"],
                                        detail=d["detail"], severity=d["severity"], by=request.user)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("群众反映已登记为问题发现。"))
            return redirect("supervision:finding_detail", pk=f.pk)
    return render(request, "supervision/complaint_new.html", {"form": form})


@permission_required("supervision.manage_findings")
def hotline_import(request: AuthedRequest) -> HttpResponse:
    """The 12345 hotline file: validated as a whole; nothing is written unless every row is valid."""
    form = HotlineImportForm(request.POST or None, request.FILES or None)
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            created = services.feedback_import(rows=form.rows(), by=request.user)
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "file" in exc.error_dict:
                row_errors = [m for e in exc.error_dict["file"] for m in e.messages]
                form.add_error("file", _("文件中有%(n)s行错误，未导入任何数据。") % {"n": len(row_errors)})
            else:
                apply_errors(form, exc, "file")
        else:
            messages.success(
                request, _("已导入%(n)s条群众反映（已导入过的工单自动跳过）。") % {"n": len(created)}
            )
            return redirect("supervision:finding_list")
    return render(request, "supervision/hotline_import.html", {"form": form, "row_errors": row_errors})
