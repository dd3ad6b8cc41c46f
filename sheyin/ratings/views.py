"""好差评 pages (R9.5): the public rating page (mobile first), bad-review handling, statistics and ranking,
settings, and the public statistics page. Views only shape input and output; the services decide."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required, public
from sheyin.common.counters import bump
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.common.net import client_address
from sheyin.institutions import selectors as inst

from . import selectors, services, statistics
from .forms import (
    AppealDecisionForm,
    CallBackForm,
    NoteForm,
    OutcomeForm,
    RatingForm,
    ReasonForm,
    RectifyForm,
    SettingsForm,
)
from .models import BadReviewCase, Level, RatingSettings
from .workflow import FINISHED, BadReviewStatus, allowed_actions


def _address(request: HttpRequest) -> str:
    return client_address(request)


def _rate_limited(request: HttpRequest, kind: str = "submit") -> bool:
    """A fixed one-minute window per hashed client address (the cache is shared by every worker). Submits
    and look-ups of unknown codes are counted apart: guessing codes is slowed, rating is not."""
    limit = RatingSettings.load().rate_limit_per_minute
    key = f"ratings:rl:{kind}:{services.client_hash(_address(request))}:{int(time.time() // 60)}"
    return bump([key], 90)[0][0] > limit


# --- Public rating -------------------------------------------------------------------------------
@public
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """Every paper's QR code lands here (receipt, terminal printout, online self-service slip), and so does
    a 评价码 typed at /rate/."""
    row = services.rating_token_resolve(token)
    if row is None:
        if _rate_limited(request, "unknown"):
            return render(request, "ratings/rate_limited.html", {"lookup": True}, status=429)
        return render(request, "ratings/rate_unknown.html", status=404)
    ctx: dict[str, Any] = {
        "outlet_name": row.outlet.name,
        "item_name": row.case.item_name if row.case else row.guided.service_name if row.guided else "",
        "channel": row.get_channel_display(),
        "terminal": row.channel == "T",
        "code": row.code_display,
    }
    if row.used_at is not None:
        return render(request, "ratings/rate_used.html", ctx)
    form = RatingForm(request.POST or None)
    if request.method == "POST":
        if _rate_limited(request):
            return render(request, "ratings/rate_limited.html", ctx, status=429)
        if form.is_valid():
            try:
                services.rating_submit(token=token, data=form.cleaned_data, client_address=_address(request))
            except services.AlreadyRated:
                return render(request, "ratings/rate_used.html", ctx)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("rate:done")
    ctx.update(form=form, indicators=[form["efficiency"], form["skill"], form["attitude"]])
    return render(request, "ratings/rate.html", ctx)


@public
def rate_done(request: HttpRequest) -> HttpResponse:
    return render(request, "ratings/rate_done.html")


# --- Staff: ratings ------------------------------------------------------------------------------
RATING_LIST = ListSpec(
    search_fields=("outlet__name", "item_name", "comment"),
    filters={
        "level": "level",
        "channel": "channel",
        **scope_filters("outlet", district="district_id", bank="bank_id"),
    },
    order_by=("-created_at", "-id"),
    sorts={"created": "created_at", "outlet": "outlet__name", "channel": "channel", "level": "level"},
)
RATING_COLUMNS = [
    Column(gettext_lazy("评价时间"), lambda r: r.created_at),
    Column(gettext_lazy("网点"), lambda r: r.outlet.name),
    Column(gettext_lazy("所在区"), lambda r: r.district.name),
    Column(gettext_lazy("银行"), lambda r: r.bank.short_name),
    Column(gettext_lazy("服务渠道"), lambda r: r.get_channel_display()),
    Column(gettext_lazy("服务事项"), lambda r: r.item_name),
    Column(gettext_lazy("整体满意度"), lambda r: r.get_level_display()),
    Column(gettext_lazy("服务效率"), lambda r: r.efficiency),
    Column(gettext_lazy("服务水平"), lambda r: r.skill),
    Column(gettext_lazy("服务态度"), lambda r: r.attitude),
    Column(gettext_lazy("实名"), lambda r: _("是") if r.real_name else _("否")),
    Column(gettext_lazy("评价内容"), lambda r: r.comment),
]


def _filter_options() -> dict[str, Any]:
    from sheyin.institutions.models import Bank

    return {"districts": inst.districts(), "banks": Bank.objects.order_by("short_name")}


@list_view(RATING_LIST)
@permission_required("ratings.view")
def rating_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.ratings_for(request.user), request, RATING_LIST)
    if request.GET.get("export") == "xlsx" and request.user.has_perm("ratings.export"):
        return export_response(
            request, filename="ratings", title=_("评价明细"), columns=RATING_COLUMNS, qs=qs
        )
    return render(request, "ratings/rating_list.html", {
        "page_obj": paginate(qs, request), "levels": Level.choices, **_filter_options(),
    })  # fmt: skip


# --- Staff: bad-review handling ------------------------------------------------------------------
BAD_LIST = ListSpec(
    search_fields=("outlet__name", "rating__comment", "rating__item_name"),
    filters={"status": "status", **scope_filters("outlet", district="district_id", bank="bank_id")},
    order_by=("due_date", "-id"),
    sorts={"due": "due_date", "opened": "opened_at", "outlet": "outlet__name", "district": "district__code"},
)
BAD_COLUMNS = [
    Column(gettext_lazy("产生时间"), lambda b: b.opened_at),
    Column(gettext_lazy("网点"), lambda b: b.outlet.name),
    Column(gettext_lazy("所在区"), lambda b: b.district.name),
    Column(gettext_lazy("评价等级"), lambda b: b.rating.get_level_display()),
    Column(gettext_lazy("评价内容"), lambda b: b.rating.comment),
    Column(gettext_lazy("实名"), lambda b: _("是") if b.rating.real_name else _("否")),
    Column(gettext_lazy("整改期限"), lambda b: b.due_date),
    Column(gettext_lazy("状态"), lambda b: b.get_status_display()),
    Column(gettext_lazy("逾期"), lambda b: _("是") if b.overdue else ""),
    Column(gettext_lazy("处理结果"), lambda b: b.outcome),
]


@list_view(BAD_LIST)
@permission_required("ratings.view_bad_reviews")
def bad_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.bad_reviews_for(request.user), request, BAD_LIST)
    if request.GET.get("overdue"):
        qs = qs.exclude(status__in=FINISHED).filter(due_date__lt=timezone.localdate())
    if request.GET.get("open"):
        qs = qs.exclude(status__in=FINISHED)
    if request.GET.get("export") == "xlsx" and request.user.has_perm("ratings.export"):
        return export_response(
            request, filename="bad-reviews", title=_("差评整改"), columns=BAD_COLUMNS, qs=qs
        )
    return render(request, "ratings/bad_list.html", {
        "page_obj": paginate(qs, request), "statuses": BadReviewStatus.choices, **_filter_options(),
    })  # fmt: skip


ACTION_FORMS: dict[str, Any] = {
    "verify": NoteForm,
    "rectify": RectifyForm,
    "call_back": CallBackForm,
    "close": OutcomeForm,
    "appeal": ReasonForm,
    "decide": AppealDecisionForm,
}


def _run(action: str, bad: BadReviewCase, form: Any, by: Any) -> BadReviewCase:
    d = form.cleaned_data
    if action == "verify":
        return services.bad_review_verify(bad=bad, note=d["note"], by=by)
    if action == "rectify":
        return services.bad_review_rectify(bad=bad, note=d["note"], evidence=d.get("evidence"), by=by)
    if action == "call_back":
        return services.bad_review_call_back(bad=bad, result=d["result"], note=d["note"], by=by)
    if action == "close":
        return services.bad_review_close(bad=bad, outcome=d["outcome"], by=by)
    if action == "appeal":
        return services.bad_review_appeal(bad=bad, reason=d["reason"], by=by)
    return services.bad_review_decide_appeal(bad=bad, uphold=d["uphold"], note=d["note"], by=by)


@permission_required("ratings.view_bad_reviews")
def bad_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    bad = get_object_or_404(selectors.bad_reviews_for(request.user), pk=pk)
    actions = set(allowed_actions(bad.status, request.user))
    if {"uphold_appeal", "reject_appeal"} & actions:
        actions.add("decide")
    forms = {a: cls(prefix=a) for a, cls in ACTION_FORMS.items() if a in actions}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in forms:
            raise PermissionDenied
        form = ACTION_FORMS[action](request.POST, request.FILES, prefix=action)
        forms[action] = form
        if form.is_valid():
            try:
                _run(action, bad, form, request.user)
            except ValidationError as exc:
                apply_errors(form, exc, default_field="note" if "note" in form.fields else None)
            else:
                messages.success(request, _("已保存。"))
                return redirect("ratings:bad_detail", pk=bad.pk)
    return render(request, "ratings/bad_detail.html", {
        "bad": bad, "rating": bad.rating, "steps": bad.steps.select_related("by"), "forms": forms,
        "needs_callback": bad.rating.real_name and bad.called_back_at is None,
        "phone_revealed": bad.steps.filter(action=services.REVEAL_PHONE_STEP).exists(),
    })  # fmt: skip


@permission_required("ratings.view_bad_reviews")
def evidence(request: AuthedRequest, pk: int) -> FileResponse:
    bad = get_object_or_404(selectors.bad_reviews_for(request.user), pk=pk)
    if not bad.evidence:
        raise Http404
    ext = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}.get(bad.evidence_kind, "bin")
    return FileResponse(bad.evidence.open("rb"), as_attachment=True, filename=f"evidence-{bad.pk}.{ext}")


# --- Statistics ----------------------------------------------------------------------------------
def _month(value: str | None) -> dt.date:
    try:
        return dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return timezone.localdate().replace(day=1)


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


STAT_COLUMNS = [
    Column(gettext_lazy("名称"), lambda r: r["name"]),
    Column(gettext_lazy("评价数"), lambda r: r["ratings"]),
    Column(gettext_lazy("满意率"), lambda r: _pct(r["satisfaction_rate"])),
    Column(gettext_lazy("办结业务数"), lambda r: r["completed"]),
    Column(gettext_lazy("主动评价率"), lambda r: _pct(r["active_rate"])),
    Column(gettext_lazy("差评数"), lambda r: r["bad"]),
    Column(gettext_lazy("差评整改率"), lambda r: _pct(r["rectification_rate"])),
    Column(gettext_lazy("实名差评数"), lambda r: r["real_name_bad"]),
    Column(gettext_lazy("回访率"), lambda r: _pct(r["callback_rate"])),
]


def _names(by: str, rows: list[dict[str, Any]]) -> None:
    from sheyin.institutions.models import Agency, Bank, Outlet

    model, key, attr = {
        "district": (Agency, "district_id", "name"), "bank": (Bank, "bank_id", "short_name"),
        "outlet": (Outlet, "outlet_id", "name"),
    }[by]  # fmt: skip
    objs = model.objects.in_bulk([r[key] for r in rows])  # type: ignore[attr-defined]
    for r in rows:
        r["name"] = getattr(objs.get(r[key]), attr, "—")
        for f in ("satisfaction_rate", "active_rate", "rectification_rate", "callback_rate"):
            r[f + "_pct"] = _pct(r[f])


@permission_required("ratings.view_statistics")
def statistics_view(request: AuthedRequest) -> HttpResponse:
    month = _month(request.GET.get("month"))
    by = request.GET.get("by") or ""
    by = by if by in ("district", "bank", "outlet") else "district"
    filters = {}
    for param, col in (("district", "district_id"), ("bank", "bank_id")):
        if request.GET.get(param, "").isdigit():
            filters[col] = int(request.GET[param])
    start, end = statistics.month_bounds(month)
    rows = statistics.figures(start=start, end=end, by=by, user=request.user, filters=filters)
    _names(by, rows)
    rows.sort(key=lambda r: (-r["ratings"], r["name"]))
    if request.GET.get("export") == "xlsx" and request.user.has_perm("ratings.export"):
        return export_response(
            request, filename="rating-statistics", title=_("好差评统计"), columns=STAT_COLUMNS, qs=rows
        )
    # Six months of the whole scope for the trend line.
    trend_start = month
    for _i in range(5):
        trend_start = (trend_start - dt.timedelta(days=1)).replace(day=1)
    trend = statistics.satisfaction_by_month(start=trend_start, end=end, user=request.user, filters=filters)
    chart = {
        "names": [r["name"] for r in rows[:20]],
        "ratings": [r["ratings"] for r in rows[:20]],
        "satisfaction": [None if r["satisfaction_rate"] is None else round(r["satisfaction_rate"] * 100, 1)
                         for r in rows[:20]],
        "months": [r["month"].strftime("%Y-%m") for r in trend],
        "trend": [None if r["satisfaction_rate"] is None else round(r["satisfaction_rate"] * 100, 1) for r in trend],
        "labels": {"ratings": _("评价数"), "satisfaction": _("满意率（%）")},
    }  # fmt: skip
    return render(request, "ratings/statistics.html", {
        "rows": rows, "month": month, "by": by, "chart": chart, **_filter_options(),
    })  # fmt: skip


RANKING_PAGE = 50
RANKING_COLUMNS = [
    Column(gettext_lazy("全市排名"), lambda r: r["city_rank"]), Column(gettext_lazy("区内排名"), lambda r: r["district_rank"]),
    Column(gettext_lazy("网点"), lambda r: r["outlet"].name), Column(gettext_lazy("所在区"), lambda r: r["outlet"].district.name),
    Column(gettext_lazy("满意率"), lambda r: _pct(r["satisfaction_rate"])), Column(gettext_lazy("评价数"), lambda r: r["ratings"]),
    Column(gettext_lazy("差评数"), lambda r: r["bad"]), Column(gettext_lazy("差评整改率"), lambda r: _pct(r["rectification_rate"])),
]  # fmt: skip


@permission_required("ratings.view_statistics")
def ranking(request: AuthedRequest) -> HttpResponse:
    month = _month(request.GET.get("month"))
    district = int(request.GET["district"]) if request.GET.get("district", "").isdigit() else None
    rows = statistics.monthly_ranking(month, user=request.user, district_id=district)
    if request.GET.get("export") == "xlsx":
        if not request.user.has_perm("ratings.export"):
            raise PermissionDenied
        return export_response(request, filename="ranking", title=_("网点月度排名"), columns=RANKING_COLUMNS,
                               qs=rows)  # fmt: skip
    # Every outlet is ranked (the ranks need the whole city); a page shows 50 of up to 3,000.
    page_obj = paginate(rows, request, per_page=RANKING_PAGE)
    for r in page_obj:
        r["satisfaction_rate_pct"] = _pct(r["satisfaction_rate"])
        r["rectification_rate_pct"] = _pct(r["rectification_rate"])
    return render(request, "ratings/ranking.html", {
        "rows": page_obj, "page_obj": page_obj, "month": month, **_filter_options(),
    })  # fmt: skip


@permission_required("ratings.settings")
def settings_view(request: AuthedRequest) -> HttpResponse:
    conf = RatingSettings.load()
    form = SettingsForm(request.POST or None, instance=conf)
    if request.method == "POST" and form.is_valid():
        try:
            services.rating_settings_update(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("好差评设置已保存。"))
            return redirect("ratings:settings")
    return render(request, "ratings/settings.html", {"form": form, "conf": conf})


# --- Public statistics ---------------------------------------------------------------------------
@public
def public_statistics(request: HttpRequest) -> HttpResponse:
    """City and per-district satisfaction by month: counts and rates only, nothing personal."""
    data = statistics.public_monthly()
    from sheyin.institutions.models import Agency

    names = dict(Agency.objects.values_list("pk", "name"))
    months = sorted({r["month"] for r in data["city"]})
    city = {r["month"]: r for r in data["city"]}
    table = []
    for r in data["districts"]:
        table.append({"district": names.get(r["district_id"], "—"), "month": r["month"], "ratings": r["ratings"],
                      "satisfaction": _pct(r["satisfaction_rate"])})  # fmt: skip
    table.sort(key=lambda r: (r["month"], r["district"]), reverse=True)
    chart = {
        "months": [m.strftime("%Y-%m") for m in months],
        "satisfaction": [None if city[m]["satisfaction_rate"] is None else round(city[m]["satisfaction_rate"] * 100, 1)
                         for m in months],
        "ratings": [city[m]["ratings"] for m in months],
        "labels": {"ratings": _("评价数"), "satisfaction": _("满意率（%）")},
    }  # fmt: skip
    city_rows = [{"month": m, "ratings": city[m]["ratings"], "satisfaction": _pct(city[m]["satisfaction_rate"])}
                 for m in reversed(months)]  # fmt: skip
    return render(
        request, "ratings/public_statistics.html", {"chart": chart, "table": table, "city": city_rows}
    )
