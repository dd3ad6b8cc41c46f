"""The dashboards as data: key figures and charts, each chart with the table of its figures.

One `Chart` drives three things: the ECharts drawing (`data`, names and numbers only, never markup), the
accessible table beside it and the Excel export (`headers` and `rows`). `dashboard(user, focus)` builds
the whole page from the scoped selectors; the view only renders it.

Definitions (shown on the page under 指标口径):
- 业务量: cases accepted at the staffed window (drafts and cancelled visits excluded), rights-record views
  and printouts at self-service terminals, and guided sessions at the online counter (abandoned ones
  excluded), on the local day they started.
- 环比 / 同比: against the previous month / the same month a year earlier; for the month in progress, against
  the same days of those months.
- 满意率 and 差评按期整改率: as the 好差评 statistics define them (ratings set aside on appeal excluded).
- 工单时限内办结率: tickets closed on or before their closing deadline ÷ tickets raised in the period.
- 计划检查完成率: planned inspections done ÷ planned inspections of the quarter.
- 覆盖率: the population within the district's coverage radius of an operating outlet (planning's analysis).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.catalogue.choices import Channel
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus

from . import selectors as s
from .aggregates import month_end
from .models import Measure as M

CHANNELS = (Channel.COUNTER, Channel.TERMINAL, Channel.ONLINE)
STATUS_ORDER = (OutletStatus.OPERATING, OutletStatus.ACCEPTED, OutletStatus.APPLYING, OutletStatus.SUSPENDED)


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "axis" | "pie" | "map"
    headers: list[str]
    rows: list[list[Any]]
    data: dict[str, Any]
    note: str = ""
    wide: bool = False

    @property
    def empty(self) -> bool:
        return not self.rows

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, **self.data}


@dataclass
class Kpi:
    label: str
    value: str
    sub: str = ""
    url: str = ""
    tone: str = ""
    key: str = ""


@dataclass
class Dashboard:
    focus: s.Focus
    title: str
    crumbs: list[tuple[str, str]]
    kpis: list[Kpi]
    charts: list[Chart]
    as_of: dt.datetime | None
    extras: dict[str, Any] = field(default_factory=dict)

    def chart(self, chart_id: str) -> Chart | None:
        return next((c for c in self.charts if c.id == chart_id), None)

    def payload(self) -> dict[str, Any]:
        return {"charts": [c.as_json() for c in self.charts], "labels": _labels()}


def _labels() -> dict[str, Any]:
    return {
        "table": _("表格"), "chart": _("图表"), "noData": _("暂无数据"), "percent": "%",
        "statuses": {st: str(OutletStatus(st).label) for st in STATUS_ORDER},
    }  # fmt: skip


def pct(num: int | None, den: int | None) -> float | None:
    return round(100 * (num or 0) / den, 1) if den else None


def change(now: int | None, before: int | None) -> float | None:
    return round(100 * ((now or 0) - before) / before, 1) if before else None


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def fmt_change(value: float | None) -> str:
    return "—" if value is None else f"{value:+.1f}%"


def _url(focus: s.Focus, **params: Any) -> str:
    """The dashboard with a drill-down (district, bank, outlet) and the same month."""
    query = {k: v for k, v in params.items() if v is not None}
    query["month"] = focus.month.strftime("%Y-%m")
    return reverse("dashboards:home") + "?" + urlencode(query)


COLOUR = {Channel.COUNTER: 0, Channel.TERMINAL: 1, Channel.ONLINE: 2}  # the palette index in dashboards.js


def _channel_names() -> dict[str, str]:
    return {c: str(Channel(c).label) for c in CHANNELS}


# --- building blocks ----------------------------------------------------------------------------------


class Figures:
    """The figures one dashboard needs, read in a handful of grouped queries."""

    def __init__(self, user: Any, focus: s.Focus) -> None:
        self.user, self.focus = user, focus
        self.today = timezone.localdate()
        self.month = focus.month
        self.months = s.month_range(focus.month, 13)
        self.partial = focus.month == self.today.replace(day=1)
        first = s.month_range(focus.month, 25)[0]
        self.volume = s.monthly(user, focus, [M.VOLUME], first, focus.month)
        self.flows = s.monthly(
            user, focus,
            [M.DONE, M.RATINGS, M.SATISFIED, M.BAD, M.BAD_ON_TIME, M.TICKETS, M.TICKETS_IN_SLA, M.TICKETS_LATE,
             M.INSP_PLANNED, M.INSP_DONE, M.RECT_ORDERED],
            self.months[0], focus.month,
        )  # fmt: skip

    def total(
        self, rows: dict[tuple[Any, ...], int], month: dt.date, measure: str, channel: str | None = None
    ) -> int:
        return sum(v for (m, _k, ch, _it, me), v in rows.items()
                   if m == month and me == measure and (channel is None or ch == channel))  # fmt: skip

    def volume_of(self, month: dt.date, channel: str | None = None) -> int:
        return self.total(self.volume, month, M.VOLUME, channel)

    def flow(self, month: dt.date, measure: str) -> int:
        return self.total(self.flows, month, measure)

    def like_for_like(self) -> tuple[int, int | None, int | None]:
        """This month's volume so far and the same days of last month and of last year (month in progress)."""
        if not self.partial:
            prev, last_year = s.month_range(self.month, 2)[0], s.month_range(self.month, 13)[0]
            return self.volume_of(self.month), self.volume_of(prev) or None, self.volume_of(last_year) or None
        day = self.today.day
        spans = []
        for m in (self.month, s.month_range(self.month, 2)[0], s.month_range(self.month, 13)[0]):
            spans.append((m, min(m.replace(day=min(day, month_end(m).day)), month_end(m))))
        # Three short spans, read each on its own: one range from last year to today would read 13 months.
        totals = [sum(s.daily(self.user, self.focus, [M.VOLUME], a, b).values()) for a, b in spans]
        return totals[0], totals[1] or None, totals[2] or None


