"""Data-analysis rules (R9.4, Annex 13) as SQL over cases, staff look-ups of persons and audit events.

Each rule is a function `(cursor, vendor, start, end, params) -> list[Hit]` whose aggregation runs in the
database (never a Python loop over cases): the nightly job runs them through Django's connection on SQLite
or PostgreSQL, and `python -m sheyin.bench analytics` runs the very same SQL on PostgreSQL and DuckDB.
Only the few dialect fragments below differ. Times are stored in UTC; Beijing has no daylight saving, so
local time is UTC + 8 h. Standard deviation is computed from AVG(x) and AVG(x*x) (SQLite has no STDDEV),
and "x > mean + kσ" is tested squared, so no SQRT is needed either.
"""

# SQL here is assembled only from the fixed dialect fragments below; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy

EDIT_ACTIONS = ("case.choose_item", "case.identify", "case.materials", "case.attach", "case.remove_file",
                "case.review_return", "case.update")  # fmt: skip


@dataclass
class Hit:
    outlet_id: int
    subject_key: str
    title: str
    evidence: dict[str, Any] = field(default_factory=dict)
    severity: str = "low"


def _local(vendor: str, col: str) -> str:
    if vendor == "sqlite":
        return f"datetime({col}, '+8 hours')"
    if vendor == "postgresql":
        return f"({col} AT TIME ZONE 'Asia/Shanghai')"
    return f"({col} + INTERVAL 8 HOUR)"  # duckdb: naive UTC timestamps


def minute_of_day(vendor: str, col: str) -> str:
    loc = _local(vendor, col)
    if vendor == "sqlite":
        return f"(CAST(strftime('%%H', {loc}) AS INTEGER) * 60 + CAST(strftime('%%M', {loc}) AS INTEGER))"
    return f"(CAST(EXTRACT(HOUR FROM {loc}) AS INTEGER) * 60 + CAST(EXTRACT(MINUTE FROM {loc}) AS INTEGER))"


def weekend(vendor: str, col: str) -> str:
    loc = _local(vendor, col)
    if vendor == "sqlite":
        return f"(strftime('%%w', {loc}) IN ('0', '6'))"
    return f"(EXTRACT(ISODOW FROM {loc}) >= 6)"


def local_date(vendor: str, col: str) -> str:
    if vendor == "sqlite":
        return f"date({col}, '+8 hours')"
    return f"CAST({_local(vendor, col)} AS DATE)"


def shift(vendor: str, col: str, days: int) -> str:
    if vendor == "sqlite":
        return f"datetime({col}, '{days:+d} days')"
    return f"({col} + INTERVAL '{days} days')"  # PostgreSQL and DuckDB alike


def _db_value(vendor: str, value: Any) -> Any:
    """SQLite keeps datetimes as UTC text and compares strings: give it the same form (PostgreSQL and
    DuckDB take aware datetimes as they are)."""
    if vendor == "sqlite" and isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def _rows(cursor: Any, vendor: str, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if vendor == "duckdb":
        sql = sql.replace("%%", "%").replace("%s", "?")
    cursor.execute(sql, [_db_value(vendor, v) for v in params])
    return list(cursor.fetchall())


def _hm(value: str) -> int:
    h, m = value.split(":")
    return int(h) * 60 + int(m)


def _t(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date | dt.datetime) else v


def _instant(v: Any) -> str | None:
    """A stored instant as ISO 8601 with its offset: SQLite hands back UTC text and DuckDB naive UTC
    timestamps, PostgreSQL aware datetimes. The evidence shows it in Beijing time."""
    if v is None:
        return None
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    if isinstance(v, dt.datetime) and v.tzinfo is None:
        v = v.replace(tzinfo=dt.UTC)
    return v.isoformat() if isinstance(v, dt.datetime) else str(v)


# --- the rules ---------------------------------------------------------------------------------------


def off_hours(cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]) -> list[Hit]:
    """Cases called outside opening hours (default 08:30–17:30 on weekdays), per outlet."""
    mod = minute_of_day(vendor, "called_at")
    sql = f"""
        SELECT outlet_id, COUNT(*), MIN(id), MAX(id), MIN(called_at), MAX(called_at)
        FROM casework_case
        WHERE called_at >= %s AND called_at < %s
          AND ({mod} < %s OR {mod} >= %s OR {weekend(vendor, "called_at")})
        GROUP BY outlet_id HAVING COUNT(*) >= %s"""
    rows = _rows(cursor, vendor, sql, [start, end, _hm(p.get("open", "08:30")), _hm(p.get("close", "17:30")),
                                       int(p.get("min_count", 1))])  # fmt: skip
    return [Hit(r[0], "outlet", f"非营业时间受理业务{r[1]}笔",
                {"count": r[1], "first_case_id": r[2], "last_case_id": r[3], "first_at": _instant(r[4]),
                 "last_at": _instant(r[5]), "hours": f"{p.get('open', '08:30')}-{p.get('close', '17:30')}"},
                "medium" if r[1] >= 5 else "low") for r in rows]  # fmt: skip


