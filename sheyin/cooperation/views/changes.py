"""Changes to an accepted or operating outlet's facts (R3.1, R8.4): the change request and its decision."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.selectors import branches_for, districts

from .. import layout, selectors, services
from ..forms import ChangeRequestForm, DecisionForm, JustificationForm, ReasonForm
from ..workflow import CHANGE_REQUEST, ChangeRequestStatus
from .common import actions, form_errors_message, run, run_step
from .site import site_picker_config

LIST = ListSpec(
    search_fields=("number", "outlet__name", "outlet__code", "bank__short_name"),
    filters={"status": "status", "district": "district_id", "bank": "bank_id"},
    order_by=("-created_at", "-id"),
    sorts={
        "number": "number",
        "outlet": "outlet__name",
        "district": "district__code",
        "created": "created_at",
        "status": "status",
    },
)
COLUMNS = [
    Column(gettext_lazy("申请编号"), lambda c: c.number),
    Column(gettext_lazy("网点"), lambda c: c.outlet.name),
    Column(gettext_lazy("银行"), lambda c: c.bank.short_name),
    Column(gettext_lazy("所在区"), lambda c: c.district.district_name),
    Column(
        gettext_lazy("变更内容"),
        lambda c: "；".join(f"{r['label']}：{r['from_text']} → {r['to_text']}" for r in c.changes),
    ),
    Column(gettext_lazy("申请时间"), lambda c: c.created_at),
    Column(gettext_lazy("状态"), lambda c: c.get_status_display()),
]


@list_view(LIST)
@permission_required("cooperation.view")
def change_request_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.change_requests_for(request.user), request, LIST)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="outlet-change-requests", title=_("网点信息变更申请"), columns=COLUMNS, qs=qs
        )
    return render(
        request,
        "cooperation/change_request_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": ChangeRequestStatus.choices,
            "districts": districts(),
        },
    )


def _initial(outlet: Any) -> dict[str, Any]:
    return {k: getattr(outlet, k) for k in services.CHANGE_FIELDS if k != "district"}


@permission_required("cooperation.request_change")
def change_request_create(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.lifecycle_outlets_for(request.user), pk=pk)
    pending = selectors.open_change_requests(
        selectors.change_requests_for(request.user).filter(outlet=outlet)
    )
    if pending.exists():  # one open request per outlet: show it rather than a form the service will refuse
        messages.info(request, _("该网点已有待审批的变更申请，请等待审批结果或撤回后重新申请。"))
        return redirect("cooperation:change_request_detail", pk=pending.first().pk)  # type: ignore[union-attr]
    form = ChangeRequestForm(
        request.POST or None,
        initial=_initial(outlet),
        branches=branches_for(request.user).filter(bank=outlet.bank_id),
    )
    if request.method == "POST":
        if form.is_valid():
            d = dict(form.cleaned_data)
            reason = d.pop("reason")
            cr = run(
                request,
                lambda: services.outlet_change_request_create(
                    outlet=outlet, changes=d, reason=reason, by=request.user
                ),
                _("变更申请已提交，区级经办机构审批后生效。"),
                form,
            )
            if cr:
                return redirect("cooperation:change_request_detail", pk=cr.pk)
        else:  # every error in one round: the service judges what the form could parse
            parsed = {k: v for k, v in form.cleaned_data.items() if k in services.CHANGE_FIELDS}
            for field, message in services.change_request_errors(outlet=outlet, changes=parsed).items():
                if (
                    field in form.fields
                    and field not in form.errors
                    and not {"lon", "lat"} & set(form.errors)
                ):
                    form.add_error(field, message)
    return render(
        request,
        "cooperation/change_request_form.html",
        {
            "form": form,
            "o": outlet,
            "picker": site_picker_config(district=outlet.district, exclude=outlet),
        },
    )


@permission_required("cooperation.view")
def change_request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cr = get_object_or_404(selectors.change_requests_for(request.user), pk=pk)
    user = request.user
    live = None
    if cr.moves and cr.status in (ChangeRequestStatus.SUBMITTED, ChangeRequestStatus.LAYOUT_REVIEW):
        live = selectors.change_layout(cr)
    stored = layout.LayoutResult.from_json(cr.layout_result) if cr.layout_result else None
    acts = actions(CHANGE_REQUEST, cr.status, user)
    if cr.requested_by_id == user.pk:  # maker–checker: the maker is not offered the checker's steps
        acts.pop("approve", None)
        acts.pop("reject", None)
    covered = set(cr.layout_covered or [])
    uncovered = live is not None and not live.ok and not selectors.violation_keys(live) <= covered
    if "justify_layout" in acts and not uncovered:
        acts.pop("justify_layout")
    if uncovered:  # the approval would be refused until the municipal center approves the exception
        acts.pop("approve", None)
    if "withdraw" in acts and not services.change_request_same_side(cr, user):
        acts.pop("withdraw")
    picker = None
    if live is not None:
        to = selectors.change_target(cr)
        picker = site_picker_config(district=cr.outlet.district, exclude=cr.outlet)
        picker["site"] = {
            "lon": float(to.get("lon", cr.outlet.lon)),
            "lat": float(to.get("lat", cr.outlet.lat)),
        }
    return render(
        request,
        "cooperation/change_request_detail.html",
        {
            "cr": cr,
            "o": cr.outlet,
            "acts": acts,
            "live": live,
            "picker": picker,
            "layout": live or stored,
            "layout_covered": live is not None
            and bool(covered)
            and selectors.violation_keys(live) <= covered,
            "events": selectors.events_for(user)
            .filter(object_type="cooperation.outletchangerequest", object_id=str(cr.pk))
            .order_by("at", "id"),
            "reason_form": ReasonForm(),
            "justification_form": JustificationForm(),
            "decision_form": DecisionForm(),
        },
    )


STEPS = {
    "approve": (
        lambda c, r, u: services.outlet_change_request_approve(change_request=c, reason=r, by=u),
        gettext_lazy("变更已批准并生效。"),
    ),
    "reject": (
        lambda c, r, u: services.outlet_change_request_reject(change_request=c, reason=r, by=u),
        gettext_lazy("已作出不予批准决定。"),
    ),
    "withdraw": (
        lambda c, r, u: services.outlet_change_request_withdraw(change_request=c, reason=r, by=u),
        gettext_lazy("变更申请已撤回。"),
    ),
}


@require_POST
@permission_required("cooperation.view")
def change_request_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    cr = get_object_or_404(selectors.change_requests_for(request.user), pk=pk)
    run_step(request, STEPS, action, cr)
    return redirect("cooperation:change_request_detail", pk=pk)


@require_POST
@permission_required("cooperation.justify_layout")
def change_request_justify(request: HttpRequest, pk: int) -> HttpResponse:
    cr = get_object_or_404(selectors.change_requests_for(request.user), pk=pk)
    form = JustificationForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.outlet_change_request_justify_layout(
                change_request=cr, justification=form.cleaned_data["justification"], by=request.user
            ),
            _("布局例外申请已报市级经办机构审批。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:change_request_detail", pk=pk)


@require_POST
@permission_required("cooperation.approve_layout")
def change_request_layout_decide(request: HttpRequest, pk: int) -> HttpResponse:
    cr = get_object_or_404(selectors.change_requests_for(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        run(
            request,
            lambda: services.outlet_change_request_decide_layout(
                change_request=cr, approve=approve, reason=form.cleaned_data["reason"], by=request.user
            ),
            _("已批准布局例外，待区级经办机构审核变更。") if approve else _("已不批准布局例外。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:change_request_detail", pk=pk)