def _month_label(m: dt.date) -> str:
    return m.strftime("%Y-%m")


# --- charts ------------------------------------------------------------------------------------------


def volume_trend(f: Figures) -> Chart:
    names = _channel_names()
    rows: list[list[Any]] = []
    series_data: dict[str, list[int]] = {c: [] for c in CHANNELS}
    mom: list[float | None] = []
    yoy: list[float | None] = []
    for m in f.months:
        by_ch = [f.volume_of(m, c) for c in CHANNELS]
        total = sum(by_ch)
        prev, last_year = f.volume_of(s.month_range(m, 2)[0]), f.volume_of(s.month_range(m, 13)[0])
        a, b = change(total, prev), change(total, last_year)
        for c, v in zip(CHANNELS, by_ch, strict=True):
            series_data[c].append(v)
        mom.append(a)
        yoy.append(b)
        rows.append([_month_label(m), *by_ch, total, fmt_change(a), fmt_change(b)])
    series: list[dict[str, Any]] = [
        {"name": names[c], "type": "bar", "stack": "v", "data": series_data[c]} for c in CHANNELS
    ]
    series += [
        {"name": _("环比"), "type": "line", "axis": 1, "data": mom},
        {"name": _("同比"), "type": "line", "axis": 1, "data": yoy},
    ]
    note = _("本月尚未结束，本月数据截至今日。") if f.partial else ""
    return Chart(
        "volume-trend", _("业务量趋势（按渠道）"), "axis",
        [_("月份"), names[Channel.COUNTER], names[Channel.TERMINAL], names[Channel.ONLINE], _("合计"), _("环比"), _("同比")],
        rows if any(r[4] for r in rows) else [],
        {"categories": [_month_label(m) for m in f.months], "series": series,
         "axes": [{"name": _("业务量")}, {"name": _("增长率（%）"), "percent": True}]},
        note=note, wide=True,
    )  # fmt: skip


