"""R4.2 outlet applications, the completeness check, the layout check (R8.4) and acceptance (R4.3)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.scope import assignments_of
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.selectors import branches_for, districts
from sheyin.planning import selectors as planning

from .. import layout, selectors, services
from ..forms import DecisionForm, JustificationForm, OutletApplicationForm, ReasonForm
from ..models import ApplicationFile, LayoutException, OutletApplication
from ..workflow import OUTLET_APPLICATION, ExceptionStatus, OutletApplicationStatus, waiting_for
from .common import form_errors_message, run, run_step, steps_for, waiting_unless_mine
from .site import site_picker_config

LIST = ListSpec(
    search_fields=("number", "outlet__name", "outlet__address", "bank__short_name"),
    filters={"status": "status", "district": "district_id", "bank": "bank_id"},
    order_by=("-created_at", "-id"),
    sorts={
        "number": "number",
        "outlet": "outlet__name",
        "bank": "bank__short_name",
        "district": "district__code",
        "submitted": "submitted_at",
    },
)
COLUMNS = [
    Column(gettext_lazy("申请编号"), lambda a: a.number),
    Column(gettext_lazy("网点名称"), lambda a: a.outlet.name),
    Column(gettext_lazy("银行"), lambda a: a.bank.short_name),
    Column(gettext_lazy("所在区"), lambda a: a.district.district_name),
    Column(gettext_lazy("地址"), lambda a: a.outlet.address),
    Column(gettext_lazy("状态"), lambda a: a.get_status_display()),
    Column(gettext_lazy("提交时间"), lambda a: a.submitted_at),
]


def _own_bank(user: Any) -> Any:
    return next((a.bank for a in assignments_of(user) if a.role == "bank_admin" and a.bank_id), None)


@list_view(LIST)
@permission_required("cooperation.view")
def application_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.applications_for(request.user), request, LIST)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="outlet-applications", title=_("网点设立申请"), columns=COLUMNS, qs=qs
        )
    bank = _own_bank(request.user)
    return render(
        request,
        "cooperation/application_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": OutletApplicationStatus.choices,
            "districts": districts(),
            "own_bank": bank,
            "has_agreement": bool(bank and selectors.municipal_agreement_of(bank)),
        },
    )


def _files(request: HttpRequest) -> dict[str, list[Any]]:
    return {
        ApplicationFile.Kind.FLOOR_PLAN: request.FILES.getlist("floor_plan"),
        ApplicationFile.Kind.PHOTO: request.FILES.getlist("photos"),
    }


def _form(request: HttpRequest, bank: Any, **kw: Any) -> OutletApplicationForm:
    return OutletApplicationForm(
        request.POST or None,
        request.FILES or None,
        branches=branches_for(request.user).filter(bank=bank),
        districts=districts(),
        **kw,
    )


@permission_required("cooperation.apply_outlet")
def application_create(request: HttpRequest) -> HttpResponse:
    bank = _own_bank(request.user)
    if bank is None:
        raise Http404
    if selectors.municipal_agreement_of(bank) is None:
        messages.error(request, _("该银行尚未与市级社保经办机构签订有效的合作协议，不能申请设立合作网点。"))
        return redirect("cooperation:application_list")
    planned = (
        planning.open_planned_sites_for(request.user)
        .filter(pk=(request.POST or request.GET).get("planned_site", "") or 0)
        .select_related("district")
        .first()
    )  # an adopted site of the layout plan (R10.1)
    initial = {"lon": planned.lon, "lat": planned.lat, "district": planned.district} if planned else {}
    form = _form(request, bank, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("floor_plan", "photos")}
            data["planned_site"] = planned
            app = run(
                request,
                lambda: services.outlet_application_create(
                    bank=bank, data=data, files=_files(request), by=request.user
                ),
                _("申请已保存为草稿。请核对材料完整性后提交。"),
                form,
            )
            if app:
                return redirect("cooperation:application_detail", pk=app.pk)
        else:
            _all_errors(form, bank)
    return render(
        request,
        "cooperation/application_form.html",
        {"form": form, "bank": bank, "planned": planned, "picker": site_picker_config()},
    )


def _all_errors(form: OutletApplicationForm, bank: Any, outlet: Any = None) -> None:
    """Every error in one round: what the form could parse is judged by the service as well, so that a
    malformed phone and a site outside Beijing show together."""
    parsed = {k: v for k, v in form.cleaned_data.items() if k in services.OUTLET_KEYS}
    unparsed = set(form.errors)
    for field, message in services.application_errors(bank=bank, data=parsed, outlet=outlet).items():
        if field in unparsed or field not in form.fields:
            continue
        if field in ("lon", "district") and {"lon", "lat"} & unparsed:
            continue  # the site could not be read: its own error says so
        form.add_error(field, message)


@permission_required("cooperation.apply_outlet")
def application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    o = app.outlet
    initial = {k: getattr(o, k) for k in services.OUTLET_KEYS} | {
        k: getattr(app, k) for k in services.APP_KEYS
    }
    form = OutletApplicationForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        branches=branches_for(request.user).filter(bank=app.bank),
        districts=districts(),
        locked_district=True,
    )
    if request.method == "POST":
        if form.is_valid():
            data = {k: v for k, v in form.cleaned_data.items() if k not in ("floor_plan", "photos")}
            if run(
                request,
                lambda: services.outlet_application_update(
                    application=app, data=data, files=_files(request), by=request.user
                ),
                _("申请已保存。"),
                form,
            ):
                return redirect("cooperation:application_detail", pk=pk)
        else:
            _all_errors(form, app.bank, app.outlet)
    return render(
        request,
        "cooperation/application_form.html",
        {"form": form, "bank": app.bank, "app": app, "picker": site_picker_config(exclude=app.outlet)},
    )


@permission_required("cooperation.view")
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    result = layout.LayoutResult.from_json(app.layout_result) if app.layout_result else None
    step_ctx = selectors.application_step_context(app)
    acceptance = step_ctx if app.status == OutletApplicationStatus.INSPECTED else None
    user = request.user
    acts, blocked = steps_for(OUTLET_APPLICATION, app.status, user, obj=app, ctx=step_ctx)
    checks = selectors.completeness_checks(app)
    return render(
        request,
        "cooperation/application_detail.html",
        {
            "app": app,
            "o": app.outlet,
            "acts": acts,
            "blocked": blocked,
            "waiting": waiting_unless_mine(waiting_for(OUTLET_APPLICATION, app.status), acts),
            "checks": checks,
            "complete": all(ok for _l, ok in checks),
            "files": app.files.all(),
            "layout": result,
            "acceptance": acceptance,
            "inspections": app.inspections.select_related("inspector").order_by("-round"),
            "exceptions": app.layout_exceptions.select_related("requested_by", "decided_by"),
            "pending_exception": app.layout_exceptions.filter(status=ExceptionStatus.PENDING).first(),
            "agreement": selectors.agreements_for(user).filter(outlet_application=app).first(),
            "events": selectors.events_for(user).filter(outlet=app.outlet).order_by("-at")[:8],
            "reason_form": ReasonForm(),
            "justification_form": JustificationForm(),
            "decision_form": DecisionForm(),
            "editable": app.status in (OutletApplicationStatus.DRAFT, OutletApplicationStatus.RETURNED),
        },
    )


STEPS = {
    "submit": (
        lambda a, r, u: services.outlet_application_submit(application=a, by=u),
        gettext_lazy("申请已提交区级经办机构。"),
    ),
    "withdraw": (
        lambda a, r, u: services.outlet_application_withdraw(application=a, reason=r, by=u),
        gettext_lazy("申请已撤回。"),
    ),
    "return": (
        lambda a, r, u: services.outlet_application_return(application=a, reason=r, by=u),
        gettext_lazy("已退回补正。"),
    ),
    "admit": (
        lambda a, r, u: services.outlet_application_admit(application=a, by=u),
        gettext_lazy("已受理，待现场检查。"),
    ),
    "accept": (
        lambda a, r, u: services.outlet_application_accept(application=a, reason=r, by=u),
        gettext_lazy("验收通过，区级合作协议已生成。"),
    ),
    "rectify": (
        lambda a, r, u: services.outlet_application_rectify(application=a, reason=r, by=u),
        gettext_lazy("已要求整改，整改后复查。"),
    ),
    "reject": (
        lambda a, r, u: services.outlet_application_reject(application=a, reason=r, by=u),
        gettext_lazy("已作出不予通过决定。"),
    ),
}


@require_POST
@permission_required("cooperation.view")
def application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    run_step(request, STEPS, action, app)
    return redirect("cooperation:application_detail", pk=pk)


@permission_required("cooperation.view")
def application_file(request: HttpRequest, pk: int) -> FileResponse:
    """Uploaded material, served only through the scoped selector (never from MEDIA_URL)."""
    f = get_object_or_404(selectors.application_files_for(request.user), pk=pk)
    ctype = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}.get(
        f.content_kind, "application/octet-stream"
    )
    resp = FileResponse(f.file.open("rb"), content_type=ctype)
    resp["Content-Disposition"] = "inline"
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


@require_POST
@permission_required("cooperation.apply_outlet")
def application_file_delete(request: HttpRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(selectors.application_files_for(request.user), pk=pk)
    app_pk = f.application_id
    run(request, lambda: services.application_file_delete(file=f, by=request.user), _("材料已删除。"))
    return redirect("cooperation:application_edit", pk=app_pk)


@permission_required("cooperation.view")
def application_layout(request: HttpRequest, pk: int) -> HttpResponse:
    """The layout check on a map: the candidate, its nearest outlets and offices, the district lines."""
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    live = selectors.layout_for(app)
    stored = layout.LayoutResult.from_json(app.layout_result) if app.layout_result else None
    data = {
        "candidate": {"name": app.outlet.name, "lon": app.outlet.lon, "lat": app.outlet.lat},
        "outlets": [
            {
                "name": n.name,
                "lon": n.lon,
                "lat": n.lat,
                "d": n.distance_m,
                "bad": n.violates,
                "bank": n.detail,
            }
            for n in live.outlets
        ],
        "offices": [
            {"name": n.name, "lon": n.lon, "lat": n.lat, "d": n.distance_m, "bad": n.violates}
            for n in live.offices
        ],
        "min_outlet_m": live.min_outlet_m,
        "min_office_m": live.min_office_m,
        "labels": {
            "candidate": _("申请网点"),
            "outlet": _("已设网点"),
            "office": _("社保经办机构"),
            "violation": _("小于最小距离"),
            "circle": _("最小间距范围"),
            "meters": _("米"),
        },
    }
    return render(
        request,
        "cooperation/application_layout.html",
        {
            "app": app,
            "live": live,
            "stored": stored,
            "map_data": data,
        },
    )


@require_POST
@permission_required("cooperation.justify_layout")
def layout_exception_request(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.applications_for(request.user), pk=pk)
    form = JustificationForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.layout_exception_request(
                application=app, justification=form.cleaned_data["justification"], by=request.user
            ),
            _("布局例外申请已报市级经办机构审批。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:application_detail", pk=pk)


@require_POST
@permission_required("cooperation.approve_layout")
def layout_exception_decide(request: HttpRequest, pk: int) -> HttpResponse:
    exc: LayoutException = get_object_or_404(selectors.layout_exceptions_for(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        run(
            request,
            lambda: services.layout_exception_decide(
                exception=exc, approve=approve, reason=form.cleaned_data["reason"], by=request.user
            ),
            _("已批准布局例外。") if approve else _("已不批准布局例外。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:application_detail", pk=exc.application_id)


def application_for_outlet(user: Any, outlet_id: int) -> OutletApplication | None:
    return selectors.applications_for(user).filter(outlet_id=outlet_id).order_by("-created_at").first()