def staff_volume(
    cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]
) -> list[Hit]:
    """A staff member's daily volume above the outlet's mean + kσ of staff-days (default k = 3)."""
    k = float(p.get("sigma", 3))
    sql = f"""
        WITH d AS (
            SELECT outlet_id, staff_id, {local_date(vendor, "called_at")} AS day, COUNT(*) AS n
            FROM casework_case WHERE called_at >= %s AND called_at < %s
            GROUP BY outlet_id, staff_id, {local_date(vendor, "called_at")}),
        s AS (SELECT outlet_id, AVG(n * 1.0) AS mu, AVG(n * n * 1.0) AS m2, COUNT(*) AS days FROM d GROUP BY outlet_id)
        SELECT d.outlet_id, d.staff_id, d.day, d.n, s.mu, s.m2, s.days
        FROM d JOIN s ON s.outlet_id = d.outlet_id
        WHERE d.n >= %s AND d.n > s.mu
          AND (d.n - s.mu) * (d.n - s.mu) > %s * (s.m2 - s.mu * s.mu)"""
    rows = _rows(cursor, vendor, sql, [start, end, int(p.get("min_volume", 10)), k * k])
    hits = []
    for outlet_id, staff_id, day, n, mu, m2, days in rows:
        sigma = max(float(m2) - float(mu) ** 2, 0.0) ** 0.5
        hits.append(Hit(outlet_id, f"staff:{staff_id}:{_t(day)}", f"经办人员单日受理{n}笔，显著高于本网点均值",
                        {"staff_id": staff_id, "day": _t(day), "count": n, "outlet_mean": round(float(mu), 2),
                         "outlet_sigma": round(sigma, 2), "staff_days": days, "sigma_k": k}, "medium"))  # fmt: skip
    return hits


def snooping(cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]) -> list[Hit]:
    """Staff look-ups of persons (casework_personlookup) with no case for the same person at that outlet
    called within ±N days (default 1; a cancelled case does not count): possible snooping on personal data,
    per staff member and day. A citizen's own queries at a terminal (identified by card and ID number, or
    by a code sent to their phone) are self-service and are not looked at."""
    days = int(p.get("days", 1))
    # The cases that can answer a look-up are those of the window widened by N days: read once by time
    # (one range of the called_at index) and matched by person and outlet, rather than one probe of the
    # person index per look-up (hundreds of thousands of random reads at Beijing's size).
    sql = f"""
        WITH c AS (
            SELECT applicant_index, outlet_id, called_at FROM casework_case
            WHERE called_at >= %s AND called_at <= %s AND status <> 'cancelled' AND applicant_index <> '')
        SELECT l.outlet_id, l.staff_id, COUNT(*), COUNT(DISTINCT l.person_index), MIN(l.id), MAX(l.id),
               MIN(l.at), MAX(l.at)
        FROM casework_personlookup l
        WHERE l.at >= %s AND l.at < %s AND l.person_index <> ''
          AND NOT EXISTS (
            SELECT 1 FROM c
            WHERE c.applicant_index = l.person_index AND c.outlet_id = l.outlet_id
              AND c.called_at >= {shift(vendor, "l.at", -days)} AND c.called_at <= {shift(vendor, "l.at", days)})
        GROUP BY l.outlet_id, l.staff_id HAVING COUNT(*) >= %s"""
    wide = dt.timedelta(days=days)
    rows = _rows(cursor, vendor, sql, [start - wide, end + wide, start, end, int(p.get("min_count", 2))])
    high = int(p.get("high_count", 10))
    return [Hit(r[0], f"staff:{r[1]}", f"经办人员查询{r[3]}位人员信息无对应业务",
                {"staff_id": r[1], "lookups": r[2], "persons": r[3], "first_lookup_id": r[4],
                 "last_lookup_id": r[5], "first_at": _instant(r[6]), "last_at": _instant(r[7]), "window_days": days},
                "high" if r[2] >= high else "medium") for r in rows]  # fmt: skip


def rates(cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]) -> list[Hit]:
    """High rejection or cancellation rates: an outlet above the threshold with a minimum volume."""
    sql = """
        SELECT outlet_id, COUNT(*),
               SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END),
               SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END)
        FROM casework_case WHERE called_at >= %s AND called_at < %s AND status <> 'draft'
        GROUP BY outlet_id
        HAVING COUNT(*) >= %s AND (SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) > %s * COUNT(*)
                                  OR SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) > %s * COUNT(*))"""
    rows = _rows(cursor, vendor, sql, [start, end, int(p.get("min_volume", 20)), float(p.get("max_reject_rate", 0.2)),
                                       float(p.get("max_cancel_rate", 0.2))])  # fmt: skip
    return [Hit(r[0], "outlet", f"不予办理率{r[2] * 100 // r[1]}%，取消率{r[3] * 100 // r[1]}%",
                {"cases": r[1], "rejected": r[2], "cancelled": r[3], "reject_rate": round(r[2] / r[1], 3),
                 "cancel_rate": round(r[3] / r[1], 3)}, "medium") for r in rows]  # fmt: skip


