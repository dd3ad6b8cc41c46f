"""R6.2–R6.4 termination: proposal, confirmation or approval, execution, open items tracked to closure."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate

from .. import selectors, services
from ..forms import OpenItemCloseForm, ReasonForm, TerminationForm
from ..models import Termination
from ..workflow import TERMINATION, OpenItemStatus, TerminationStatus, waiting_for
from .common import form_errors_message, roles_of, run, run_step, steps_for, waiting_unless_mine

LIST = ListSpec(
    search_fields=("outlet__name", "outlet__code", "bank__short_name", "reason"),
    filters={"status": "status", "kind": "kind", "district": "district_id"},
    order_by=("-created_at", "-id"),
    sorts={"kind": "kind", "notice": "notice_date", "effective": "effective_date", "status": "status"},
)
COLUMNS = [
    Column(gettext_lazy("网点"), lambda t: t.outlet.name if t.outlet_id else ""),
    Column(gettext_lazy("银行"), lambda t: t.bank.name),
    Column(gettext_lazy("终止方式"), lambda t: t.get_kind_display()),
    Column(gettext_lazy("单方解除事由"), lambda t: t.get_ground_display() if t.ground else ""),
    Column(gettext_lazy("通知日期"), lambda t: t.notice_date),
    Column(gettext_lazy("生效日期"), lambda t: t.effective_date),
    Column(gettext_lazy("状态"), lambda t: t.get_status_display()),
]


@list_view(LIST)
@permission_required("cooperation.view")
def termination_list(request: HttpRequest) -> HttpResponse:
    from sheyin.institutions.selectors import districts

    qs = apply(selectors.terminations_for(request.user), request, LIST)
    if not request.GET.get("children"):
        qs = qs.filter(parent__isnull=True)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="terminations", title=_("终止合作"), columns=COLUMNS, qs=qs)
    open_items = selectors.open_items_for(request.user).filter(status=OpenItemStatus.OPEN)
    return render(
        request,
        "cooperation/termination_list.html",
        {
            "page_obj": paginate(qs, request),
            "statuses": TerminationStatus.choices,
            "kinds": Termination.Kind.choices,
            "districts": districts(),
            "open_item_count": open_items.count(),
        },
    )


@permission_required("cooperation.propose_termination")
def termination_create(request: HttpRequest, pk: int) -> HttpResponse:
    outlet = get_object_or_404(selectors.lifecycle_outlets_for(request.user), pk=pk)
    form = TerminationForm(
        request.POST or None,
        initial={"notice_date": timezone.localdate(), "effective_date": timezone.localdate()},
    )
    if "bank_admin" in roles_of(request.user) and not roles_of(request.user) & {
        "district_admin",
        "district_officer",
    }:
        form.fields["kind"].choices = [(Termination.Kind.NEGOTIATED, Termination.Kind.NEGOTIATED.label)]  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        t = run(
            request,
            lambda: services.termination_propose(
                outlet=outlet,
                kind=d["kind"],
                ground=d.get("ground") or "",
                reason=d["reason"],
                notice_date=d.get("notice_date"),
                effective_date=d["effective_date"],
                by=request.user,
            ),
            _("终止合作已提出。"),
            form,
        )
        if t:
            return redirect("cooperation:termination_detail", pk=t.pk)
    return render(request, "cooperation/termination_form.html", {"form": form, "o": outlet})


@permission_required("cooperation.view")
def termination_detail(request: HttpRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(selectors.terminations_for(request.user), pk=pk)
    user = request.user
    items = t.open_items.select_related("closed_by").order_by("status", "id")
    roles = roles_of(user)
    my_side_confirmed = (
        bool(t.agency_confirmed_by_id)
        if "district_admin" in roles
        else (bool(t.bank_confirmed_by_id) if "bank_admin" in roles else False)
    )
    preview = None
    if t.outlet_id and t.status in (TerminationStatus.PROPOSED, TerminationStatus.SCHEDULED):
        preview = _grouped(selectors.open_items_preview(t.outlet))
    # the facts the services check: both sides' confirmation is the service's own step, the date and the
    # open items are the record's
    step_ctx = {
        "agency_confirming": True,
        "bank_confirming": True,
        "today": timezone.localdate(),
        "open_items": t.open_items.filter(status=OpenItemStatus.OPEN).count(),
    }
    acts, blocked = steps_for(TERMINATION, t.status, user, obj=t, ctx=step_ctx)
    return render(
        request,
        "cooperation/termination_detail.html",
        {
            "t": t,
            "preview": preview,
            "preview_count": sum(len(rows) for _label, rows in preview) if preview else 0,
            "acts": acts,
            "blocked": blocked,
            "waiting": waiting_unless_mine(waiting_for(TERMINATION, t.status), acts),
            "items": items,
            "children": t.children.select_related("outlet", "district").order_by("outlet__code")
            if not t.outlet_id
            else None,
            "events": selectors.events_for(user).filter(
                object_type="cooperation.termination", object_id=str(t.pk)
            ),
            "reason_form": ReasonForm(),
            "close_form": OpenItemCloseForm(),
            "today": timezone.localdate(),
            "roles": roles,
            "my_side_confirmed": my_side_confirmed,
        },
    )


OPEN_ITEM_KINDS = {
    "case": gettext_lazy("受理中的业务"),
    "archive": gettext_lazy("未完成移交的业务档案"),
    "support_ticket": gettext_lazy("未办结的问题工单"),
    "rectification": gettext_lazy("未销号的整改通知"),
}


def _grouped(rows: list[dict[str, str]]) -> list[tuple[str, list[dict[str, str]]]]:
    """Open items by kind, in the order an approver reads them."""
    groups: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        groups.setdefault(row["kind"], []).append(row)
    order = list(OPEN_ITEM_KINDS) + sorted(k for k in groups if k not in OPEN_ITEM_KINDS)
    return [(str(OPEN_ITEM_KINDS.get(k, _("其他事项"))), groups[k]) for k in order if k in groups]


STEPS = {
    "confirm": (lambda t, r, u: services.termination_confirm(termination=t, by=u), gettext_lazy("已确认。")),
    "approve": (
        lambda t, r, u: services.termination_approve(termination=t, by=u),
        gettext_lazy("单方解除已批准。"),
    ),
    "execute": (
        lambda t, r, u: services.termination_execute(termination=t, by=u),
        gettext_lazy("终止合作已生效。"),
    ),
    "cancel": (
        lambda t, r, u: services.termination_cancel(termination=t, reason=r, by=u),
        gettext_lazy("终止已撤销。"),
    ),
    "refresh": (
        lambda t, r, u: services.open_items_refresh(termination=t, by=u),
        gettext_lazy("未结事项已刷新。"),
    ),
}


@require_POST
@permission_required("cooperation.view")
def termination_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    t = get_object_or_404(selectors.terminations_for(request.user), pk=pk)
    run_step(request, STEPS, action, t)
    return redirect("cooperation:termination_detail", pk=pk)


@require_POST
@permission_required("cooperation.close_open_item")
def open_item_close(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.open_items_for(request.user), pk=pk)
    form = OpenItemCloseForm(request.POST)
    if form.is_valid():
        run(
            request,
            lambda: services.open_item_close(item=item, note=form.cleaned_data["note"], by=request.user),
            _("事项已办结。"),
        )
    else:
        form_errors_message(request, form)
    return redirect("cooperation:termination_detail", pk=item.termination_id)
