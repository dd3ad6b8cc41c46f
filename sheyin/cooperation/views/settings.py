"""The municipal center's editable defaults: numbers, agreement templates, the Annex 1 checklist."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required

from .. import selectors, services
from ..documents import PLACEHOLDERS
from ..forms import ChecklistItemFormSet, ChecklistMetaForm, SettingsForm, TemplateForm
from ..models import ChecklistTemplate, DocumentTemplate
from ..workflow import ChecklistStatus
from .common import run


@permission_required("cooperation.settings")
def settings_page(request: HttpRequest) -> HttpResponse:
    current = selectors.current_settings()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in form.fields}
        if run(
            request, lambda: services.settings_update(data=data, by=request.user), _("参数已保存。"), form
        ):
            return redirect("cooperation:settings")
    return render(
        request,
        "cooperation/settings.html",
        {
            "form": form,
            "templates": selectors.templates(),
            "checklists": selectors.checklists(),
            "kinds": DocumentTemplate.Kind.choices,
            "draft": ChecklistTemplate.objects.filter(status=ChecklistStatus.DRAFT).first(),
        },
    )


@permission_required("cooperation.settings")
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in DocumentTemplate.Kind.values:
        raise Http404
    current = selectors.current_template(kind)
    form = TemplateForm(
        request.POST or None,
        initial={"title": current.title if current else "", "body": current.body if current else ""},
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        if run(
            request,
            lambda: services.template_save(kind=kind, title=d["title"], body=d["body"], by=request.user),
            _("已保存为新版本并设为现行版本；已生成的协议不受影响。"),
            form,
        ):
            return redirect("cooperation:settings")
    return render(
        request,
        "cooperation/template_form.html",
        {
            "form": form,
            "kind": DocumentTemplate.Kind(kind),
            "current": current,
            "placeholders": PLACEHOLDERS.items(),
            "history": selectors.templates().filter(kind=kind),
        },
    )


@require_POST
@permission_required("cooperation.settings")
def checklist_new(request: HttpRequest) -> HttpResponse:
    draft = run(
        request, lambda: services.checklist_draft_create(by=request.user), _("已新建检查表草稿版本。")
    )
    return redirect("cooperation:checklist_edit", pk=draft.pk) if draft else redirect("cooperation:settings")


@permission_required("cooperation.settings")
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tpl = get_object_or_404(selectors.checklists(), pk=pk)
    editable = tpl.status == ChecklistStatus.DRAFT
    initial = [
        {"code": i.code, "group": i.group, "mode": i.mode, "level": i.level, "text": i.text}
        for i in tpl.items.all()
    ]
    meta = ChecklistMetaForm(request.POST or None, initial={"title": tpl.title, "note": tpl.note})
    formset = ChecklistItemFormSet(request.POST or None, initial=initial, prefix="items")
    if request.method == "POST" and editable and meta.is_valid() and formset.is_valid():
        items = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("code")
        ]
        saved = run(
            request,
            lambda: services.checklist_draft_save(
                template=tpl,
                title=meta.cleaned_data["title"],
                note=meta.cleaned_data["note"],
                items=items,
                by=request.user,
            ),
            _("草稿已保存。"),
            meta,
        )
        if saved and request.POST.get("publish"):
            run(
                request,
                lambda: services.checklist_publish(template=tpl, by=request.user),
                _("已发布为现行版本；此后开始的现场检查使用该版本。"),
            )
        if saved:
            return redirect("cooperation:checklist_edit", pk=pk)
    return render(
        request,
        "cooperation/checklist_form.html",
        {
            "tpl": tpl,
            "meta": meta,
            "formset": formset,
            "editable": editable,
        },
    )
