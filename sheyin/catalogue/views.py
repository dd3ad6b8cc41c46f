"""Catalogue pages. Staff: versions, the editor, review, diff, import/export. Public: the catalogue in force,
its history and each item's guide (R5.2, R10.3). Views parse and render; services decide."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sheyin.common.access import permission_required, public
from sheyin.common.db_routing import reads_may_lag
from sheyin.common.forms import apply_errors
from sheyin.common.listing import ListSpec, apply, list_view, paginate

from . import excel, selectors, services, workflow
from .choices import Audience, Category, Channel, Risk
from .diff import diff_versions
from .forms import ImportForm, ItemForm, PublishForm, ReasonForm, SummaryForm, item_initial
from .models import CatalogueVersion, ServiceItem
from .richtext import sanitise
from .workflow import Status

ITEM_LIST = ListSpec(
    search_fields=("code", "name", "materials", "legal_basis"),
    filters={"category": "category", "channel": "channels__contains", "risk": "risk", "audience": "audience"},
    order_by=("code",),
    sorts={"code": "code", "name": "name", "days": "time_limit_days"},
)
# Items listed as the regulation's annex groups them: queries, registration, benefits, cards.
_CATEGORY_ORDER = Case(
    *(When(category=c.value, then=Value(i)) for i, c in enumerate(Category)), default=Value(99)
)
VERSION_LIST = ListSpec(
    search_fields=("summary",),
    filters={"status": "status"},
    order_by=("-number",),
    # the status column shows the version's phase, worked out in Python: not sortable
    sorts={"number": "number", "effective": "effective_from", "items": "item_count"},
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ITEMS_PER_PAGE = 50


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _filters() -> dict[str, Any]:
    return {
        "categories": Category.choices,
        "channels": Channel.choices,
        "risks": Risk.choices,
        "audiences": Audience.choices,
    }


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    resp = HttpResponse(content, content_type=XLSX)
    resp["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


# --- staff: versions ----------------------------------------------------------------------------


@list_view(VERSION_LIST)
@permission_required("catalogue.view")
def version_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.versions_for(request.user), request, VERSION_LIST)
    in_force = selectors.version_in_force()
    now = timezone.now()
    page = paginate(qs, request)
    for v in page:
        v.phase = workflow.phase_of(v, in_force.pk if in_force else None, now)
    return render(
        request,
        "catalogue/version_list.html",
        {
            "page_obj": page,
            "statuses": Status.choices if selectors.sees_drafts(request.user) else [],
            "open_version": selectors.open_version_for(request.user),
            "new_form": SummaryForm(),
            "in_force": in_force,
        },
    )


@permission_required("catalogue.edit")
@require_POST
def version_create(request: HttpRequest) -> HttpResponse:
    form = SummaryForm(request.POST)
    summary = form.cleaned_data["summary"] if form.is_valid() else ""
    try:
        version = services.version_create_draft(by=request.user, summary=summary)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("catalogue:version_list")
    messages.success(request, _("已新建第%(n)s版草稿，内容复制自最新发布的版本。") % {"n": version.number})
    return redirect("catalogue:version_detail", pk=version.pk)


@list_view(ITEM_LIST)
def _detail(request: HttpRequest, version: CatalogueVersion, *, current: bool = False) -> HttpResponse:
    user = request.user
    items = apply(selectors.items_for(user).filter(version=version), request, ITEM_LIST)
    if not request.list_query.sort:  # type: ignore[attr-defined]  # a chosen column wins over the annex order
        items = items.order_by(_CATEGORY_ORDER, "code")
    page = paginate(items, request, per_page=ITEMS_PER_PAGE)
    ctx: dict[str, Any] = {
        "version": version,
        "page_obj": page,
        "can_edit": version.status == Status.DRAFT and user.has_perm("catalogue.edit"),
        **_filters(),
    }
    if getattr(request, "htmx", False):
        return render(request, "catalogue/_item_rows.html", ctx)
    in_force = selectors.version_in_force()
    ctx.update(
        current=current,
        phase=workflow.phase_of(version, in_force.pk if in_force else None, timezone.now()),
        actions=workflow.allowed_actions(version, user),
        can_review=version.status == Status.IN_REVIEW and user.has_perm("catalogue.publish"),
        reviews=selectors.reviews_for(user, version),
        notice=selectors.catalogue_notices().get(version.pk),
        total=version.items.count(),
        summary_form=SummaryForm(initial={"summary": version.summary}),
        discard_form=ReasonForm(),
    )
    if version.status != Status.PUBLISHED and version.based_on_id:
        ctx["pending"] = diff_versions(version.based_on, version)
    if ctx["phase"] == workflow.Phase.IN_FORCE:
        ctx["upcoming"] = (
            selectors.published_versions()
            .filter(effective_from__gt=timezone.now())
            .order_by("effective_from")
            .first()
        )
    return render(request, "catalogue/version_detail.html", ctx)


@permission_required("catalogue.view")
def current(request: HttpRequest) -> HttpResponse:
    version = selectors.version_in_force()
    if version is None:
        return render(request, "catalogue/version_detail.html", {"version": None})
    version = get_object_or_404(selectors.versions_for(request.user), pk=version.pk)
    return _detail(request, version, current=True)


@permission_required("catalogue.view")
def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    return _detail(request, version)


@permission_required("catalogue.edit")
@require_POST
def version_summary(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    form = SummaryForm(request.POST)
    if form.is_valid():
        try:
            services.version_update(version=version, summary=form.cleaned_data["summary"], by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, _("版本说明已保存。"))
    else:
        messages.error(request, _("版本说明最多2000字。"))
    return redirect("catalogue:version_detail", pk=version.pk)


ACTIONS = {
    "submit": (services.version_submit, _("已提交审核，等待市级管理员审核发布。")),
    "withdraw": (services.version_withdraw, _("已撤回，版本回到草稿状态。")),
}


@permission_required("catalogue.edit")
@require_POST
def version_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    try:
        if action == "discard":
            form = ReasonForm(request.POST)
            reason = form.cleaned_data["reason"] if form.is_valid() else ""
            services.version_discard(version=version, reason=reason, by=request.user)
            messages.success(request, _("草稿已作废。"))
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(version=version, by=request.user)
            messages.success(request, str(done))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect("catalogue:version_detail", pk=version.pk)


@permission_required("catalogue.publish")
def version_review(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    publish_form = PublishForm(request.POST if request.POST.get("action") == "publish" else None)
    return_form = ReasonForm(request.POST if request.POST.get("action") == "return" else None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "publish" and publish_form.is_valid():
                services.version_publish(
                    version=version,
                    effective_from=publish_form.cleaned_data["effective_from"],
                    note=publish_form.cleaned_data["note"],
                    by=request.user,
                )
                messages.success(request, _("第%(n)s版已发布，公示已同步发布。") % {"n": version.number})
                return redirect("catalogue:version_detail", pk=version.pk)
            if action == "return" and return_form.is_valid():
                services.version_return(
                    version=version, reason=return_form.cleaned_data["reason"], by=request.user
                )
                messages.success(request, _("已退回修改，退回原因已记录。"))
                return redirect("catalogue:version_detail", pk=version.pk)
        except ValidationError as exc:
            form = publish_form if action == "publish" else return_form
            apply_errors(form, exc)
    maker_problem = None
    if version.status == Status.IN_REVIEW:
        try:
            workflow.check("publish", version, request.user)
        except workflow.TransitionError as exc:
            maker_problem = _error_text(exc)
    return render(
        request,
        "catalogue/review.html",
        {
            "version": version,
            "diff": diff_versions(version.based_on, version),
            "base": version.based_on,
            "publish_form": publish_form,
            "return_form": return_form,
            "maker_problem": maker_problem,
            "reviews": selectors.reviews_for(request.user, version),
            "in_force": selectors.version_in_force(),
        },
    )


@permission_required("catalogue.view")
@reads_may_lag()
def version_export(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    return _xlsx(excel.export_version(version), f"catalogue-v{version.number}.xlsx")


@permission_required("catalogue.edit")
def import_template(request: HttpRequest) -> HttpResponse:
    return _xlsx(excel.template(), "catalogue-import-template.xlsx")


@permission_required("catalogue.edit")
def version_import(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[excel.RowError] = []
    if request.method == "POST" and form.is_valid():
        try:
            content = excel.read_upload(form.cleaned_data["file"])
            result = services.items_import(
                version=version, content=content, mode=form.cleaned_data["mode"], by=request.user
            )
        except services.ImportRejected as exc:
            row_errors = exc.rows
            form.add_error(None, _error_text(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("导入完成：新增%(c)d项、更新%(u)d项、删除%(r)d项。")
                % {"c": result.created, "u": result.updated, "r": result.removed},
            )
            return redirect("catalogue:version_detail", pk=version.pk)
    return render(
        request,
        "catalogue/import.html",
        {
            "version": version,
            "form": form,
            "row_errors": row_errors,
            "editable": version.status == Status.DRAFT,
        },
    )


# --- staff: items -------------------------------------------------------------------------------


@permission_required("catalogue.view")
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.items_for(request.user), pk=pk)
    return render(request, "catalogue/item_detail.html", {"item": item, "version": item.version})


@permission_required("catalogue.edit")
def item_create(request: HttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(selectors.versions_for(request.user), pk=pk)
    form = ItemForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_create(version=version, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("事项已添加。"))
            return redirect("catalogue:version_detail", pk=version.pk)
    return render(request, "catalogue/item_form.html", {"form": form, "version": version})


@permission_required("catalogue.edit")
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.items_for(request.user), pk=pk)
    form = ItemForm(request.POST or None, initial=item_initial(item))
    if request.method == "POST" and form.is_valid():
        try:
            services.item_update(item=item, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("事项已保存。"))
            return redirect("catalogue:version_detail", pk=item.version_id)
    return render(request, "catalogue/item_form.html", {"form": form, "version": item.version, "item": item})


@permission_required("catalogue.edit")
@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.items_for(request.user), pk=pk)
    try:
        services.item_delete(item=item, by=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, _("事项“%(name)s”已从草稿中删除。") % {"name": item.name})
    return redirect("catalogue:version_detail", pk=item.version_id)


@permission_required("catalogue.edit")
@require_POST
def guide_preview(request: HttpRequest) -> HttpResponse:
    return render(
        request, "catalogue/_guide_preview.html", {"html": sanitise(request.POST.get("guide", "")[:40000])}
    )


# --- staff: diff --------------------------------------------------------------------------------


def _pick(versions: Any, value: str | None) -> CatalogueVersion | None:
    if value and value.isdigit():
        return versions.filter(pk=int(value)).first()
    return None


@permission_required("catalogue.view")
def diff(request: HttpRequest) -> HttpResponse:
    versions = selectors.versions_for(request.user).exclude(status=Status.DISCARDED).order_by("-number")
    new = _pick(versions, request.GET.get("b"))
    old = _pick(versions, request.GET.get("a"))
    if new is None and "b" not in request.GET:
        new = versions.first()
    if old is None and new is not None and "a" not in request.GET:
        base = versions.filter(pk=new.based_on_id).first() if new.based_on_id else None
        old = base or versions.filter(number__lt=new.number).first()
    result = diff_versions(old, new) if (old is not None and new is not None) else None
    return render(
        request,
        "catalogue/diff.html",
        {"versions": versions, "old": old, "new": new, "diff": result},
    )


# --- public -------------------------------------------------------------------------------------


def _grouped(items: Any) -> OrderedDict[str, Any]:
    groups: OrderedDict[str, Any] = OrderedDict((c.value, {"label": c.label, "items": []}) for c in Category)
    for item in items:
        groups[item.category]["items"].append(item)
    return OrderedDict((k, g) for k, g in groups.items() if g["items"])


def _public_items(request: HttpRequest, version: CatalogueVersion) -> Any:
    items = version.items.all()
    q = request.GET.get("q", "").strip()[:50]
    if q:
        items = items.filter(name__icontains=q)
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        items = items.filter(channels__contains=channel)
    return items.order_by("code")


@public
def public_catalogue(request: HttpRequest) -> HttpResponse:
    version = selectors.version_in_force()
    upcoming = (
        selectors.published_versions().filter(effective_from__gt=timezone.now()).order_by("effective_from")
    )
    ctx: dict[str, Any] = {"version": version, "upcoming": upcoming.first(), "channels": Channel.choices}
    if version is not None:
        ctx["groups"] = _grouped(_public_items(request, version))
        ctx["notice"] = selectors.catalogue_notices().get(version.pk)
    return render(request, "catalogue/public_catalogue.html", ctx)


@public
def public_version(request: HttpRequest, number: int) -> HttpResponse:
    version = selectors.published_version(number)
    if version is None:
        raise Http404
    in_force = selectors.version_in_force()
    return render(
        request,
        "catalogue/public_catalogue.html",
        {
            "version": version,
            "groups": _grouped(_public_items(request, version)),
            "channels": Channel.choices,
            "phase": workflow.phase_of(version, in_force.pk if in_force else None, timezone.now()),
            "historic": True,
            "notice": selectors.catalogue_notices().get(version.pk),
        },
    )


@public
def public_history(request: HttpRequest) -> HttpResponse:
    in_force = selectors.version_in_force()
    now = timezone.now()
    notices = selectors.catalogue_notices()
    versions = list(selectors.published_versions())
    for v in versions:
        v.phase = workflow.phase_of(v, in_force.pk if in_force else None, now)  # type: ignore[attr-defined]
        v.notice = notices.get(v.pk)  # type: ignore[attr-defined]
    return render(request, "catalogue/public_history.html", {"versions": versions})


@public
def public_item(request: HttpRequest, code: str) -> HttpResponse:
    version = None
    number = request.GET.get("v", "")
    if number.isdigit():
        version = selectors.published_version(int(number))
        if version is None:
            raise Http404
    item: ServiceItem | None = selectors.public_item(code.upper()[:12], version)
    if item is None:
        raise Http404
    in_force = selectors.version_in_force()
    return render(
        request,
        "catalogue/public_item.html",
        {
            "item": item,
            "version": item.version,
            "phase": workflow.phase_of(item.version, in_force.pk if in_force else None, timezone.now()),
        },
    )
