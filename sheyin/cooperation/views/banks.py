"""R4.1: bank cooperation applications."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.scope import assignments_of
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.models import Bank

from .. import selectors, services
from ..forms import BankApplicationForm, OptionalReasonForm, ReasonForm
from ..workflow import BANK_APPLICATION, BankApplicationStatus, waiting_for
from .common import run, run_step, steps_for, waiting_unless_mine

LIST = ListSpec(
    search_fields=("number", "bank__name", "bank__short_name"),
    filters={"status": "status"},
    order_by=("-created_at", "-id"),
    sorts={
        "number": "number",
        "bank": "bank__name",
        "planned": "planned_outlets",
        "submitted": "submitted_at",
        "status": "status",
    },
)
COLUMNS = [
    Column(gettext_lazy("申请编号"), lambda a: a.number),
    Column(gettext_lazy("银行"), lambda a: a.bank.name),
    Column(gettext_lazy("申请主体"), lambda a: a.get_applicant_display()),
    Column(gettext_lazy("拟设网点数"), lambda a: a.planned_outlets),
    Column(gettext_lazy("状态"), lambda a: a.get_status_display()),
    Column(gettext_lazy("提交时间"), lambda a: a.submitted_at),
    Column(gettext_lazy("审批时间"), lambda a: a.decided_at),
]


def _own_bank(user: Any) -> Bank | None:
    for a in assignments_of(user):
        if a.bank_id and a.role == "bank_admin":
            return a.bank
    return None


@list_view(LIST)
@permission_required("cooperation.view")
def bank_application_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.bank_applications_for(request.user), request, LIST)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="bank-applications", title=_("银行合作申请"), columns=COLUMNS, qs=qs
        )
    bank = _own_bank(request.user)
    return render(
        request,
        "cooperation/bank_application_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": BankApplicationStatus.choices,
            "own_bank": bank,
            "own_agreement": selectors.municipal_agreement_of(bank) if bank else None,
        },
    )


@permission_required("cooperation.apply_bank")
def bank_application_create(request: HttpRequest) -> HttpResponse:
    bank = _own_bank(request.user)
    if bank is None:
        messages.error(request, _("只有银行管理员可以提出合作申请。"))
        return redirect("cooperation:bank_application_list")
    form = BankApplicationForm(
        request.POST or None, initial={"contact_name": bank.contact_name, "contact_phone": bank.contact_phone}
    )
    if request.method == "POST" and form.is_valid():
        app = run(
            request,
            lambda: services.bank_application_create(bank=bank, data=form.cleaned_data, by=request.user),
            _("申请已保存为草稿，请核对后提交。"),
            form,
        )
        if app:
            return redirect("cooperation:bank_application_detail", pk=app.pk)
    return render(request, "cooperation/bank_application_form.html", {"form": form, "bank": bank})


@permission_required("cooperation.apply_bank")
def bank_application_edit(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.bank_applications_for(request.user), pk=pk)
    form = BankApplicationForm(request.POST or None, instance=app)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in services.BANK_APP_FIELDS}
        app = selectors.bank_applications_for(request.user).get(pk=pk)
        if run(
            request,
            lambda: services.bank_application_update(application=app, data=data, by=request.user),
            _("申请已保存。"),
            form,
        ):
            return redirect("cooperation:bank_application_detail", pk=pk)
    return render(
        request, "cooperation/bank_application_form.html", {"form": form, "bank": app.bank, "app": app}
    )


@permission_required("cooperation.view")
def bank_application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(selectors.bank_applications_for(request.user), pk=pk)
    agreement = selectors.agreements_for(request.user).filter(bank_application=app).first()
    events = selectors.events_for(request.user).filter(
        object_type="cooperation.bankapplication", object_id=str(app.pk)
    )
    acts, blocked = steps_for(BANK_APPLICATION, app.status, request.user, obj=app, ctx={})
    return render(
        request,
        "cooperation/bank_application_detail.html",
        {
            "app": app,
            "acts": acts,
            "blocked": blocked,
            "waiting": waiting_unless_mine(waiting_for(BANK_APPLICATION, app.status), acts),
            "agreement": agreement,
            "events": events,
            "reason_form": ReasonForm(),
            "opinion_form": OptionalReasonForm(),
        },
    )


STEPS = {
    "submit": (
        lambda app, r, u: services.bank_application_submit(application=app, by=u),
        gettext_lazy("申请已提交。"),
    ),
    "withdraw": (
        lambda app, r, u: services.bank_application_withdraw(application=app, reason=r, by=u),
        gettext_lazy("申请已撤回。"),
    ),
    "return": (
        lambda app, r, u: services.bank_application_return(application=app, reason=r, by=u),
        gettext_lazy("已退回补正。"),
    ),
    "review": (
        lambda app, r, u: services.bank_application_review(application=app, opinion=r, by=u),
        gettext_lazy("审核意见已提交，待市级管理员审批。"),
    ),
    "approve": (
        lambda app, r, u: services.bank_application_approve(application=app, reason=r, by=u),
        gettext_lazy("已批准，市级合作协议已生成。"),
    ),
    "reject": (
        lambda app, r, u: services.bank_application_reject(application=app, reason=r, by=u),
        gettext_lazy("已作出不予批准决定。"),
    ),
}


@require_POST
@permission_required("cooperation.view")
def bank_application_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    app = get_object_or_404(selectors.bank_applications_for(request.user), pk=pk)
    run_step(request, STEPS, action, app)
    return redirect("cooperation:bank_application_detail", pk=pk)
