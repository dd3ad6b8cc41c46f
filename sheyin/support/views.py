"""Pages: tickets (list, raise, detail with answers), remote guidance, the FAQ, the district's contacts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.common.access import permission_required
from sheyin.common.batch import report, run_batch, selected_ids
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.institutions.models import Agency, Outlet

from . import selectors, services
from .forms import (
    BodyForm,
    CloseForm,
    ContactForm,
    FaqForm,
    GuidanceForm,
    ReasonForm,
    SettingsForm,
    TicketForm,
    TicketGuidanceForm,
)
from .models import Category, GuidanceSession, SupportSettings, TicketAttachment
from .workflow import TicketStatus, may_close

TICKET_SPEC = ListSpec(
    search_fields=("number", "title", "description", "outlet__name"),
    filters={
        "status": "status",
        "category": "category",
        "escalation": "escalation",
        **scope_filters("outlet", district="district_id", bank="bank_id"),
    },
    order_by=("-raised_at", "-id"),
    sorts={
        "raised": "raised_at",
        "reply_due": "reply_due",
        "close_due": "close_due",
        "number": "number",
        "outlet": "outlet__name",
        "category": "category",
    },
    empty_hint=_("没有符合条件的问题工单。可放宽查询条件；网点遇到问题时通过“提出问题”提出。"),
)
TICKET_COLUMNS = [
    Column(_("工单号"), lambda t: t.number), Column(_("网点"), lambda t: t.outlet.name),
    Column(_("类别"), lambda t: t.get_category_display()), Column(_("标题"), lambda t: t.title),
    Column(_("状态"), lambda t: t.get_status_display()), Column(_("提出时间"), lambda t: t.raised_at),
    Column(_("答复期限"), lambda t: t.reply_due), Column(_("办结期限"), lambda t: t.close_due),
    Column(_("升级"), lambda t: t.get_escalation_display()),
]  # fmt: skip


def _error(request: AuthedRequest, exc: ValidationError) -> None:
    for msg in exc.messages:
        messages.error(request, msg)


@list_view(TICKET_SPEC)
@permission_required("support.view")
def ticket_list(request: AuthedRequest) -> HttpResponse:
    can_assign = request.user.has_perm("support.assign")
    if request.method == "POST" and request.POST.get("batch") == "assign":
        # Batch assignment: each ticked ticket through ticket_assign (scope, permission, audit per ticket).
        if not can_assign:
            raise PermissionDenied
        assignee = selectors.assignees_for(request.user).filter(pk=request.POST.get("target") or 0).first()
        if assignee is None:
            messages.error(request, _("请选择指派给谁。"))
        else:
            result = run_batch(selected_ids(request), selectors.tickets(request.user),
                               lambda t: services.ticket_assign(ticket=t, assignee=assignee, by=request.user),
                               label=lambda t: t.number)  # fmt: skip
            report(request, result, _("指派"))
        return redirect(request.get_full_path())
    qs = apply(selectors.tickets(request.user), request, TICKET_SPEC)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="tickets", title=_("问题工单"), columns=TICKET_COLUMNS,
                               qs=qs.select_related("outlet"))  # fmt: skip
    ctx: dict[str, Any] = {
        "page_obj": paginate(qs.select_related("outlet", "assignee"), request),
        "statuses": TicketStatus.choices, "categories": Category.choices,
    }  # fmt: skip
    if can_assign:
        ctx.update({
            "batch_assign": True, "batch_actions": [("assign", _("批量指派"), "primary")],
            "batch_choices": [(u.pk, u.display_name or u.username) for u in selectors.assignees_for(request.user)],
            "batch_choices_label": _("指派给"),
        })  # fmt: skip
    return render(request, "support/ticket_list.html", ctx)


@permission_required("support.raise")
def ticket_new(request: AuthedRequest) -> HttpResponse:
    form = TicketForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            t = services.ticket_raise(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("问题已提交，区经办机构联系人将在期限内答复。"))
            return redirect("support:ticket_detail", pk=t.pk)
    return render(request, "support/ticket_new.html", {"form": form})


@permission_required("support.view")
def ticket_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    t = get_object_or_404(selectors.tickets(request.user), pk=pk)
    ctx: dict[str, Any] = {
        "t": t, "messages_list": t.messages.select_related("author"), "attachments": t.attachments.all(),
        "sessions": t.sessions.all(), "reply_form": BodyForm(prefix="reply"), "follow_form": BodyForm(prefix="follow"),
        "close_form": CloseForm(), "reopen_form": ReasonForm(),
        "faq_form": FaqForm(initial={"question": t.title, "answer": t.resolution}),
        "has_faq": t.faq_entries.exists(), "can_close": may_close(t, request.user),
        "faq_entries": t.faq_entries.filter(published=True),
        "guide_form": TicketGuidanceForm(prefix="guide") if request.user.has_perm("support.log_guidance") else None,
    }  # fmt: skip
    return render(request, "support/ticket_detail.html", ctx)


@require_POST
@permission_required("support.log_guidance")
def ticket_guidance(request: AuthedRequest, pk: int) -> HttpResponse:
    """The district records the remote guidance it gave for this ticket (R9.2, R10.2: districts guide outlets)."""
    return _act(request, pk, TicketGuidanceForm,
                lambda t, d: services.guidance_log(outlet=t.outlet, ticket=t, by=request.user, **d),
                _("远程指导已登记。"), prefix="guide")  # fmt: skip


def _act(
    request: AuthedRequest, pk: int, form_cls: Any, call: Any, ok: str, prefix: str | None = None
) -> Any:
    t = get_object_or_404(selectors.tickets(request.user), pk=pk)
    form = form_cls(request.POST, request.FILES or None, prefix=prefix)
    if not form.is_valid():
        for errs in form.errors.values():
            for e in errs:
                messages.error(request, e)
        return redirect("support:ticket_detail", pk=pk)
    try:
        call(t, form.cleaned_data)
    except ValidationError as exc:
        _error(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
    else:
        messages.success(request, ok)
    return redirect("support:ticket_detail", pk=pk)


@require_POST
@permission_required("support.answer")
def ticket_reply(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, BodyForm, lambda t, d: services.ticket_reply(ticket=t, body=d["body"], by=request.user),
                _("已答复。"), prefix="reply")  # fmt: skip


@require_POST
@permission_required("support.raise")
def ticket_follow_up(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, BodyForm,
                lambda t, d: services.ticket_follow_up(ticket=t, body=d["body"], by=request.user),
                _("已补充说明。"), prefix="follow")  # fmt: skip


@require_POST
@permission_required("support.view")
def ticket_close(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, CloseForm,
                lambda t, d: services.ticket_close(ticket=t, resolution=d["resolution"], by=request.user),
                _("工单已办结。"))  # fmt: skip


@require_POST
@permission_required("support.raise")
def ticket_reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, ReasonForm,
                lambda t, d: services.ticket_reopen(ticket=t, reason=d["reason"], by=request.user),
                _("工单已重新打开。"))  # fmt: skip


@require_POST
@permission_required("support.publish_faq")
def ticket_faq(request: AuthedRequest, pk: int) -> HttpResponse:
    return _act(request, pk, FaqForm, lambda t, d: services.faq_publish(ticket=t, by=request.user, **d),
                _("已整理为常见问题。"))  # fmt: skip


@permission_required("support.view")
def attachment(request: AuthedRequest, pk: int) -> HttpResponseBase:
    a = get_object_or_404(TicketAttachment.objects.filter(ticket__in=selectors.tickets(request.user)), pk=pk)
    return FileResponse(a.file.open("rb"), filename=a.name, as_attachment=a.kind == "pdf")


GUIDANCE_SPEC = ListSpec(
    search_fields=("topic", "note", "outlet__name"),
    filters={"outcome": "outcome"},
    order_by=("-held_at", "-id"),
    sorts={
        "held": "held_at",
        "outlet": "outlet__name",
        "topic": "topic",
        "minutes": "duration_minutes",
        "outcome": "outcome",
    },
)


@list_view(GUIDANCE_SPEC)
@permission_required("support.view")
def guidance_list(request: AuthedRequest) -> HttpResponse:
    outlets = scoped(Outlet.objects.all(), request.user)
    form = None
    if request.user.has_perm("support.log_guidance"):
        form = GuidanceForm(request.POST or None, outlets=outlets)
        if request.method == "POST" and form.is_valid():
            try:
                services.guidance_log(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("远程指导已登记。"))
                return redirect("support:guidance_list")
    qs = apply(selectors.guidance_sessions(request.user), request, GUIDANCE_SPEC)
    ticket = None
    raw = request.GET.get("ticket", "")
    if (
        raw.isdigit() and len(raw) < 10
    ):  # the guidance given for one ticket (linked from the ticket and the FAQ)
        ticket = selectors.tickets(request.user).filter(pk=int(raw)).first()
        qs = qs.filter(ticket=ticket) if ticket else qs.none()
    return render(request, "support/guidance_list.html", {
        "page_obj": paginate(qs, request), "form": form, "outcomes": GuidanceSession.Outcome.choices,
        "ticket": ticket, "visible_tickets": set(selectors.tickets(request.user).filter(
            pk__in=[s.ticket_id for s in qs[:200] if s.ticket_id]).values_list("pk", flat=True)),
    })  # fmt: skip


@permission_required("support.view")
def faq(request: AuthedRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    qs = selectors.faq(request.user, q=q, category=request.GET.get("category", ""))
    page = paginate(qs, request)
    # The district's guidance behind each answer: the remote guidance given on its source ticket (as far as
    # the reader may see it) and the ticket itself.
    sources = [e.source_id for e in page if e.source_id]
    sessions: dict[int, list[GuidanceSession]] = {}
    for s in selectors.guidance_sessions(request.user).filter(ticket_id__in=sources).order_by("held_at"):
        sessions.setdefault(s.ticket_id or 0, []).append(s)
    visible = set(selectors.tickets(request.user).filter(pk__in=sources).values_list("pk", flat=True))
    rows = [(e, sessions.get(e.source_id or 0, []), e.source_id in visible) for e in page]
    return render(
        request, "support/faq.html", {"page_obj": page, "rows": rows, "categories": Category.choices}
    )


@permission_required("support.answer")
def contact_list(request: AuthedRequest) -> HttpResponse:
    district_ids = [a.agency_id for a in assignments_of(request.user) if a.agency_id]
    district = Agency.objects.filter(pk__in=district_ids, level=Agency.Level.DISTRICT).first()
    form = None
    if district is not None and request.user.has_perm("support.manage_contacts"):
        users = (
            get_user_model()
            .objects.filter(
                is_active=True, assignments__agency=district, assignments__role__in=selectors.DISTRICT_ROLES
            )
            .distinct()
        )
        form = ContactForm(request.POST or None, users=users)
        if request.method == "POST" and form.is_valid():
            try:
                services.contact_set(district=district, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("联系人已设置。"))
                return redirect("support:contact_list")
    return render(
        request, "support/contact_list.html", {"contacts": selectors.contacts(request.user), "form": form}
    )


@permission_required("support.edit_settings")
def settings_edit(request: AuthedRequest) -> HttpResponse:
    """The municipal center edits the reply and closing deadlines (audited by the service)."""
    current = SupportSettings.current()
    form = SettingsForm(request.POST or None, initial={"reply_working_days": current.reply_working_days,
                                                       "close_working_days": current.close_working_days})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("设置已保存。"))
            return redirect("support:settings")
    return render(request, "support/settings.html", {"form": form, "s": current})
