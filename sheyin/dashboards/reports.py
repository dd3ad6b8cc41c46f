"""The statistical report's figures for a period, a district or the city, with the comparison periods.

Read from the pre-aggregated figures (the job runs as the system, so unscoped; who may read the issued
report is decided at download). A month-aligned period sums `MonthlyFigure`; any other range sums the
district × bank grain of `DailyFigure`. Snapshots (staff, overdue rectifications, coverage) are the last
ones taken on or before the period's end; the outlets' statuses are as the report is generated.

The result is plain JSON (numbers, names and labels in Chinese: a report is a document of record of a
Beijing agency, like the PDFs of agreements) so an issued version never changes with the code or the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from sheyin.catalogue.choices import Channel
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus

from .aggregates import month_end
from .models import DailyFigure, Grain, Measure, MonthlyFigure, ReportKind

M = Measure
CHANNELS = [(Channel.COUNTER, "人工窗口"), (Channel.TERMINAL, "自助终端"), (Channel.ONLINE, "网厅自助")]
STATUSES = [(OutletStatus.OPERATING, "运营中"), (OutletStatus.ACCEPTED, "已验收"), (OutletStatus.APPLYING, "申请中"),
            (OutletStatus.SUSPENDED, "暂停服务")]  # fmt: skip
GRADES = [("excellent", "优秀"), ("good", "良好"), ("pass", "合格"), ("fail", "不合格")]
KIND_NAMES = {ReportKind.MONTHLY: "月报", ReportKind.QUARTERLY: "季报", ReportKind.YEARLY: "年报",
              ReportKind.CUSTOM: "统计报表"}  # fmt: skip
FLOW_MEASURES = [M.VOLUME, M.DONE, M.RATINGS, M.SATISFIED, M.BAD, M.BAD_ON_TIME, M.TICKETS, M.TICKETS_IN_SLA,
                 M.TICKETS_LATE, M.INSP_PLANNED, M.INSP_DONE, M.RECT_ORDERED]  # fmt: skip


# --- periods -----------------------------------------------------------------------------------------


def period_of(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The month, quarter or year containing `day`."""
    if kind == ReportKind.MONTHLY:
        return day.replace(day=1), month_end(day)
    if kind == ReportKind.QUARTERLY:
        first = dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
        return first, month_end(dt.date(day.year, first.month + 2, 1))
    if kind == ReportKind.YEARLY:
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(kind)