def volume_by(f: Figures, by: str, chart_id: str, title: str, *, top: int = 16) -> Chart:
    names_ch = _channel_names()
    rows_raw = s.monthly(f.user, f.focus, [M.VOLUME], f.month, f.month, by=by)
    keys = {k for (_m, k, _c, _i, _me) in rows_raw}
    model = {"district_id": Agency, "bank_id": Bank, "outlet_id": Outlet}[by]
    label = s.names(model, keys)
    totals = {k: {c: 0 for c in CHANNELS} for k in keys}
    for (_m, k, c, _i, _me), v in rows_raw.items():
        if c in totals[k]:
            totals[k][c] += v
    order = sorted(keys, key=lambda k: -sum(totals[k].values()))[:top]
    links = [_drill(f.focus, by, k) for k in order]
    rows = [[label.get(k, "—"), *[totals[k][c] for c in CHANNELS], sum(totals[k].values())] for k in order]
    dim = {"district_id": _("所在区"), "bank_id": _("银行"), "outlet_id": _("网点")}[by]
    return Chart(
        chart_id, title, "axis", [dim, *[names_ch[c] for c in CHANNELS], _("合计")], rows,
        {"categories": [r[0] for r in rows], "links": links,
         "series": [{"name": names_ch[c], "type": "bar", "stack": "v", "data": [totals[k][c] for k in order]}
                    for c in CHANNELS],
         "axes": [{"name": _("业务量")}], "horizontal": by == "outlet_id"},
    )  # fmt: skip


def _drill(focus: s.Focus, by: str, key: Any) -> str:
    if by == "district_id":
        return _url(focus, district=key, bank=focus.bank.pk if focus.bank else None)
    if by == "bank_id":
        return _url(focus, district=focus.district.pk if focus.district else None, bank=key)
    return _url(focus, outlet=key)


def volume_items(f: Figures) -> Chart:
    names_ch = _channel_names()
    rows_raw = s.monthly(f.user, f.focus, [M.ITEM_VOLUME], f.month, f.month, by="item")
    per: dict[str, dict[str, int]] = {}
    for (_m, _k, c, item, _me), v in rows_raw.items():
        per.setdefault(item, {Channel.COUNTER: 0, Channel.ONLINE: 0})
        per[item][c] = per[item].get(c, 0) + v
    order = sorted(per, key=lambda i: -sum(per[i].values()))[:10]
    item_names = s.item_names(order)
    labels = [item_names.get(i) or (i or _("其他网厅服务")) for i in order]
    rows = [
        [lab, per[i][Channel.COUNTER], per[i][Channel.ONLINE], sum(per[i].values())]
        for lab, i in zip(labels, order, strict=True)
    ]
    return Chart(
        "volume-items", _("业务量前十的服务事项"), "axis",
        [_("服务事项"), names_ch[Channel.COUNTER], names_ch[Channel.ONLINE], _("合计")], rows,
        {"categories": labels, "horizontal": True, "axes": [{"name": _("业务量")}],
         "series": [{"name": names_ch[c], "type": "bar", "stack": "v", "data": [per[i][c] for i in order],
                     "colour": COLOUR[c]} for c in (Channel.COUNTER, Channel.ONLINE)]},
        note=_("自助终端的查询打印不分事项统计。"),
    )  # fmt: skip


