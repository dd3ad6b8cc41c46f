"""Agreements (Annex 2, Annex 4): signing, PDF, renewal objections, filing (maker–checker), bank-wide end."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.batch import report, run_batch, selected_ids
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.institutions.selectors import districts

from .. import selectors, services
from ..documents import agreement_pdf
from ..forms import AgreementSignForm, BankTerminateForm, DecisionForm, FilingForm, ObjectionForm
from ..models import Agreement, DocumentTemplate
from ..workflow import AgreementStatus, FilingStatus
from .common import form_errors_message, roles_of, run

LIST = ListSpec(
    search_fields=("number", "bank__name", "bank__short_name", "outlet__name", "outlet__code"),
    filters={
        "kind": "kind",
        "status": "status",
        **scope_filters("outlet", district="agency_id", bank="bank_id"),
    },
    order_by=("-created_at", "-id"),
    sorts={
        "number": "number",
        "kind": "kind",
        "end": "end_date",
        "signed": "agency_signed_on",
        "filing_due": "filing_due",
        "created": "created_at",
    },
)
COLUMNS = [
    Column(gettext_lazy("协议编号"), lambda a: a.number),
    Column(gettext_lazy("协议类型"), lambda a: a.get_kind_display()),
    Column(gettext_lazy("银行"), lambda a: a.bank.name),
    Column(gettext_lazy("网点"), lambda a: a.outlet.name if a.outlet_id else ""),
    Column(gettext_lazy("经办机构"), lambda a: a.agency.name),
    Column(gettext_lazy("状态"), lambda a: a.get_status_display()),
    Column(gettext_lazy("生效日期"), lambda a: a.start_date),
    Column(gettext_lazy("到期日期"), lambda a: a.end_date),
    Column(gettext_lazy("备案截止日期"), lambda a: a.filing_due),
    Column(gettext_lazy("已备案"), lambda a: _("是") if getattr(a, "filed", False) else ""),
]


@list_view(LIST)
@permission_required("cooperation.view")
def agreement_list(request: HttpRequest) -> HttpResponse:
    settings = selectors.current_settings()
    qs = apply(selectors.agreements_for(request.user), request, LIST)
    if request.GET.get("expiring"):
        qs = selectors.expiring(qs, settings.expiry_warning_days)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="agreements", title=_("合作协议"), columns=COLUMNS, qs=qs)
    today = timezone.localdate()
    return render(
        request,
        "cooperation/agreement_list.html",
        {
            "page_obj": paginate(qs, request),
            "kinds": DocumentTemplate.Kind.choices,
            "statuses": AgreementStatus.choices,
            "warn_before": today + dt.timedelta(days=settings.expiry_warning_days),
            "today": today,
            "districts": districts(),
        },
    )


@list_view(LIST)
@permission_required("cooperation.view")
def filing_list(request: HttpRequest) -> HttpResponse:
    """Signed district agreements with their filing deadline (10 working days by default) and status."""
    today = timezone.localdate()
    can_check = request.user.has_perm("cooperation.check_filing")
    if request.method == "POST" and request.POST.get("batch") in ("approve", "reject"):
        # Batch check: each ticked filing through filing_check (maker-checker, scope, audit per filing).
        if not can_check:
            raise PermissionDenied
        approve = request.POST["batch"] == "approve"
        result = run_batch(
            selected_ids(request),
            selectors.filings_for(request.user).filter(status=FilingStatus.SUBMITTED),
            lambda f: services.filing_check(
                filing=f, approve=approve, reason=request.POST.get("note", ""), by=request.user
            ),
            label=lambda f: f.agreement.number,
        )
        report(request, result, _("通过") if approve else _("退回"))
        return redirect(request.get_full_path())
    qs = apply(selectors.filing_queue_for(request.user), request, LIST)
    state = request.GET.get("state", "")
    if state == "pending":
        qs = selectors.filing_pending(qs)
    elif state == "unfiled":
        qs = selectors.not_filed(qs)
    if request.GET.get("overdue"):
        qs = selectors.overdue_filings(qs, today)
    page = paginate(qs, request)
    rows = [
        (a, selectors.filing_overdue(a, today), a.filings.order_by("-submitted_at").first()) for a in page
    ]
    return render(
        request,
        "cooperation/filing_list.html",
        {
            "page_obj": page,
            "rows": rows,
            "today": today,
            "overdue_count": selectors.overdue_filings(
                selectors.filing_queue_for(request.user), today
            ).count(),
            "pending_count": selectors.filing_pending(selectors.filing_queue_for(request.user)).count(),
            "batch_check": can_check and any(f and f.status == FilingStatus.SUBMITTED for _a, _o, f in rows),
            "batch_actions": [
                ("approve", _("批量通过"), "success"),
                ("reject", _("批量退回"), "outline-danger"),
            ],
            "batch_reason": _("审核意见（退回必填）"),
        },
    )


@permission_required("cooperation.view")
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    ag = get_object_or_404(selectors.agreements_for(request.user), pk=pk)
    user = request.user
    settings = selectors.current_settings()
    filings = list(ag.filings.select_related("submitted_by", "checked_by").order_by("-submitted_at"))
    live_filing = next(
        (f for f in filings if f.status in (FilingStatus.SUBMITTED, FilingStatus.APPROVED)), None
    )
    sign_perm = (
        "cooperation.sign_municipal" if ag.kind == Agreement.Kind.MUNICIPAL else "cooperation.sign_district"
    )
    today = timezone.localdate()
    objection_deadline = (
        ag.end_date - dt.timedelta(days=settings.renewal_objection_days) if ag.end_date else None
    )
    return render(
        request,
        "cooperation/agreement_detail.html",
        {
            "ag": ag,
            "filings": filings,
            "live_filing": live_filing,
            "renewals": ag.renewals.all(),
            "objections": ag.objections.select_related("recorded_by", "withdrawn_by"),
            "my_party": selectors.renewal_party_of(user, ag),
            "can_sign": ag.status == AgreementStatus.DRAFT and user.has_perm(sign_perm),
            "sign_form": AgreementSignForm(initial={"agency_signed_on": today, "bank_signed_on": today}),
            "can_file": ag.kind == Agreement.Kind.DISTRICT
            and ag.status == AgreementStatus.ACTIVE
            and live_filing is None
            and user.has_perm("cooperation.submit_filing"),
            "filing_form": FilingForm(),
            "decision_form": DecisionForm(),
            "can_check": live_filing is not None
            and live_filing.status == FilingStatus.SUBMITTED
            and user.has_perm("cooperation.check_filing"),
            "own_filing": live_filing is not None and live_filing.submitted_by_id == user.pk,
            "overdue": selectors.filing_overdue(ag, today),
            "can_object": ag.status == AgreementStatus.ACTIVE
            and user.has_perm("cooperation.object_renewal")
            and objection_deadline is not None
            and today <= objection_deadline,
            "objection_deadline": objection_deadline,
            "objection_form": ObjectionForm(),
            "can_end_bank": ag.kind == Agreement.Kind.MUNICIPAL
            and ag.status == AgreementStatus.ACTIVE
            and user.has_perm("cooperation.terminate_bank"),
            "plaque": ag.plaques.order_by("-issued_on").first() if ag.outlet_id else None,
            "terminations": selectors.terminations_for(user).filter(agreement=ag),
            "settings": settings,
            "roles": roles_of(user),
        },
    )


@permission_required("cooperation.view")
def agreement_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    ag = get_object_or_404(selectors.agreements_for(request.user), pk=pk)
    resp = HttpResponse(agreement_pdf(ag), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="{ag.number}.pdf"'
    return resp


@require_POST
@permission_required("cooperation.view")
def agreement_sign(request: HttpRequest, pk: int) -> HttpResponse:
    ag = get_object_or_404(selectors.agreements_for(request.user), pk=pk)
    form = AgreementSignForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        run(
            request,
            lambda: services.agreement_sign(
                agreement=ag,
                bank_signed_on=d["bank_signed_on"],
                agency_signed_on=d["agency_signed_on"],
                start_date=d.get("start_date"),
                by=request.user,
            ),
            _("签署已登记，协议生效。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:agreement_detail", pk=pk)


@require_POST
@permission_required("cooperation.object_renewal")
def agreement_object(request: HttpRequest, pk: int) -> HttpResponse:
    ag = get_object_or_404(selectors.agreements_for(request.user), pk=pk)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.agreement_object(
                agreement=ag, party="", reason=form.cleaned_data["reason"], by=request.user
            ),
            _("不续期异议已登记：协议期满后将不再自动续期。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:agreement_detail", pk=pk)


@require_POST
@permission_required("cooperation.object_renewal")
def objection_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    o = get_object_or_404(selectors.objections_for(request.user), pk=pk)
    run(
        request,
        lambda: services.renewal_objection_withdraw(
            objection=o, reason=request.POST.get("reason", ""), by=request.user
        ),
        _("不续期异议已撤回。"),
    )
    return redirect("cooperation:agreement_detail", pk=o.agreement_id)


@require_POST
@permission_required("cooperation.submit_filing")
def filing_submit(request: HttpRequest, pk: int) -> HttpResponse:
    ag = get_object_or_404(selectors.agreements_for(request.user), pk=pk)
    form = FilingForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.filing_submit(agreement=ag, note=form.cleaned_data["note"], by=request.user),
            _("已报送市级备案，待审核。"),
        )
    return redirect("cooperation:agreement_detail", pk=pk)


@require_POST
@permission_required("cooperation.check_filing")
def filing_check(request: HttpRequest, pk: int) -> HttpResponse:
    filing = get_object_or_404(selectors.filings_for(request.user), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        run(
            request,
            lambda: services.filing_check(
                filing=filing, approve=approve, reason=form.cleaned_data["reason"], by=request.user
            ),
            _("备案已通过。") if approve else _("备案已退回。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:agreement_detail", pk=filing.agreement_id)


@permission_required("cooperation.terminate_bank")
def bank_terminate(request: HttpRequest, pk: int) -> HttpResponse:
    """Ending a bank's municipal agreement: a preview of every outlet it ends, then a confirmation."""
    ag = get_object_or_404(
        selectors.agreements_for(request.user).filter(kind=Agreement.Kind.MUNICIPAL), pk=pk
    )
    preview = selectors.bank_termination_preview(ag)
    form = BankTerminateForm(
        request.POST or None,
        initial={"confirm_count": preview["count"], "effective_date": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        parent = run(
            request,
            lambda: services.bank_agreement_terminate(
                agreement=ag,
                reason=d["reason"],
                effective_date=d["effective_date"],
                confirm_count=d["confirm_count"],
                by=request.user,
            ),
            _("银行合作终止已登记。"),
            form,
        )
        if parent:
            return redirect("cooperation:termination_detail", pk=parent.pk)
    elif request.method == "POST":
        messages.error(request, _("请核对网点清单并勾选确认。"))
    return render(request, "cooperation/bank_terminate.html", {"ag": ag, "preview": preview, "form": form})