def previous_period(kind: str, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    if kind == ReportKind.CUSTOM:
        days = (end - start).days + 1
        return start - dt.timedelta(days=days), start - dt.timedelta(days=1)
    return period_of(kind, start - dt.timedelta(days=1))


def year_earlier(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    def back(d: dt.date) -> dt.date:
        try:
            return d.replace(year=d.year - 1)
        except ValueError:  # 29 February
            return d.replace(year=d.year - 1, day=28)

    # A period ending at a month end compares with the whole same month(s) a year earlier.
    last = back(end)
    return back(start), month_end(last) if end == month_end(end) else last


def period_label(kind: str, start: dt.date, end: dt.date) -> str:
    if kind == ReportKind.MONTHLY:
        return f"{start.year}年{start.month}月"
    if kind == ReportKind.QUARTERLY:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if kind == ReportKind.YEARLY:
        return f"{start.year}年"
    return f"{start:%Y年%m月%d日}至{end:%Y年%m月%d日}"


def title_of(kind: str, district: Agency | None, start: dt.date, end: dt.date) -> str:
    scope = district.district_name if district is not None else "全市"
    return f"{scope}社银合作{period_label(kind, start, end)}{KIND_NAMES[ReportKind(kind)]}"


# --- sums ----------------------------------------------------------------------------------------------


def _aligned(start: dt.date, end: dt.date) -> bool:
    return start.day == 1 and end == month_end(end)


def sums(start: dt.date, end: dt.date, measures: Sequence[str], *, district: Agency | None, by: str | None,
         item: bool = False) -> dict[tuple[Any, str, str, str], int]:  # fmt: skip
    """{(key, channel, item, measure): sum} over [start, end] at district × bank grain (key: `by` column)."""
    if _aligned(start, end):
        qs: Any = MonthlyFigure.objects.filter(grain=Grain.DISTRICT_BANK, month__gte=start, month__lte=end)
    else:
        qs = DailyFigure.objects.filter(grain=Grain.DISTRICT_BANK, day__gte=start, day__lte=end)
    qs = qs.filter(measure__in=measures)
    if not item:
        qs = qs.filter(item="")
    if district is not None:
        qs = qs.filter(district=district)
    keys = ["channel", "item", "measure"] + ([by] if by else [])
    rows = qs.values(*keys).annotate(v=Sum("value")).order_by()
    return {(r.get(by) if by else None, r["channel"], r["item"], r["measure"]): r["v"] for r in rows}


def snapshot_at(end: dt.date, measures: Sequence[str], *, district: Agency | None, by: str | None,
                grain: str = Grain.DISTRICT_BANK) -> tuple[dt.date | None, dict[tuple[Any, str], int]]:  # fmt: skip
    from .aggregates import snapshot_day

    qs = DailyFigure.objects.filter(grain=grain, measure__in=measures)
    if district is not None:
        qs = qs.filter(district=district)
    day = snapshot_day(measures, end)
    if day is None:
        return None, {}
    keys = ["measure"] + ([by] if by else [])
    rows = qs.filter(day=day).values(*keys).annotate(v=Sum("value")).order_by()
    return day, {(r.get(by) if by else None, r["measure"]): r["v"] for r in rows}


def _total(
    rows: dict[tuple[Any, str, str, str], int], measure: str, *, key: Any = ..., channel: str | None = None
) -> int:
    return sum(v for (k, ch, _it, me), v in rows.items()
               if me == measure and (key is ... or k == key) and (channel is None or ch == channel))  # fmt: skip


def rate(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


def growth(now: float | None, before: float | None) -> float | None:
    if now is None or not before:
        return None
    return round(100 * (now - before) / before, 1)


# --- the report ----------------------------------------------------------------------------------------


def build(kind: str, district: Agency | None, start: dt.date, end: dt.date,
          progress: Callable[[int, str], None] | None = None) -> dict[str, Any]:  # fmt: skip
    """Every figure of the report, with the previous period and the same period a year earlier."""
    step = progress or (lambda _p, _s: None)
    prev = previous_period(kind, start, end)
    last_year = year_earlier(start, end)
    periods = {"current": (start, end), "previous": prev, "last_year": last_year}
    by = "bank_id" if district is not None else "district_id"
    step(15, gettext_noop("汇总业务量与好差评"))
    flows = {name: sums(a, b, FLOW_MEASURES, district=district, by=by) for name, (a, b) in periods.items()}
    items = sums(start, end, [M.ITEM_VOLUME], district=district, by=None, item=True)
    step(35, gettext_noop("汇总网点、人员与监督检查"))
    snap_day, snap = snapshot_at(end, [M.WINDOWS, M.STAFF_WINDOW, M.STAFF_GUIDE, M.GRANTS_EXPIRING, M.RECT_OVERDUE],
                                 district=district, by=by)  # fmt: skip
    cov_day, cov = snapshot_at(
        end, [M.POPULATION, M.COVERED], district=district, by="district_id", grain=Grain.DISTRICT
    )
    outlets = Outlet.objects.all() if district is None else Outlet.objects.filter(district=district)
    status = {
        (r[by], r["status"]): r["n"] for r in outlets.values(by, "status").annotate(n=Count("pk")).order_by()
    }
    step(50, gettext_noop("汇总考核结果"))
    appraisal = _appraisal(district, end, by)

    keys = sorted({k for rows in flows.values() for (k, _c, _i, _m) in rows} | {k for k, _m in snap}
                  | {k for k, _s in status})  # fmt: skip
    names = (dict(Bank.objects.filter(pk__in=keys).values_list("pk", "short_name")) if by == "bank_id"
             else dict(Agency.objects.filter(pk__in=keys).values_list("pk", "district_name")))  # fmt: skip
    if by == "district_id":  # every district appears in a city report, with or without business
        all_districts = Agency.objects.filter(level=Agency.Level.DISTRICT).order_by("code")
        names.update(dict(all_districts.values_list("pk", "district_name")))
        keys = list(all_districts.values_list("pk", flat=True))
    else:
        keys = sorted(keys, key=lambda k: names.get(k, ""))
    dim = "银行" if by == "bank_id" else "所在区"

    cur = flows["current"]

    def summary_row(label: str, fn: Callable[[dict[tuple[Any, str, str, str], int]], float | None], unit: str = "") -> dict[str, Any]:  # fmt: skip
        a, b, c = fn(flows["current"]), fn(flows["previous"]), fn(flows["last_year"])
        return {"label": label, "current": a, "previous": b, "last_year": c, "unit": unit,
                "mom": growth(a, b) if unit != "%" else _diff(a, b), "yoy": growth(a, c) if unit != "%" else _diff(a, c)}  # fmt: skip

    summary = [summary_row("业务量合计", lambda r: _total(r, M.VOLUME))]
    summary += [summary_row(f"其中：{name}", _channel_volume(ch)) for ch, name in CHANNELS]
    summary += [
        summary_row("窗口业务办结量", lambda r: _total(r, M.DONE)),
        summary_row("评价数", lambda r: _total(r, M.RATINGS)),
        summary_row("满意率", lambda r: rate(_total(r, M.SATISFIED), _total(r, M.RATINGS)), "%"),
        summary_row("差评数", lambda r: _total(r, M.BAD)),
        summary_row("差评按期整改率", lambda r: rate(_total(r, M.BAD_ON_TIME), _total(r, M.BAD)), "%"),
        summary_row("问题工单数", lambda r: _total(r, M.TICKETS)),
        summary_row(
            "工单时限内办结率", lambda r: rate(_total(r, M.TICKETS_IN_SLA), _total(r, M.TICKETS)), "%"
        ),
        summary_row("计划检查完成率", lambda r: rate(_total(r, M.INSP_DONE), _total(r, M.INSP_PLANNED)), "%"),
        summary_row("下达整改通知", lambda r: _total(r, M.RECT_ORDERED)),
    ]
    step(60, gettext_noop("整理分项表"))
    total_label = "合计" if by == "bank_id" else "全市"
    every: Any = ...

    def volume_row(label: str, k: Any) -> list[Any]:
        per = [_total(cur, M.VOLUME, key=k, channel=ch) for ch, _n in CHANNELS]
        total, p, y = (
            sum(per),
            _total(flows["previous"], M.VOLUME, key=k),
            _total(flows["last_year"], M.VOLUME, key=k),
        )
        return [label, *per, total, p, growth(total, p), y, growth(total, y)]

    def ratings_row(label: str, k: Any) -> list[Any]:
        prev_r = flows["previous"]
        return [label, _total(cur, M.RATINGS, key=k), rate(_total(cur, M.SATISFIED, key=k), _total(cur, M.RATINGS, key=k)),
                rate(_total(prev_r, M.SATISFIED, key=k), _total(prev_r, M.RATINGS, key=k)), _total(cur, M.BAD, key=k),
                rate(_total(cur, M.BAD_ON_TIME, key=k), _total(cur, M.BAD, key=k))]  # fmt: skip

    def oversight_row(label: str, k: Any, overdue: int) -> list[Any]:
        return [label, _total(cur, M.INSP_PLANNED, key=k), _total(cur, M.INSP_DONE, key=k),
                rate(_total(cur, M.INSP_DONE, key=k), _total(cur, M.INSP_PLANNED, key=k)), _total(cur, M.RECT_ORDERED, key=k),
                overdue, _total(cur, M.TICKETS, key=k), _total(cur, M.TICKETS_IN_SLA, key=k),
                _total(cur, M.TICKETS_LATE, key=k)]  # fmt: skip

    snap_measures = (M.WINDOWS, M.STAFF_WINDOW, M.STAFF_GUIDE, M.GRANTS_EXPIRING)
    business = {
        "title": "一、业务量", "headers": [dim, *[n for _c, n in CHANNELS], "合计", "上期合计", "环比（%）", "上年同期", "同比（%）"],
        "rows": [volume_row(names.get(k, "—"), k) for k in keys] + [volume_row(total_label, every)],
    }  # fmt: skip
    item_names = _item_names([it for (_k, _c, it, _m) in items])
    per_item: dict[str, dict[str, int]] = defaultdict(lambda: {Channel.COUNTER: 0, Channel.ONLINE: 0})
    for (_k, ch, it, _m), v in items.items():
        per_item[it][ch] = per_item[it].get(ch, 0) + v
    top = sorted(per_item, key=lambda i: -sum(per_item[i].values()))[:20]
    items_section = {
        "title": "业务量前二十的服务事项", "headers": ["事项编码", "服务事项", "人工窗口", "网厅自助", "合计"],
        "rows": [[it or "—", item_names.get(it) or it or "其他网厅服务", per_item[it][Channel.COUNTER],
                  per_item[it][Channel.ONLINE], sum(per_item[it].values())] for it in top],
    }  # fmt: skip
    staff_rows = [[names.get(k, "—"), *[status.get((k, st), 0) for st, _n in STATUSES],
                   *[snap.get((k, me), 0) for me in snap_measures]] for k in keys]  # fmt: skip
    staff_rows.append([total_label, *[sum(r[i] for r in staff_rows) for i in range(1, len(STATUSES) + 5)]])
    outlets_staff = {
        "title": "二、网点与人员",
        "headers": [dim, *[n for _s, n in STATUSES], "人工窗口", "持证窗口经办人员", "持证网厅引导员", "30日内到期权限"],
        "rows": staff_rows,
        "note": ("网点状态为报表生成时的状态；人员数据截至" + snap_day.isoformat() + "。") if snap_day
        else "网点状态为报表生成时的状态；该期末尚无人员统计数据。",
    }  # fmt: skip
    ratings = {
        "title": "三、好差评", "headers": [dim, "评价数", "满意率（%）", "上期满意率（%）", "差评数", "差评按期整改率（%）"],
        "rows": [ratings_row(names.get(k, "—"), k) for k in keys] + [ratings_row(total_label, every)],
        "note": "满意率 =（非常满意 + 满意 + 基本满意）÷ 评价数；申诉成立的评价不计入。",
    }  # fmt: skip
    overdue_all = sum(v for (_k, me), v in snap.items() if me == M.RECT_OVERDUE)
    oversight = {
        "title": "四、监督检查",
        "headers": [dim, "计划检查", "已完成", "完成率（%）", "下达整改", "期末逾期未整改", "问题工单", "时限内办结", "超出时限"],
        "rows": [oversight_row(names.get(k, "—"), k, snap.get((k, M.RECT_OVERDUE), 0)) for k in keys]
        + [oversight_row(total_label, every, overdue_all)],
    }  # fmt: skip
    grade_rows = [[names.get(k, "—"), *[appraisal["grades"].get((k, g), 0) for g, _n in GRADES], appraisal["avg"].get(k)]
                  for k in keys]  # fmt: skip
    grade_rows.append(
        [
            total_label,
            *[sum(r[i] for r in grade_rows) for i in range(1, len(GRADES) + 1)],
            appraisal["avg_all"],
        ]
    )
    appraisal_section = {
        "title": "五、考核" + (f"（{appraisal['label']}）" if appraisal["label"] else ""),
        "headers": [dim, *[n for _g, n in GRADES], "平均分"],
        "rows": grade_rows,
        "note": "" if appraisal["label"] else "报表期末前尚无考核结果。",
    }  # fmt: skip
    coverage = None
    if by == "district_id" or district is not None:
        cov_rows = []
        cov_names = dict(
            Agency.objects.filter(pk__in={k for k, _m in cov}).values_list("pk", "district_name")
        )
        for k in sorted(cov_names, key=lambda k: keys.index(k) if k in keys else 0):
            pop, c = cov.get((k, M.POPULATION), 0), cov.get((k, M.COVERED), 0)
            cov_rows.append([cov_names[k], pop, c, rate(c, pop)])
        coverage = {"title": "六、服务覆盖", "headers": ["所在区", "常住人口", "覆盖人口", "覆盖率（%）"], "rows": cov_rows,
                    "note": ("覆盖数据截至" + cov_day.isoformat() + "；布局目标为常住人口全部处于运营网点服务半径内。") if cov_day
                    else "该期末尚无覆盖统计数据。"}  # fmt: skip
    sections = [business, items_section, outlets_staff, ratings, oversight, appraisal_section]
    if coverage is not None:
        sections.append(coverage)
    step(65, gettext_noop("统计完成"))
    return {
        "title": title_of(kind, district, start, end),
        "scope": district.district_name if district is not None else "全市",
        "kind": kind,
        "period": period_label(kind, start, end),
        "periods": {name: [a.isoformat(), b.isoformat()] for name, (a, b) in periods.items()},
        "period_labels": {"previous": _short(kind, *prev), "last_year": _short(kind, *last_year)},
        "summary": summary,
        "sections": sections,
        "generated_at": timezone.localtime().isoformat(timespec="minutes"),
    }


def _channel_volume(channel: str) -> Callable[[dict[tuple[Any, str, str, str], int]], float | None]:
    return lambda rows: _total(rows, M.VOLUME, channel=channel)


def _diff(a: float | None, b: float | None) -> float | None:
    """For rates the change is in percentage points."""
    return None if a is None or b is None else round(a - b, 1)


def _short(kind: str, start: dt.date, end: dt.date) -> str:
    return (
        period_label(kind, start, end) if kind != ReportKind.CUSTOM else f"{start:%Y-%m-%d}至{end:%Y-%m-%d}"
    )


def _item_names(codes: list[str]) -> dict[str, str]:
    from sheyin.catalogue.selectors import items_in_force

    return dict(items_in_force().filter(code__in=[c for c in set(codes) if c]).values_list("code", "name"))


def _appraisal(district: Agency | None, end: dt.date, by: str) -> dict[str, Any]:
    """The latest appraisal whose period has ended by `end`: grades and average score per row."""
    from sheyin.supervision.models import Appraisal

    qs = Appraisal.objects.all() if district is None else Appraisal.objects.filter(district=district)
    periods = sorted(set(qs.values_list("year", "quarter")), key=lambda p: _appraisal_end(*p), reverse=True)
    chosen = next((p for p in periods if _appraisal_end(*p) <= end), None)
    if chosen is None:
        return {"label": "", "grades": {}, "avg": {}, "avg_all": None}
    rows = qs.filter(year=chosen[0], quarter=chosen[1])
    grades = {
        (r[by], r["grade"]): r["n"] for r in rows.values(by, "grade").annotate(n=Count("pk")).order_by()
    }
    from django.db.models import Avg

    # Outlets with too little data have no score (数据不足): a row of only those has no average either.
    avg = {
        r[by]: round(float(r["a"]), 1)
        for r in rows.values(by).annotate(a=Avg("score")).order_by()
        if r["a"] is not None
    }
    overall = rows.aggregate(a=Avg("score"))["a"]
    label = f"{chosen[0]}年" + (f"第{chosen[1]}季度" if chosen[1] else "度")
    return {
        "label": label,
        "grades": grades,
        "avg": avg,
        "avg_all": round(float(overall), 1) if overall is not None else None,
    }


def _appraisal_end(year: int, quarter: int) -> dt.date:
    return dt.date(year, 12, 31) if quarter == 0 else month_end(dt.date(year, quarter * 3, 1))