def staffing(f: Figures, by: str) -> Chart:
    day, snap = s.snapshot(f.user, f.focus, [M.WINDOWS, M.STAFF_WINDOW, M.STAFF_GUIDE], by=by)
    status = s.outlet_status(f.user, f.focus, by=by)
    keys = sorted({k for k, _m in snap} | {k for k, st in status if st == OutletStatus.OPERATING})
    model = {"district_id": Agency, "bank_id": Bank, "outlet_id": Outlet}[by]
    label = s.names(model, keys)
    keys.sort(key=lambda k: -(snap.get((k, M.WINDOWS), 0)))
    rows = []
    for k in keys:
        windows, staff, guides = (snap.get((k, M.WINDOWS), 0), snap.get((k, M.STAFF_WINDOW), 0),
                                  snap.get((k, M.STAFF_GUIDE), 0))  # fmt: skip
        outlets = status.get((k, OutletStatus.OPERATING), 0)
        rows.append(
            [
                label.get(k, "—"),
                outlets,
                windows,
                staff,
                guides,
                max(0, windows - staff) + max(0, outlets - guides),
            ]
        )
    dim = {"district_id": _("所在区"), "bank_id": _("银行"), "outlet_id": _("网点")}[by]
    note = _("按每个人工窗口至少一名持证经办人员、每个网点至少一名持证引导员计算缺口。")
    if day:
        note += " " + _("人员数据截至 %(day)s。") % {"day": day.isoformat()}
    return Chart(
        "staffing", _("持证人员与窗口"), "axis",
        [dim, _("运营网点"), _("人工窗口"), _("持证窗口经办人员"), _("持证网厅引导员"), _("人员缺口")], rows,
        {"categories": [r[0] for r in rows], "axes": [{"name": _("人数")}],
         "series": [{"name": _("人工窗口"), "type": "bar", "data": [r[2] for r in rows]},
                    {"name": _("持证窗口经办人员"), "type": "bar", "data": [r[3] for r in rows]},
                    {"name": _("持证网厅引导员"), "type": "bar", "data": [r[4] for r in rows]}]},
        note=note,
    )  # fmt: skip


def ratings_trend(f: Figures) -> Chart:
    rows, sat, on_time, counts = [], [], [], []
    for m in f.months:
        n, good, bad, ok = (
            f.flow(m, M.RATINGS),
            f.flow(m, M.SATISFIED),
            f.flow(m, M.BAD),
            f.flow(m, M.BAD_ON_TIME),
        )
        a, b = pct(good, n), pct(ok, bad)
        sat.append(a)
        on_time.append(b)
        counts.append(n)
        rows.append([_month_label(m), n, fmt_pct(a), bad, fmt_pct(b)])
    return Chart(
        "ratings-trend", _("好差评满意率与差评按期整改率"), "axis",
        [_("月份"), _("评价数"), _("满意率"), _("差评数"), _("差评按期整改率")],
        rows if any(counts) else [],
        {"categories": [_month_label(m) for m in f.months],
         "axes": [{"name": _("评价数")}, {"name": "%", "percent": True, "max": 100}],
         "series": [{"name": _("评价数"), "type": "bar", "data": counts},
                    {"name": _("满意率"), "type": "line", "axis": 1, "data": sat},
                    {"name": _("差评按期整改率"), "type": "line", "axis": 1, "data": on_time}]},
        note=_("满意率 =（非常满意 + 满意 + 基本满意）÷ 评价数；按期整改率 = 期限内整改的差评 ÷ 差评数。"),
    )  # fmt: skip


def ratings_by(f: Figures, by: str) -> Chart:
    rows_raw = s.monthly(
        f.user, f.focus, [M.RATINGS, M.SATISFIED, M.BAD, M.BAD_ON_TIME], f.month, f.month, by=by
    )
    keys = {k for (_m, k, _c, _i, _me) in rows_raw}
    model = {"district_id": Agency, "bank_id": Bank, "outlet_id": Outlet}[by]
    label = s.names(model, keys)
    agg = {k: {me: 0 for me in (M.RATINGS, M.SATISFIED, M.BAD, M.BAD_ON_TIME)} for k in keys}
    for (_m, k, _c, _i, me), v in rows_raw.items():
        agg[k][me] += v
    order = sorted(keys, key=lambda k: -(pct(agg[k][M.SATISFIED], agg[k][M.RATINGS]) or 0))
    rows = [[label.get(k, "—"), agg[k][M.RATINGS], fmt_pct(pct(agg[k][M.SATISFIED], agg[k][M.RATINGS])), agg[k][M.BAD],
             fmt_pct(pct(agg[k][M.BAD_ON_TIME], agg[k][M.BAD]))] for k in order]  # fmt: skip
    dim = {"district_id": _("所在区"), "bank_id": _("银行"), "outlet_id": _("网点")}[by]
    return Chart(
        "ratings-by", _("本月满意率（按%(dim)s）") % {"dim": dim}, "axis",
        [dim, _("评价数"), _("满意率"), _("差评数"), _("差评按期整改率")], rows,
        {"categories": [r[0] for r in rows], "links": [_drill(f.focus, by, k) for k in order],
         "axes": [{"name": "%", "percent": True, "max": 100}],
         "series": [{"name": _("满意率"), "type": "bar", "data": [pct(agg[k][M.SATISFIED], agg[k][M.RATINGS]) for k in order]}]},
    )  # fmt: skip