def repeated_edits(
    cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]
) -> list[Hit]:
    """A case edited again and again: edit events in the audit trail per case above a threshold."""
    actions = tuple(p.get("actions", EDIT_ACTIONS))
    marks = ", ".join(["%s"] * len(actions))
    sql = f"""
        SELECT e.object_id, COUNT(*) FROM audit_auditevent e
        WHERE e.at >= %s AND e.at < %s AND e.object_type = 'casework.case' AND e.action IN ({marks})
        GROUP BY e.object_id HAVING COUNT(*) >= %s"""
    counts = {
        str(r[0]): r[1]
        for r in _rows(cursor, vendor, sql, [start, end, *actions, int(p.get("min_edits", 8))])
    }
    hits: list[Hit] = []
    ids = [int(i) for i in counts if str(i).isdigit()]
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        sql = (
            f"SELECT id, outlet_id, staff_id FROM casework_case WHERE id IN ({', '.join(['%s'] * len(part))})"
        )
        for case_id, outlet_id, staff_id in _rows(cursor, vendor, sql, part):
            n = counts[str(case_id)]
            hits.append(Hit(outlet_id, f"case:{case_id}", f"同一笔业务被反复修改{n}次",
                            {"case_id": case_id, "staff_id": staff_id, "edits": n}, "low"))  # fmt: skip
    return hits


def rating_bursts(
    cursor: Any, vendor: str, start: dt.datetime, end: dt.datetime, p: dict[str, Any]
) -> list[Hit]:
    """Bursts of identical ratings, from the ratings app (skipped when it is not installed)."""
    try:
        from sheyin.ratings.selectors import rating_bursts as bursts
    except ImportError:
        return []
    found = bursts(p.get("window_minutes"), p.get("threshold"), since=start, until=end)
    return [Hit(b["outlet_id"], f"burst:{b['rating_ids'][0]}", f"短时间内出现{b['count']}条相同评价",
                {"count": b["count"], "rating_ids": b["rating_ids"][:100], "level": b["level"],
                 "first_at": _t(b["first_at"]), "last_at": _t(b["last_at"])}, "medium") for b in found]  # fmt: skip


# What each parameter means, as the rules page names it (the keys stay in the stored parameters).
PARAM_LABELS = {
    "open": gettext_lazy("营业开始时间"), "close": gettext_lazy("营业结束时间"),
    "min_count": gettext_lazy("最少命中次数"), "sigma": gettext_lazy("标准差倍数"),
    "min_volume": gettext_lazy("最少业务量"), "days": gettext_lazy("比对前后天数"),
    "high_count": gettext_lazy("达到此次数为严重"), "max_reject_rate": gettext_lazy("不予办理率上限"),
    "max_cancel_rate": gettext_lazy("取消率上限"), "min_edits": gettext_lazy("最少修改次数"),
    "actions": gettext_lazy("计入的修改操作"), "window_days": gettext_lazy("统计天数"),
    "window_minutes": gettext_lazy("时间窗口（分钟）"), "threshold": gettext_lazy("相同评价条数"),
}  # fmt: skip


@dataclass(frozen=True)
class RuleSpec:
    code: str
    name: str
    description: str
    run: Callable[..., list[Hit]]
    params: dict[str, Any]
    window_days: int = 1
    source: str = "data_rule"


RULES: dict[str, RuleSpec] = {
    r.code: r
    for r in (
        RuleSpec("off_hours", "非营业时间受理", "营业时间（默认工作日08:30–17:30）以外受理的业务。", off_hours,
                 {"open": "08:30", "close": "17:30", "min_count": 1}),
        RuleSpec("staff_volume", "经办人员单日业务量异常", "经办人员单日受理量高于本网点人日均值加3倍标准差。",
                 staff_volume, {"sigma": 3, "min_volume": 10}, window_days=30),
        RuleSpec("snooping", "疑似窥探个人信息",
                 "经办人员查询参保人员信息，前后1日内本网点没有该人员的业务（已取消的不算）。群众在自助终端查询本人记录不在此列。",
                 snooping, {"days": 1, "min_count": 2, "high_count": 10}),
        RuleSpec("rates", "不予办理或取消率过高", "网点业务不予办理率或取消率超过阈值（最少业务量以上）。", rates,
                 {"min_volume": 20, "max_reject_rate": 0.2, "max_cancel_rate": 0.2}, window_days=30),
        RuleSpec("repeated_edits", "业务反复修改", "同一笔业务在审计记录中的修改操作次数超过阈值。", repeated_edits,
                 {"min_edits": 8}),
        RuleSpec("rating_bursts", "相同评价集中出现", "短时间内同一网点出现多条完全相同的评价（调用好差评模块）。",
                 rating_bursts, {}, source="rating_burst"),
    )
}  # fmt: skip
