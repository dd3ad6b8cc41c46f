"""An outlet's whole lifecycle on one page (timeline), operation (suspend/resume) and plaques (R4.4)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.links import public_url
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.models import Outlet
from sheyin.staffing.selectors import authorised_count

from .. import selectors, services
from ..documents import plaque_certificate_pdf
from ..forms import ReasonForm, SuspendForm
from ..models import Agreement, OpeningCheck, Plaque
from ..workflow import OUTLET, AgreementStatus, FilingStatus, PlaqueStatus
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
            "acts": actions(OUTLET, outlet.status, user, obj=outlet, ctx={}),
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
            "can_issue_plaque": user.has_perm("cooperation.issue_plaque")
            and selectors.plaque_issuable(outlet),
            "plaque_waits_for": _plaque_waits_for(outlet),
            "opening_checks": selectors.opening_checks_for(user).filter(outlet=outlet),
        },
    )


def _plaque_waits_for(outlet: Outlet) -> str:
    """Who acts next before the plaque can be issued (R4.4), in words, for an accepted outlet."""
    if outlet.status != "accepted" or selectors.plaque_issuable(outlet):
        return ""
    ag = selectors.district_agreement_of(outlet)
    if ag is None or ag.status != AgreementStatus.ACTIVE:
        return _("待区级经办机构与银行签订区级协议")
    if ag.filings.filter(status=FilingStatus.SUBMITTED).exists():
        return _("待市级经办机构审核协议备案")
    return _("待区级经办机构报送协议备案")


@permission_required("cooperation.view")
def opening_check(request: HttpRequest, pk: int) -> HttpResponse:
    """开业核查 (R3.2, R9.1, R7.3): the due date, the checks recorded, and — for the district — the form."""
    user = request.user
    outlet: Outlet = get_object_or_404(selectors.lifecycle_outlets_for(user), pk=pk)
    checks = selectors.opening_checks_for(user).filter(outlet=outlet).order_by("-created_at", "-id")
    pending = next((c for c in checks if c.status == OpeningCheck.Status.PENDING), None)
    last = checks[0] if checks else None
    can_record = (
        user.has_perm("cooperation.record_opening_check")
        and outlet.status == "operating"
        and (pending is not None or (last is not None and last.status == OpeningCheck.Status.FAILED))
    )
    answers: dict[str, dict[str, str]] = {}
    errors: dict[str, list[str]] = {}
    note = ""
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied
        answers = {
            code: {
                "result": request.POST.get(f"result_{code}", ""),
                "note": request.POST.get(f"note_{code}", ""),
            }
            for code, _t in services.OPENING_ITEMS
        }
        note = request.POST.get("note", "")
        try:
            services.opening_check_record(outlet=outlet, answers=answers, note=note, by=user)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("开业核查已记录。"))
            return redirect("cooperation:opening_check", pk=outlet.pk)
    items = [
        {
            "code": code,
            "text": text,
            "result": (answers.get(code) or {}).get("result", ""),
            "note": (answers.get(code) or {}).get("note", ""),
            "errors": errors.get(f"result_{code}", []),
        }
        for code, text in services.OPENING_ITEMS
    ]
    return render(
        request,
        "cooperation/opening_check.html",
        {
            "o": outlet,
            "checks": checks,
            "pending": pending,
            "items": items,
            "can_record": can_record,
            "note": note,
            "note_errors": errors.get("note", []),
            "authorised": authorised_count(outlet),
            "today": timezone.localdate(),
            "labels": dict(services.OPENING_ITEMS),
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
    sorts={
        "number": "number",
        "outlet": "outlet__name",
        "bank": "outlet__bank__short_name",
        "district": "outlet__district__code",
        "issued": "issued_on",
        "status": "status",
    },
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
        return export_response(
            request, filename="plaques", title=_("网点标牌"), columns=PLAQUE_COLUMNS, qs=qs
        )
    # Only what the user may do is offered: an accepted outlet whose agreement is not filed yet shows who
    # acts next instead of a button the server would refuse (R4.4).
    ready, waiting = [], []
    if request.user.has_perm("cooperation.issue_plaque"):
        for o in selectors.lifecycle_outlets_for(request.user).filter(status="accepted").order_by("code"):
            if selectors.plaque_issuable(o):
                ready.append(o)
            else:
                waiting.append((o, _plaque_waits_for(o)))
    opening_due = (
        selectors.opening_checks_for(request.user)
        .filter(status=OpeningCheck.Status.PENDING, outlet__status="operating")
        .order_by("due_date", "id")
        if request.user.has_perm("cooperation.record_opening_check")
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
            "waiting": waiting,
            "opening_due": opening_due,
            "today": timezone.localdate(),
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