def tickets(f: Figures) -> Chart:
    months = f.months[-6:]
    rows, inside, late, rest = [], [], [], []
    for m in months:
        n, a, b = f.flow(m, M.TICKETS), f.flow(m, M.TICKETS_IN_SLA), f.flow(m, M.TICKETS_LATE)
        other = max(0, n - a - b)
        inside.append(a)
        late.append(b)
        rest.append(other)
        rows.append([_month_label(m), n, a, b, other, fmt_pct(pct(a, n))])
    return Chart(
        "tickets", _("问题工单办理时限"), "axis",
        [_("月份"), _("工单数"), _("时限内办结"), _("超出时限"), _("办理中（未超时限）"), _("时限内办结率")],
        rows if any(r[1] for r in rows) else [],
        {"categories": [_month_label(m) for m in months], "axes": [{"name": _("工单数")}],
         "series": [{"name": _("时限内办结"), "type": "bar", "stack": "t", "data": inside},
                    {"name": _("超出时限"), "type": "bar", "stack": "t", "data": late},
                    {"name": _("办理中（未超时限）"), "type": "bar", "stack": "t", "data": rest}]},
        note=_("按提出月份统计；超出时限含已超过办结期限仍未办结的工单。"),
    )  # fmt: skip


def inspections(f: Figures, by: str) -> Chart:
    q = (f.month.month - 1) // 3
    first = dt.date(f.month.year, q * 3 + 1, 1)
    last = dt.date(f.month.year, q * 3 + 3, 1)
    rows_raw = s.monthly(f.user, f.focus, [M.INSP_PLANNED, M.INSP_DONE], first, last, by=by)
    keys = {k for (_m, k, _c, _i, _me) in rows_raw}
    model = {"district_id": Agency, "bank_id": Bank, "outlet_id": Outlet}[by]
    label = s.names(model, keys)
    agg = {k: {M.INSP_PLANNED: 0, M.INSP_DONE: 0} for k in keys}
    for (_m, k, _c, _i, me), v in rows_raw.items():
        agg[k][me] += v
    order = sorted(keys, key=lambda k: -agg[k][M.INSP_PLANNED])
    rows = [[label.get(k, "—"), agg[k][M.INSP_PLANNED], agg[k][M.INSP_DONE],
             fmt_pct(pct(agg[k][M.INSP_DONE], agg[k][M.INSP_PLANNED]))] for k in order]  # fmt: skip
    dim = {"district_id": _("所在区"), "bank_id": _("银行"), "outlet_id": _("网点")}[by]
    return Chart(
        "inspections", _("%(year)d年第%(q)d季度计划检查完成情况") % {"year": f.month.year, "q": q + 1}, "axis",
        [dim, _("计划检查"), _("已完成"), _("完成率")], rows,
        {"categories": [r[0] for r in rows], "axes": [{"name": _("检查次数")}],
         "series": [{"name": _("计划检查"), "type": "bar", "data": [agg[k][M.INSP_PLANNED] for k in order]},
                    {"name": _("已完成"), "type": "bar", "data": [agg[k][M.INSP_DONE] for k in order]}]},
    )  # fmt: skip


