"""Pages: bank self-inspection reports (R7.4), consultations with follow-up actions (R7.5), and the
municipal center's settings and analysis-rule parameters."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import assignments_of
from sheyin.catalogue.selectors import proposals_by_action
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.models import Agency, Bank

from . import selectors, services
from .checklists import SELF_INSPECTION_ITEMS, stored_text
from .forms import ActionForm, ConsultationForm, SelfInspectionForm, SettingsForm
from .models import ConsultationAction, SupervisionSettings
from .rules import RULES
from .views import _guard
from .workflow import SelfInspectionStatus


def _checklist(request: AuthedRequest) -> list[dict[str, str]]:
    return [{"item": stored_text(t), "result": request.POST.get(f"result_{n}", ""),
             "note": request.POST.get(f"note_{n}", "").strip()[:300]} for n, t in enumerate(SELF_INSPECTION_ITEMS)]  # fmt: skip


def _checklist_error(items: list[dict[str, str]]) -> str:
    if any(r["result"] not in ("pass", "fail") for r in items):
        return _("每个自查项目须选择“符合”或“不符合”。")
    if any(r["result"] == "fail" and not r["note"] for r in items):
        return _("不符合的项目须说明问题和整改措施。")
    return ""


SELF_INSPECTION_SPEC = ListSpec(
    search_fields=("bank__name", "period"),
    filters={"status": "status"},
    order_by=("-submitted_at", "-id"),
    sorts={"bank": "bank__name", "period": "period", "submitted": "submitted_at", "status": "status"},
)


@list_view(SELF_INSPECTION_SPEC)
@permission_required("supervision.view_self_inspections")
def self_inspection_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.self_inspections(request.user), request, SELF_INSPECTION_SPEC)
    return render(request, "supervision/self_inspection_list.html",
                  {"page_obj": paginate(qs, request), "statuses": SelfInspectionStatus.choices})  # fmt: skip


@permission_required("supervision.self_inspect")
def self_inspection_new(request: AuthedRequest) -> HttpResponse:
    form = SelfInspectionForm(request.POST or None)
    items = [{"item": stored_text(t), "result": "", "note": ""} for t in SELF_INSPECTION_ITEMS]
    error = ""
    if request.method == "POST":
        items = _checklist(request)
        error = _checklist_error(items)
        if form.is_valid() and not error:
            try:
                s = services.self_inspection_submit(results=items, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("自查报告已报送，等待区经办机构审阅。"))
                return redirect("supervision:self_inspection_detail", pk=s.pk)
    return render(
        request, "supervision/self_inspection_form.html", {"form": form, "items": items, "error": error}
    )


@permission_required("supervision.view_self_inspections")
def self_inspection_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    s = get_object_or_404(selectors.self_inspections(request.user), pk=pk)
    error = ""
    form = SelfInspectionForm(initial={"period": s.period, "summary": s.summary})
    items = [{"item": stored_text(t), "result": "", "note": ""} for t in SELF_INSPECTION_ITEMS]
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("accept", "return"):
            if not request.user.has_perm("supervision.review_self_inspection"):
                raise PermissionDenied
            _guard(request, lambda: services.self_inspection_review(
                report=s, accept=action == "accept", note=request.POST.get("note", ""), by=request.user),
                _("审阅结果已记录。"))  # fmt: skip
            return redirect("supervision:self_inspection_detail", pk=pk)
        if action == "resubmit":
            if not request.user.has_perm("supervision.self_inspect"):
                raise PermissionDenied
            items = _checklist(request)
            error = _checklist_error(items)
            if not error:
                try:
                    services.self_inspection_resubmit(report=s, results=items, summary=request.POST.get("summary", ""),
                                                      by=request.user)  # fmt: skip
                except ValidationError as exc:
                    error = "；".join(exc.messages)
                else:
                    messages.success(request, _("自查报告已重新报送。"))
                    return redirect("supervision:self_inspection_detail", pk=pk)
    failed = sum(1 for r in s.results if r.get("result") == "fail")
    return render(request, "supervision/self_inspection_detail.html",
                  {"s": s, "failed": failed, "form": form, "items": items, "error": error})  # fmt: skip


# --- consultations -----------------------------------------------------------------------------------


CONSULTATION_SPEC = ListSpec(
    search_fields=("title", "attendees", "bank__name"), filters={}, order_by=("-held_at", "-id"),
    sorts={"held": "held_at", "title": "title"},
)  # fmt: skip


CONSULTATION_COLUMNS = [
    Column(gettext_lazy("会商时间"), lambda c: c.held_at), Column(gettext_lazy("会商主题"), lambda c: c.title),
    Column(gettext_lazy("组织机构"), lambda c: c.agency.name), Column(gettext_lazy("参会银行"), lambda c: c.bank.name if c.bank else ""),
    Column(gettext_lazy("参会人员"), lambda c: c.attendees), Column(gettext_lazy("议定事项"), lambda c: c.decisions),
]  # fmt: skip


@list_view(CONSULTATION_SPEC)
@permission_required("supervision.view_consultations")
def consultation_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.consultations(request.user), request, CONSULTATION_SPEC)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="consultations", title=_("会商记录"), columns=CONSULTATION_COLUMNS,
                               qs=qs.select_related("agency", "bank"))  # fmt: skip
    return render(request, "supervision/consultation_list.html", {"page_obj": paginate(qs, request)})


@permission_required("supervision.consult")
def consultation_new(request: AuthedRequest) -> HttpResponse:
    form = ConsultationForm(request.POST or None, banks=Bank.objects.order_by("name"))
    actions = [
        ActionForm(request.POST or None, prefix=f"a{n}", use_required_attribute=False) for n in range(3)
    ]
    if request.method == "POST" and form.is_valid():
        # Blank action rows are ignored; a half-filled row is an error on that row.
        filled = [a for a in actions if any(request.POST.get(f"{a.prefix}-{k}") for k in a.fields)]
        if all(a.is_valid() for a in filled):
            agency_id = next((x.agency_id for x in assignments_of(request.user) if x.agency_id), 0)
            try:
                c = services.consultation_record(agency=Agency.objects.filter(pk=agency_id).first(), by=request.user,
                                                 actions=[a.cleaned_data for a in filled], **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc) or _("您没有执行此操作的权限。"))
            else:
                messages.success(request, _("会商记录已保存。"))
                return redirect("supervision:consultation_detail", pk=c.pk)
    return render(request, "supervision/consultation_form.html", {"form": form, "actions": actions})


@permission_required("supervision.view_consultations")
def consultation_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    c = get_object_or_404(selectors.consultations(request.user), pk=pk)
    form = ActionForm(prefix="new")
    if request.method == "POST":
        if not request.user.has_perm("supervision.consult"):
            raise PermissionDenied
        form = ActionForm(request.POST, prefix="new")
        if form.is_valid():
            try:
                services.consultation_action_add(consultation=c, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已添加跟进事项。"))
                return redirect("supervision:consultation_detail", pk=pk)
    actions = list(c.actions.all())
    # a consultation may agree to propose a service for the catalogue (R10.2): each action links its proposal
    proposals = proposals_by_action([a.pk for a in actions])
    for a in actions:
        a.proposal = proposals.get(a.pk)  # type: ignore[attr-defined]
    return render(request, "supervision/consultation_detail.html", {"c": c, "actions": actions, "form": form})


@require_POST
@permission_required("supervision.consult")
def consultation_action_done(request: AuthedRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(ConsultationAction, pk=pk)
    get_object_or_404(selectors.consultations(request.user), pk=a.consultation_id)
    _guard(request, lambda: services.consultation_action_done(action=a, note=request.POST.get("note", ""),
                                                              by=request.user), _("事项已标记为完成。"))  # fmt: skip
    return redirect("supervision:consultation_detail", pk=a.consultation_id)


# --- settings and rules ------------------------------------------------------------------------------


@permission_required("supervision.edit_settings")
def settings_edit(request: AuthedRequest) -> HttpResponse:
    current = SupervisionSettings.current()
    initial = {f: getattr(current, f) for f in services.SETTINGS_FIELDS}
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_settings_update(by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("设置已保存。"))
            return redirect("supervision:settings")
    return render(request, "supervision/settings.html", {"form": form, "s": current})


def _param_value(raw: str, default: Any) -> Any:
    """Coerce a posted parameter to the type of its default (numbers stay numbers)."""
    raw = raw.strip()
    if isinstance(default, bool):
        return raw in ("1", "true", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    if isinstance(default, list | dict):
        return json.loads(raw)
    return raw


@require_POST
@permission_required("supervision.edit_rules")
def rule_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    rule = get_object_or_404(selectors.rules(request.user), pk=pk)
    spec = RULES.get(rule.code)
    defaults = {
        **(spec.params if spec else {}),
        "window_days": spec.window_days if spec else 1,
        **rule.params,
    }
    params: dict[str, Any] = {}
    try:
        for k, default in defaults.items():
            if f"p_{k}" in request.POST:
                params[k] = _param_value(request.POST[f"p_{k}"], default)
    except ValueError:
        messages.error(request, _("参数格式不正确。"))
        return redirect("supervision:rule_list")
    _guard(request, lambda: services.rule_update(rule=rule, enabled=request.POST.get("enabled") == "on",
                                                 params=params, by=request.user), _("规则已更新。"))  # fmt: skip
    return redirect("supervision:rule_list")
