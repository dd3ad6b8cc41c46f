"""Pages: findings, rectification orders, appraisals (with termination proposals), analysis rules."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters

from . import selectors, services
from .appraisal import appraisal_compute
from .evidence import evidence_of
from .models import Appraisal, Finding, SupervisionSettings
from .workflow import FindingStatus, RectificationStatus

FINDING_SPEC = ListSpec(search_fields=("number", "title", "outlet__name"),
                        filters={"status": "status", "source": "source", **scope_filters("outlet", district="district_id", bank="bank_id")}, order_by=("-found_at", "-id"),
                        sorts={"number": "number", "outlet": "outlet__name", "source": "source", "found": "found_at"})  # fmt: skip
FINDING_COLUMNS = [
    Column(_("编号"), lambda f: f.number), Column(_("网点"), lambda f: f.outlet.name),
    Column(_("来源"), lambda f: f.get_source_display()), Column(_("标题"), lambda f: f.title),
    Column(_("状态"), lambda f: f.get_status_display()), Column(_("发现时间"), lambda f: f.found_at),
]  # fmt: skip


def _guard(request: AuthedRequest, call: Any, ok: str) -> bool:
    try:
        call()
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
    else:
        messages.success(request, ok)
        return True
    return False


@list_view(FINDING_SPEC)
@permission_required("supervision.view_findings")
def finding_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.findings(request.user), request, FINDING_SPEC)
    if request.GET.get("export") == "xlsx":
        return export_response(
            request, filename="findings", title=_("问题发现"), columns=FINDING_COLUMNS, qs=qs
        )
    return render(request, "supervision/finding_list.html", {
        "page_obj": paginate(qs, request), "statuses": FindingStatus.choices, "sources": Finding.Source.choices,
    })  # fmt: skip


@permission_required("supervision.view_findings")
def finding_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    f = get_object_or_404(selectors.findings(request.user), pk=pk)
    if request.method == "POST":
        if not request.user.has_perm("supervision.manage_findings"):
            raise PermissionDenied
        if request.POST.get("action") == "order":
            _guard(request, lambda: services.rectification_order(
                finding=f, requirement=request.POST.get("requirement", ""), by=request.user), _("已下达整改通知。"))  # fmt: skip
        elif request.POST.get("action") == "dismiss":
            _guard(request, lambda: services.finding_dismiss(
                finding=f, reason=request.POST.get("reason", ""), by=request.user), _("已排除。"))  # fmt: skip
        return redirect("supervision:finding_detail", pk=pk)
    return render(request, "supervision/finding_detail.html",
                  {"f": f, "rects": f.rectifications.all(), "evidence": evidence_of(f, request.user)})  # fmt: skip


RECTIFICATION_SPEC = ListSpec(
    search_fields=("finding__title", "outlet__name"),
    filters={"status": "status", **scope_filters("outlet", district="district_id", bank="bank_id")},
    order_by=("-ordered_at", "-id"),
    sorts={"ordered": "ordered_at", "due": "due_date", "outlet": "outlet__name"},
    empty_hint=_("没有符合条件的整改。整改由检查或数据分析发现的问题下达。"),
)


RECTIFICATION_COLUMNS = [
    Column(_("网点"), lambda r: r.outlet.name), Column(_("问题"), lambda r: r.finding.title),
    Column(_("整改要求"), lambda r: r.requirement), Column(_("下达时间"), lambda r: r.ordered_at),
    Column(_("整改期限"), lambda r: r.due_date), Column(_("状态"), lambda r: r.get_status_display()),
]  # fmt: skip


@list_view(RECTIFICATION_SPEC)
@permission_required("supervision.view_findings")
def rectification_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.rectifications(request.user), request, RECTIFICATION_SPEC)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="rectifications", title=_("整改记录"), columns=RECTIFICATION_COLUMNS,
                               qs=qs.select_related("outlet", "finding"))  # fmt: skip
    return render(request, "supervision/rectification_list.html",
                  {"page_obj": paginate(qs, request), "statuses": RectificationStatus.choices})  # fmt: skip


@permission_required("supervision.view_findings")
def rectification_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    r = get_object_or_404(selectors.rectifications(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "answer":
            _guard(request, lambda: services.rectification_answer(
                rectification=r, answer=request.POST.get("answer", ""), evidence=request.FILES.getlist("evidence"),
                by=request.user), _("整改情况已报送。"))  # fmt: skip
        elif action in ("close", "reopen"):
            _guard(request, lambda: services.rectification_verify(
                rectification=r, accept=action == "close", note=request.POST.get("note", ""), by=request.user),
                _("核验结果已记录。"))  # fmt: skip
        return redirect("supervision:rectification_detail", pk=pk)
    rounds = (
        r.round_set.select_related("answered_by", "verified_by").prefetch_related("files").order_by("-number")
    )
    return render(request, "supervision/rectification_detail.html", {
        "r": r, "rounds": rounds, "loose_files": r.evidence.filter(round__isnull=True),
    })  # fmt: skip


APPRAISAL_SPEC = ListSpec(
    search_fields=("outlet__name",),
    filters={
        "year": "year",
        "quarter": "quarter",
        "grade": "grade",
        **scope_filters("outlet", district="district_id", bank="bank_id"),
    },
    order_by=("-year", "-quarter", "rank_city"),
    sorts={
        "period": ("year", "quarter"),
        "outlet": "outlet__name",
        "district": "district__code",
        "score": "score",
        "grade": "grade",
        "rank_district": "rank_district",
        "rank_city": "rank_city",
    },
    empty_hint=_("没有符合条件的考核结果。市级经办机构按季度计算考核后，结果显示在这里。"),
)


APPRAISAL_COLUMNS = [
    Column(_("年度"), lambda a: a.year), Column(_("季度"), lambda a: a.quarter or _("全年")),
    Column(_("网点"), lambda a: a.outlet.name), Column(_("所在区"), lambda a: a.district.name),
    Column(_("银行"), lambda a: a.bank.name), Column(_("总分"), lambda a: a.score),
    Column(_("等级"), lambda a: a.get_grade_display()), Column(_("区内排名"), lambda a: a.rank_district),
    Column(_("全市排名"), lambda a: a.rank_city),
]  # fmt: skip


@list_view(APPRAISAL_SPEC)
@permission_required("supervision.view_appraisals")
def appraisal_list(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        if not request.user.has_perm("supervision.compute_appraisals"):
            raise PermissionDenied
        try:
            year, quarter = int(request.POST.get("year", "")), int(request.POST.get("quarter", "0"))
        except ValueError:
            messages.error(request, _("请填写正确的年度和季度。"))
        else:
            if not (2020 <= year <= 2100 and 0 <= quarter <= 4):
                messages.error(request, _("请填写正确的年度和季度。"))
            elif request.POST.get("action") == "preview":
                return redirect(f"{reverse('supervision:appraisal_preview')}?year={year}&quarter={quarter}")
            else:
                _guard(request, lambda: appraisal_compute(year=year, quarter=quarter, by=request.user),
                       _("考核结果已计算。"))  # fmt: skip
        return redirect("supervision:appraisal_list")
    # Ranked outlets first, by rank; those with too little data (no rank) after them, on every database.
    qs = apply(selectors.appraisals(request.user), request, APPRAISAL_SPEC)
    if not request.list_query.sort:  # type: ignore[attr-defined]  # set by apply
        qs = qs.order_by("-year", "-quarter", F("rank_city").asc(nulls_last=True), "outlet__code", "-pk")
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="appraisals", title=_("考核结果"), columns=APPRAISAL_COLUMNS,
                               qs=qs.select_related("outlet", "district", "bank"))  # fmt: skip
    return render(request, "supervision/appraisal_list.html", {
        "page_obj": paginate(qs, request), "grades": Appraisal.Grade.choices,
        "proposals": selectors.proposals(request.user).filter(status="proposed"),
        "s": SupervisionSettings.current(), "this_year": timezone.localdate().year,
    })  # fmt: skip


@require_POST
@permission_required("supervision.decide_termination")
def proposal_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    p = get_object_or_404(selectors.proposals(request.user), pk=pk)
    reason = request.POST.get("reason", "")
    if request.POST.get("action") == "forward":
        _guard(request, lambda: services.proposal_forward(proposal=p, reason=reason, by=request.user),
               _("已转入终止合作流程。"))  # fmt: skip
    else:
        _guard(request, lambda: services.proposal_dismiss(proposal=p, reason=reason, by=request.user),
               _("已决定不予终止。"))  # fmt: skip
    return redirect("supervision:appraisal_detail", pk=p.appraisal_id)


@permission_required("supervision.view_rules")
def rule_list(request: AuthedRequest) -> HttpResponse:
    import json

    from .rules import PARAM_LABELS, RULES

    rows = []
    for r in selectors.rules(request.user):
        spec = RULES.get(r.code)
        params = {**(spec.params if spec else {}), "window_days": spec.window_days if spec else 1, **r.params}
        shown = [
            (
                k,
                PARAM_LABELS.get(k, k),
                json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v,
            )
            for k, v in params.items()
        ]
        rows.append({"rule": r, "params": shown})
    return render(request, "supervision/rule_list.html", {"rows": rows})