def rectifications(f: Figures, by: str) -> Chart:
    _day, snap = s.snapshot(f.user, f.focus, [M.RECT_OVERDUE], by=by)
    ordered = s.monthly(f.user, f.focus, [M.RECT_ORDERED], f.month, f.month, by=by)
    keys = {k for k, _m in snap} | {k for (_m, k, _c, _i, _me) in ordered}
    model = {"district_id": Agency, "bank_id": Bank, "outlet_id": Outlet}[by]
    label = s.names(model, keys)
    ordered_by = s.by_key(ordered, lambda key: key[1])
    order = sorted(keys, key=lambda k: (-snap.get((k, M.RECT_OVERDUE), 0), -ordered_by.get(k, 0)))
    rows = [[label.get(k, "—"), ordered_by.get(k, 0), snap.get((k, M.RECT_OVERDUE), 0)] for k in order]
    dim = {"district_id": _("所在区"), "bank_id": _("银行"), "outlet_id": _("网点")}[by]
    return Chart(
        "rectifications", _("整改通知与逾期未整改"), "axis", [dim, _("本月下达"), _("当前逾期未整改")], rows,
        {"categories": [r[0] for r in rows], "axes": [{"name": _("件数")}],
         "series": [{"name": _("本月下达"), "type": "bar", "data": [r[1] for r in rows]},
                    {"name": _("当前逾期未整改"), "type": "bar", "data": [r[2] for r in rows]}]},
    )  # fmt: skip


def appraisal(f: Figures) -> tuple[Chart, Chart]:
    from sheyin.supervision.models import Appraisal

    period, qs = s.latest_appraisals(f.user, f.focus)
    grades = dict(qs.values_list("grade").annotate(n=_count()).order_by())
    label = ""
    if period:
        label = (_("%(year)d年第%(q)d季度") % {"year": period[0], "q": period[1]} if period[1]
                 else _("%(year)d年度") % {"year": period[0]})  # fmt: skip
    rows = [[str(Appraisal.Grade(g).label), grades.get(g, 0)] for g in Appraisal.Grade.values]
    dist = Chart(
        "appraisal-grades", _("考核等级分布") + (f"（{label}）" if label else ""), "pie", [_("等级"), _("网点数")],
        rows if any(r[1] for r in rows) else [], {"data": [{"name": r[0], "value": r[1]} for r in rows]},
    )  # fmt: skip
    scored = qs.filter(score__isnull=False).select_related("outlet")  # 数据不足: no score, no rank
    ranked = list(scored.order_by("-score", "outlet__code")[:10])
    bottom = list(scored.order_by("score", "-outlet__code")[:5])
    bottom = [a for a in reversed(bottom) if a.pk not in {r.pk for r in ranked}]
    shown = ranked + bottom
    rank_rows = [[a.outlet.name, float(a.score), str(a.get_grade_display()), a.rank_district or "—", a.rank_city or "—"]
                 for a in shown]  # fmt: skip
    ranking = Chart(
        "appraisal-ranking", _("考核得分排名（前十与末位）"), "axis",
        [_("网点"), _("总分"), _("等级"), _("区内排名"), _("全市排名")], rank_rows,
        {"categories": [r[0] for r in rank_rows], "horizontal": True, "links": [_url(f.focus, outlet=a.outlet_id) for a in shown],
         "axes": [{"name": _("总分"), "max": 100}],
         "series": [{"name": _("总分"), "type": "bar", "data": [r[1] for r in rank_rows]}]},
    )  # fmt: skip
    return dist, ranking


def _count() -> Any:
    from django.db.models import Count

    return Count("pk")


def coverage(f: Figures) -> Chart | None:
    day, snap = s.coverage(f.user, f.focus)
    if day is None:
        return None
    keys = sorted({k for k, _m in snap})
    label = s.names(Agency, keys)
    rows, shares = [], []
    for k in keys:
        pop, cov = snap.get((k, M.POPULATION), 0), snap.get((k, M.COVERED), 0)
        shares.append(pct(cov, pop))
        rows.append([label.get(k, "—"), pop, cov, fmt_pct(pct(cov, pop))])
    order = sorted(range(len(rows)), key=lambda i: shares[i] or 0)
    rows, shares = [rows[i] for i in order], [shares[i] for i in order]
    return Chart(
        "coverage", _("服务覆盖率与布局目标"), "axis", [_("所在区"), _("常住人口"), _("覆盖人口"), _("覆盖率")], rows,
        {"categories": [r[0] for r in rows], "axes": [{"name": "%", "percent": True, "max": 100}], "target": 100,
         "targetLabel": _("布局目标 100%"),
         "series": [{"name": _("覆盖率"), "type": "bar", "data": shares}]},
        note=_("布局目标：常住人口全部处于运营网点的服务覆盖半径内（中心城区1公里、其他区5公里，由市级中心按区设定）。数据截至 %(day)s。")
        % {"day": day.isoformat()},
    )  # fmt: skip


