"""An outlet's whole lifecycle on one page (timeline), operation (suspend/resume) and plaques (R4.4)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.links import public_url
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, xlsx_response
from sheyin.institutions.models import Outlet

from .. import selectors, services
from ..documents import plaque_certificate_pdf
from ..forms import ReasonForm, SuspendForm
from ..models import Agreement, Plaque
from ..workflow import OUTLET, PlaqueStatus
from .common import actions, form_errors_message, run


@permission_required("cooperation.view")
def outlet_lifecycle(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    outlet: Outlet = get_object_or_404(selectors.lifecycle_outlets_for(user), pk=pk)
    events = selectors.events_for(user).filter(outlet=outlet).order_by("at", "id")
    agreement = (
        selectors.district_agreement_of(outlet)
        or Agreement.objects.filter(outlet=outlet).order_by("-created_at").first()
    )
    return render(
        request,
        "cooperation/outlet_lifecycle.html",
        {
            "o": outlet,
            "events": events,
            "acts": actions(OUTLET, outlet.status, user),
            "applications": selectors.applications_for(user).filter(outlet=outlet).order_by("-created_at"),
            "inspections": selectors.inspections_for(user).filter(outlet=outlet).order_by("-round"),
            "agreement": agreement
            if agreement and selectors.agreements_for(user).filter(pk=agreement.pk).exists()
            else None,
            "filings": selectors.filings_for(user).filter(outlet=outlet),
            "plaques": selectors.plaques_for(user).filter(outlet=outlet),
            "suspensions": selectors.suspensions_for(user).filter(outlet=outlet),
            "terminations": selectors.terminations_for(user).filter(outlet=outlet),
            "suspend_form": SuspendForm(),
            "reason_form": ReasonForm(),
        },
    )


@require_POST
@permission_required("cooperation.suspend_outlet")
def outlet_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.lifecycle_outlets_for(request.user), pk=pk)
    form = SuspendForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        run(
            request,
            lambda: services.outlet_suspend(
                outlet=outlet,
                reason=d["reason"],
                starts_on=d.get("starts_on"),
                planned_end=d.get("planned_end"),
                by=request.user,
            ),
            _("网点已暂停服务，网点人员权限和会话已撤销。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:outlet_lifecycle", pk=pk)


@require_POST
@permission_required("cooperation.suspend_outlet")
def outlet_resume(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.lifecycle_outlets_for(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.outlet_resume(
                outlet=outlet, reason=form.cleaned_data["reason"], by=request.user
            ),
            _("网点已恢复服务。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:outlet_lifecycle", pk=pk)


PLAQUES = ListSpec(
    search_fields=("number", "outlet__name", "outlet__code"),
    filters={"status": "status", "district": "outlet__district_id"},
    order_by=("-issued_on", "-id"),
)
PLAQUE_COLUMNS = [
    Column(gettext_lazy("标牌编号"), lambda p: p.number),
    Column(gettext_lazy("网点"), lambda p: p.outlet.name),
    Column(gettext_lazy("银行"), lambda p: p.outlet.bank.short_name),
    Column(gettext_lazy("所在区"), lambda p: p.outlet.district.district_name),
    Column(gettext_lazy("颁发日期"), lambda p: p.issued_on),
    Column(gettext_lazy("状态"), lambda p: p.get_status_display()),
    Column(gettext_lazy("收回日期"), lambda p: p.recovered_on),
]


@list_view(PLAQUES)
@permission_required("cooperation.view")
def plaque_list(request: HttpRequest) -> HttpResponse:
    from sheyin.institutions.selectors import districts

    qs = apply(selectors.plaques_for(request.user), request, PLAQUES)
    if request.GET.get("export") == "xlsx":
        return xlsx_response("plaques", _("网点标牌"), PLAQUE_COLUMNS, qs)
    ready = (
        selectors.lifecycle_outlets_for(request.user).filter(status="accepted").order_by("code")
        if request.user.has_perm("cooperation.issue_plaque")
        else None
    )
    return render(
        request,
        "cooperation/plaque_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": PlaqueStatus.choices,
            "districts": districts(),
            "ready": ready,
        },
    )


@require_POST
@permission_required("cooperation.issue_plaque")
def plaque_issue(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.lifecycle_outlets_for(request.user), pk=pk)
    run(
        request,
        lambda: services.plaque_issue(outlet=outlet, by=request.user),
        _("标牌已颁发，网点开始运营，新设网点公告已发布。"),
    )
    return redirect("cooperation:outlet_lifecycle", pk=pk)


def verify_url(plaque: Plaque) -> str:
    """The public verification address printed in the certificate's QR code."""
    try:
        path = reverse("verify:verify_plaque", args=[plaque.number])
    except NoReverseMatch:  # the public mount is not configured: fall back to the app's own address
        path = reverse("cooperation:verify_plaque", args=[plaque.number])
    return public_url(path)


@permission_required("cooperation.view")
def plaque_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    plaque = get_object_or_404(selectors.plaques_for(request.user), pk=pk)
    resp = HttpResponse(plaque_certificate_pdf(plaque, verify_url(plaque)), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="plaque-{plaque.number}.pdf"'
    return resp
