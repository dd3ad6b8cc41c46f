"""R4.3 site inspection against the Annex 1 checklist, on a tablet-friendly form."""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.listing import ListSpec, apply, list_view, paginate

from .. import selectors, services
from ..forms import InspectionMetaForm
from ..models import ChecklistItem, InspectionResult
from ..workflow import InspectionStatus
from .common import form_errors_message, run

LIST = ListSpec(
    search_fields=("outlet__name", "application__number"),
    filters={"status": "status"},
    order_by=("-created_at", "-id"),
    sorts={"outlet": "outlet__name", "round": "round", "visited": "visit_date", "status": "status"},
)


@list_view(LIST)
@permission_required("cooperation.view")
def inspection_list(request: HttpRequest) -> HttpResponse:
    queue = selectors.inspection_queue_for(request.user).order_by("admitted_at", "id")
    qs = apply(selectors.inspections_for(request.user), request, LIST)
    return render(
        request,
        "cooperation/inspection_list.html",
        {
            "queue": queue[:50],
            "queue_count": queue.count(),
            "page_obj": paginate(qs, request),
            "statuses": InspectionStatus.choices,
        },
    )


@require_POST
@permission_required("cooperation.inspect")
def inspection_start(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    insp = run(
        request, lambda: services.inspection_start(application=app, by=request.user), _("检查已开始。")
    )
    if insp:
        return redirect("cooperation:inspection_form", pk=insp.pk)
    return redirect("cooperation:application_detail", pk=pk)


def _groups(results: list[InspectionResult]) -> list[tuple[str, list[InspectionResult]]]:
    labels = dict(ChecklistItem.Group.choices)
    ordered = sorted(results, key=lambda r: (list(labels).index(r.item.group), r.item.order))
    return [(str(labels[g]), list(rs)) for g, rs in groupby(ordered, key=lambda r: r.item.group)]


@permission_required("cooperation.view")
def inspection_form(request: HttpRequest, pk: int) -> HttpResponse:
    insp = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    if insp.status != InspectionStatus.DRAFT or not request.user.has_perm("cooperation.inspect"):
        return redirect("cooperation:inspection_detail", pk=pk)
    results = selectors.inspection_detail(insp)
    meta = InspectionMetaForm(
        request.POST or None, initial={"visit_date": insp.visit_date, "summary": insp.summary}
    )
    if request.method == "POST":
        if not meta.is_valid():
            form_errors_message(request, meta)
        else:
            answers: dict[int, dict[str, str]] = {}
            photos: dict[int, list[Any]] = {}
            for r in results:
                answers[r.item_id] = {
                    "result": request.POST.get(f"result_{r.item_id}", ""),
                    "note": request.POST.get(f"note_{r.item_id}", ""),
                }
                files = request.FILES.getlist(f"photo_{r.item_id}")
                if files:
                    photos[r.item_id] = files
            saved = run(
                request,
                lambda: services.inspection_save(
                    inspection=insp,
                    answers=answers,
                    photos=photos,
                    summary=meta.cleaned_data["summary"],
                    visit_date=meta.cleaned_data["visit_date"],
                    by=request.user,
                ),
                _("检查记录已保存。"),
            )
            if saved and request.POST.get("complete"):
                done = run(
                    request,
                    lambda: services.inspection_complete(inspection=insp, by=request.user),
                    _("检查已完成，已通知区级管理员作出验收决定。"),
                )
                if done:
                    return redirect("cooperation:inspection_detail", pk=pk)
            return redirect("cooperation:inspection_form", pk=pk)
    answered = sum(1 for r in results if r.result)
    return render(
        request,
        "cooperation/inspection_form.html",
        {
            "insp": insp,
            "app": insp.application,
            "groups": _groups(results),
            "meta": meta,
            "answered": answered,
            "total": len(results),
            "Result": InspectionResult.Result,
        },
    )


@permission_required("cooperation.view")
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    insp = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    results = selectors.inspection_detail(insp)
    failed_must = [r for r in results if r.item.level == ChecklistItem.Level.MUST and r.result == "fail"]
    return render(
        request,
        "cooperation/inspection_detail.html",
        {
            "insp": insp,
            "app": insp.application,
            "groups": _groups(results),
            "failed_must": failed_must,
            "today": timezone.localdate(),
        },
    )


@permission_required("cooperation.view")
def inspection_photo(request: HttpRequest, pk: int) -> FileResponse:
    photo = get_object_or_404(selectors.inspection_photos_for(request.user), pk=pk)
    resp = FileResponse(
        photo.file.open("rb"), content_type="image/png" if photo.content_kind == "png" else "image/jpeg"
    )
    resp["X-Content-Type-Options"] = "nosniff"
    return resp
