"""The outlet's dashboard: today's queue, its staff's grants and their expiry, and its ratings.

Today's queue and the roster are read live (one outlet's rows of today, through indexed, scoped
selectors); the month-by-month figures come from the outlet grain of the aggregates like every other
dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.catalogue.choices import Channel

from . import selectors as s
from .charts import (
    CHANNELS,
    Chart,
    Dashboard,
    Figures,
    Kpi,
    _channel_names,
    _month_label,
    change,
    crumbs,
    fmt_change,
    fmt_pct,
    pct,
    ratings_trend,
    title_of,
    volume_trend,
)
from .models import Measure as M


def daily_volume(f: Figures) -> Chart:
    names = _channel_names()
    last = f.today
    first = last - dt.timedelta(days=29)
    rows_raw = s.daily(f.user, f.focus, [M.VOLUME], first, last)
    days = [first + dt.timedelta(days=i) for i in range(30)]
    rows = []
    for d in days:
        by_ch = [rows_raw.get((d, c, M.VOLUME), 0) for c in CHANNELS]
        rows.append([d.isoformat(), *by_ch, sum(by_ch)])
    return Chart(
        "volume-daily", _("近30日业务量"), "axis",
        [_("日期"), *[names[c] for c in CHANNELS], _("合计")], rows if any(r[-1] for r in rows) else [],
        {"categories": [d.strftime("%m-%d") for d in days], "axes": [{"name": _("业务量")}],
         "series": [{"name": names[c], "type": "bar", "stack": "v", "data": [r[i + 1] for r in rows]}
                    for i, c in enumerate(CHANNELS)]},
        wide=True,
    )  # fmt: skip


def rating_levels(f: Figures) -> Chart:
    from sheyin.ratings.models import Level

    outlet = f.focus.outlet
    assert outlet is not None
    counts = s.ratings_by_level(f.user, outlet, f.month)
    rows = [[str(Level(v).label), counts.get(v, 0)] for v in sorted(Level.values, reverse=True)]
    return Chart(
        "rating-levels",
        _("本月评价等级"),
        "pie",
        [_("评价等级"), _("评价数")],
        rows if any(r[1] for r in rows) else [],
        {"data": [{"name": r[0], "value": r[1]} for r in rows]},
    )


def outlet_dashboard(user: Any, focus: s.Focus) -> Dashboard:
    from .aggregates import refreshed_at

    outlet = focus.outlet
    assert outlet is not None
    f = Figures(user, focus)
    queue = s.todays_queue(user, outlet)
    roster = s.outlet_staff(user, outlet)
    now, prev, last_year = f.like_for_like()
    n, good = f.flow(f.month, M.RATINGS), f.flow(f.month, M.SATISFIED)
    certified_w = sum(1 for r in roster if r["grant"] is not None and r["grant"].status == "active"
                      and Channel.COUNTER in r["grant"].channel_list and r["staff"].post == "window")  # fmt: skip
    expiring = sum(1 for r in roster if r["days_left"] is not None and 0 <= r["days_left"] <= 30
                   and r["grant"].status == "active")  # fmt: skip
    today_cases = sum(queue["by_status"].values())
    cases_url = reverse("casework:case_list") + f"?outlet={outlet.pk}&from={timezone.localdate().isoformat()}"
    kpis = [
        Kpi(_("今日受理"), str(today_cases), _("受理中 %(a)d · 待复核 %(b)d") % {
            "a": queue["by_status"].get("draft", 0), "b": queue["by_status"].get("awaiting_review", 0)}, url=cases_url),
        Kpi(_("今日网厅自助引导"), str(queue["guided"]), _("引导中 %(n)d") % {"n": queue["guiding"]}),
        Kpi(_("今日自助终端服务"), str(queue["terminal"])),
        Kpi(_("本月业务量") if f.partial else _("当月业务量"), f"{now:,}",
            _("环比 %(a)s · 同比 %(b)s") % {"a": fmt_change(change(now, prev)), "b": fmt_change(change(now, last_year))}),
        Kpi(_("本月满意率"), fmt_pct(pct(good, n)), _("评价 %(n)d 条") % {"n": n}),
        Kpi(_("持证窗口人员 / 人工窗口"), f"{certified_w} / {outlet.windows}",
            _("30日内到期权限 %(n)d 项") % {"n": expiring}, tone="warning" if expiring else ""),
    ]  # fmt: skip
    charts = [daily_volume(f), volume_trend(f), ratings_trend(f), rating_levels(f)]
    extras = {
        "queue": queue,
        "roster": roster,
        "bad_reviews": s.open_bad_reviews(user, outlet),
        "cases_url": cases_url,
        "month_label": _month_label(f.month),
    }
    return Dashboard(focus, title_of(focus), crumbs(focus, user), kpis, charts, refreshed_at(), extras)