def outlet_map(f: Figures) -> Chart:
    by = "district_id"
    status = s.outlet_status(f.user, f.focus, by=by)
    keys = sorted({k for k, _st in status})
    label = s.names(Agency, keys)
    codes = dict(Agency.objects.filter(pk__in=keys).values_list("pk", "code"))
    rows, regions = [], []
    for k in keys:
        counts = [status.get((k, st), 0) for st in STATUS_ORDER]
        rows.append([label.get(k, "—"), *counts, sum(counts)])
        regions.append({"name": label.get(k, ""), "code": codes.get(k, ""), "value": counts[0],
                        "url": _url(f.focus, district=k, bank=f.focus.bank.pk if f.focus.bank else None)})  # fmt: skip
    points = [[pk, name, st, lon, lat] for pk, name, st, lon, lat in s.map_points(f.user, f.focus)]
    only = [f.focus.district.code] if f.focus.district is not None else []
    return Chart(
        "outlet-map", _("网点分布与状态"), "map",
        [_("所在区"), *[str(OutletStatus(st).label) for st in STATUS_ORDER], _("合计")], rows,
        {"regions": regions, "points": points, "only": only, "valueName": _("运营网点数"),
         "outletUrl": _url(f.focus, outlet=0), "mapUrl": reverse("dashboards:boundaries")},
        note=_("点击区域进入该区，点击网点查看该网点。"), wide=True,
    )  # fmt: skip


# --- key figures ------------------------------------------------------------------------------------


def key_figures(f: Figures) -> list[Kpi]:
    now, prev, last_year = f.like_for_like()
    vol_sub = _("环比 %(a)s · 同比 %(b)s") % {
        "a": fmt_change(change(now, prev)),
        "b": fmt_change(change(now, last_year)),
    }
    m = f.month
    n, good, bad, ok = (
        f.flow(m, M.RATINGS),
        f.flow(m, M.SATISFIED),
        f.flow(m, M.BAD),
        f.flow(m, M.BAD_ON_TIME),
    )
    t, t_in = f.flow(m, M.TICKETS), f.flow(m, M.TICKETS_IN_SLA)
    _day, snap = s.snapshot(f.user, f.focus, [M.WINDOWS, M.STAFF_WINDOW, M.RECT_OVERDUE, M.GRANTS_EXPIRING])
    status = s.outlet_status(f.user, f.focus, by="status")
    counts = {st: n for (_k, st), n in status.items()}
    outlets_url = reverse("institutions:outlet_list") + "?" + urlencode(
        {k: v for k, v in (("district", f.focus.district.pk if f.focus.district else None),
                           ("bank", f.focus.bank.pk if f.focus.bank else None)) if v is not None})  # fmt: skip
    outlet_kpi = Kpi(
        _("合作网点"), str(sum(counts.values())),
        _("运营中 %(a)d · 申请中 %(b)d · 暂停服务 %(c)d") % {
            "a": counts.get(OutletStatus.OPERATING, 0), "b": counts.get(OutletStatus.APPLYING, 0),
            "c": counts.get(OutletStatus.SUSPENDED, 0)},
        url=outlets_url, key="outlet-total",
    )  # fmt: skip
    kpis = [
        outlet_kpi,
        Kpi(_("本月业务量") if f.partial else _("当月业务量"), f"{now:,}", vol_sub),
        Kpi(_("满意率"), fmt_pct(pct(good, n)), _("评价 %(n)d 条") % {"n": n}),
        Kpi(_("差评按期整改率"), fmt_pct(pct(ok, bad)), _("差评 %(n)d 条") % {"n": bad}),
        Kpi(_("工单时限内办结率"), fmt_pct(pct(t_in, t)), _("工单 %(n)d 件") % {"n": t}),
        Kpi(_("持证窗口人员 / 人工窗口"), f"{snap.get((None, M.STAFF_WINDOW), 0)} / {snap.get((None, M.WINDOWS), 0)}",
            _("30日内到期权限 %(n)d 项") % {"n": snap.get((None, M.GRANTS_EXPIRING), 0)}),
        Kpi(_("逾期未整改"), str(snap.get((None, M.RECT_OVERDUE), 0)),
            tone="danger" if snap.get((None, M.RECT_OVERDUE), 0) else ""),
    ]  # fmt: skip
    if f.focus.bank is None and f.focus.outlet is None:
        _d, cov = s.coverage(f.user, f.focus)
        pop, covered = sum(v for (k, me), v in cov.items() if me == M.POPULATION), sum(
            v for (k, me), v in cov.items() if me == M.COVERED)  # fmt: skip
        kpis.append(Kpi(_("服务覆盖率"), fmt_pct(pct(covered, pop)), _("布局目标 100%")))
    return kpis


