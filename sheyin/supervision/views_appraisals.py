"""Pages: an appraisal's detail (indicators with their data, weights applied, 数据不足), the preview of a
running or ended period, and the formal talks (约谈) with their follow-up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import covers
from sheyin.common.access import permission_required
from sheyin.common.forms import apply_errors
from sheyin.common.listing import ListSpec, apply, list_view, paginate

from . import selectors
from .appraisal import (
    FIGURES,
    INDICATORS,
    appraisal_preview,
    formal_talk_follow_up,
    formal_talk_record,
    period_bounds,
    period_ended,
)
from .forms import TalkFollowUpForm, TalkRecordForm
from .models import Appraisal, FormalTalk, SupervisionSettings, period_name
from .workflow import TALK_TRANSITIONS, TalkStatus, allowed


def indicator_rows(a: Appraisal) -> list[dict[str, Any]]:
    """Each indicator with its score (or no data), its configured and applied weight."""
    configured = SupervisionSettings.current().weights
    return [{"label": label, "value": a.components.get(key), "configured": configured.get(key, 0),
             "applied": (a.weights or {}).get(key)} for key, label in INDICATORS]  # fmt: skip


def figure_rows(a: Appraisal) -> list[tuple[Any, Any]]:
    return [(label, (a.figures or {}).get(key, "—")) for key, label in FIGURES]


@permission_required("supervision.view_appraisals")
def appraisal_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(selectors.appraisals(request.user), pk=pk)
    talk = selectors.talks(request.user).filter(appraisal=a).first()
    proposal = selectors.proposals(request.user).filter(appraisal=a).first()
    findings = selectors.findings(request.user).filter(source="appraisal", evidence__appraisal_id=a.pk)
    return render(request, "supervision/appraisal_detail.html", {
        "a": a, "indicators": indicator_rows(a), "figures": figure_rows(a), "talk": talk, "proposal": proposal,
        "findings": findings, "s": SupervisionSettings.current(),
    })  # fmt: skip


def _period(request: AuthedRequest) -> tuple[int, int] | None:
    try:
        year, quarter = int(request.GET.get("year", "")), int(request.GET.get("quarter", "0"))
    except ValueError:
        return None
    return (year, quarter) if 2020 <= year <= 2100 and 0 <= quarter <= 4 else None


@permission_required("supervision.compute_appraisals")
def appraisal_preview_view(request: AuthedRequest) -> HttpResponse:
    """What the appraisal would say now; never stored, so it grades nobody."""
    period = _period(request)
    if period is None:
        messages.error(request, _("请填写正确的年度和季度。"))
        return redirect("supervision:appraisal_list")
    year, quarter = period
    try:
        rows = appraisal_preview(year=year, quarter=quarter, by=request.user)
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
        return redirect("supervision:appraisal_list")
    mine = [a for a in rows if covers(request.user, a)]
    mine.sort(key=lambda a: (a.rank_city is None, a.rank_city or 0, a.outlet.code))
    grade = request.GET.get("grade", "")
    if grade in Appraisal.Grade.values:
        mine = [a for a in mine if a.grade == grade]
    start, end = period_bounds(year, quarter)
    return render(request, "supervision/appraisal_preview.html", {
        "page_obj": Paginator(mine, 50).get_page(request.GET.get("page")), "period": period_name(year, quarter),
        "year": year, "quarter": quarter, "start": start, "end": end, "ended": period_ended(year, quarter),
        "today": timezone.localdate(), "grades": Appraisal.Grade.choices,
        "counts": {g: sum(1 for a in mine if a.grade == g) for g in Appraisal.Grade.values},
    })  # fmt: skip


TALK_SPEC = ListSpec(search_fields=("outlet__name", "bank__name"), filters={"status": "status"},
                     order_by=("status", "-scheduled_date", "-id"),
                     # date: the date set for the talk (a held talk shows the day it was held, mostly the same)
                     sorts={"outlet": "outlet__name", "period": ("appraisal__year", "appraisal__quarter"),
                            "date": "scheduled_date", "due": "commitment_due", "status": "status"})  # fmt: skip


@list_view(TALK_SPEC)
@permission_required("supervision.view_appraisals")
def talk_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.talks(request.user), request, TALK_SPEC)
    return render(request, "supervision/talk_list.html",
                  {"page_obj": paginate(qs, request), "statuses": TalkStatus.choices})  # fmt: skip


@permission_required("supervision.view_appraisals")
def talk_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    t: FormalTalk = get_object_or_404(selectors.talks(request.user), pk=pk)
    can = (
        allowed(TALK_TRANSITIONS, t.status, request.user)
        if request.user.has_perm("supervision.formal_talk")
        else set()
    )
    action = request.POST.get("action") if request.method == "POST" else None
    record_form = TalkRecordForm(request.POST if action == "record" else None,
                                 initial={"held_at": timezone.localtime().replace(second=0, microsecond=0)})  # fmt: skip
    follow_form = TalkFollowUpForm(request.POST if action == "follow_up" else None)
    if action:
        if action not in can:
            raise PermissionDenied
        form = record_form if action == "record" else follow_form
        if form.is_valid():
            try:
                if action == "record":
                    formal_talk_record(talk=t, by=request.user, **form.cleaned_data)
                else:
                    formal_talk_follow_up(talk=t, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request, _("约谈记录已保存。") if action == "record" else _("跟踪落实情况已记录。")
                )
                return redirect("supervision:talk_detail", pk=pk)
    return render(request, "supervision/talk_detail.html",
                  {"t": t, "a": t.appraisal, "can": can, "record_form": record_form, "follow_form": follow_form})  # fmt: skip