# --- the pages ---------------------------------------------------------------------------------------


def crumbs(focus: s.Focus, user: Any) -> list[tuple[str, str]]:
    from .selectors import home_level

    level = home_level(user)
    out: list[tuple[str, str]] = []
    if level == s.Level.ALL:
        out.append((_("全市"), _url(focus)))
    if focus.district is not None and level in (s.Level.ALL, s.Level.DISTRICT):
        out.append((focus.district.district_name, _url(focus, district=focus.district.pk)))
    if focus.bank is not None and level in (s.Level.ALL, s.Level.DISTRICT, s.Level.BANK):
        out.append((focus.bank.short_name, _url(focus, district=focus.district.pk if focus.district else None,
                                                bank=focus.bank.pk)))  # fmt: skip
    if focus.outlet is not None:
        out.append((focus.outlet.name, _url(focus, outlet=focus.outlet.pk)))
    return out


def title_of(focus: s.Focus) -> str:
    if focus.level == s.OUTLET and focus.outlet is not None:
        return _("%(name)s 网点看板") % {"name": focus.outlet.name}
    if focus.level == s.BANK and focus.bank is not None:
        where = focus.district.district_name if focus.district is not None else _("全市")
        return _("%(bank)s · %(where)s 看板") % {"bank": focus.bank.short_name, "where": where}
    if focus.level == s.DISTRICT and focus.district is not None:
        return _("%(name)s 监管看板") % {"name": focus.district.district_name}
    return _("全市社银合作驾驶舱")


def dashboard(user: Any, focus: s.Focus) -> Dashboard:
    from .aggregates import refreshed_at

    if focus.level == s.OUTLET:
        from .outlet_view import outlet_dashboard

        return outlet_dashboard(user, focus)
    f = Figures(user, focus)
    agency = focus.bank is None  # banks see their own outlets' results, not the agencies' oversight work
    if focus.level == s.CITY:
        primary, secondary = "district_id", "bank_id"
    elif focus.level == s.DISTRICT:
        primary, secondary = "bank_id", "outlet_id"
    elif focus.district is None:
        primary, secondary = "district_id", "outlet_id"
    else:
        primary, secondary = "outlet_id", None
    dim_names = {"district_id": _("区"), "bank_id": _("银行"), "outlet_id": _("网点")}
    charts = [outlet_map(f), volume_trend(f),
              volume_by(f, primary, "volume-by", _("本月业务量（按%(dim)s）") % {"dim": dim_names[primary]})]  # fmt: skip
    if secondary:
        charts.append(volume_by(f, secondary, "volume-by-2", _("本月业务量（按%(dim)s）") % {"dim": dim_names[secondary]},
                                top=15))  # fmt: skip
    charts += [volume_items(f), staffing(f, primary), ratings_trend(f), ratings_by(f, primary), tickets(f)]
    if agency:
        charts.append(inspections(f, primary))
    charts.append(rectifications(f, primary))
    charts += list(appraisal(f))
    if agency:
        cov = coverage(f)
        if cov is not None:
            charts.append(cov)
    return Dashboard(focus, title_of(focus), crumbs(focus, user), key_figures(f), charts, refreshed_at())
