"""好差评 statistics (R9.5), computed in SQL with aggregates, by outlet, bank, district and month.

Definitions (documented here and on the statistics page):
- 评价数 number of ratings: ratings given in the period, all channels; ratings set aside on a
  successful appeal (申诉成立) are excluded from every figure.
- 满意率 satisfaction rate = (非常满意 + 满意 + 基本满意) / 评价数, i.e. level ≥ 3 (the common national
  definition, 国办发〔2019〕51号 practice).
- 主动评价率 active-rating rate = ratings of window cases / window cases completed in the same period
  (terminal and online ratings have no completed-case denominator, so they are left out of this rate).
- 差评整改率 rectification rate = bad reviews (level 1–2) rectified on or before their due date / bad reviews.
- 回访率 call-back rate = real-name bad reviews called back / real-name bad reviews.
A rate whose denominator is zero is None (shown as "—"), never 0 or 100.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from sheyin.accounts.scope import scoped
from sheyin.common.generational import GenerationalCache

from .models import BAD_LEVEL_MAX, SATISFIED_LEVEL_MIN, Rating

GROUPS = {"outlet": "outlet_id", "bank": "bank_id", "district": "district_id", "city": None}
BAD = Q(level__lte=BAD_LEVEL_MAX)
AGGREGATES = {
    "ratings": Count("id"),
    "satisfied": Count("id", filter=Q(level__gte=SATISFIED_LEVEL_MIN)),
    "bad": Count("id", filter=BAD),
    "rectified_on_time": Count("id", filter=BAD & Q(bad_review__rectified_on_time=True)),
    "real_name_bad": Count("id", filter=BAD & Q(real_name=True)),
    "called_back": Count("id", filter=BAD & Q(real_name=True, bad_review__called_back_at__isnull=False)),
    "case_ratings": Count("id", filter=Q(case__isnull=False)),
}


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in local time."""
    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return lo, hi


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _ratings(user: Any, lo: dt.datetime, hi: dt.datetime, filters: dict[str, Any]) -> QuerySet[Rating]:
    qs = Rating.objects.filter(created_at__gte=lo, created_at__lt=hi, excluded=False, **filters)
    return scoped(qs, user) if user is not None else qs


def _completed(user: Any, lo: dt.datetime, hi: dt.datetime, filters: dict[str, Any]) -> QuerySet[Any]:
    from sheyin.casework.models import Case
    from sheyin.casework.workflow import CaseStatus

    qs = Case.objects.filter(status=CaseStatus.COMPLETED, ended_at__gte=lo, ended_at__lt=hi, **filters)
    return scoped(qs, user) if user is not None else qs


def figures(
    *,
    start: dt.date,
    end: dt.date,
    by: str = "outlet",
    monthly: bool = False,
    user: Any = None,
    filters: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """One row per group (and month when `monthly`) with counts and the five rates.

    `user=None` is the system (appraisal): unscoped. `filters` narrows by column, e.g. {"district_id": 3}."""
    filters = filters or {}
    lo, hi = bounds(start, end)
    key = GROUPS[by]
    keys = ([key] if key else []) + (["month"] if monthly else [])
    ratings = _ratings(user, lo, hi, filters)
    cases = _completed(user, lo, hi, filters)
    if monthly:
        ratings = ratings.annotate(month=TruncMonth("created_at"))
        cases = cases.annotate(month=TruncMonth("ended_at"))
    r_rows = (
        ratings.values(*keys).annotate(**AGGREGATES).order_by(*keys)
        if keys
        else [ratings.aggregate(**AGGREGATES)]
    )
    # COUNT(*), not of a column: the completed cases' index (case_completed_ended_idx) answers it alone.
    c_rows = (
        cases.values(*keys).annotate(completed=Count("*")).order_by(*keys)
        if keys
        else [cases.aggregate(completed=Count("*"))]
    )
    completed = {tuple(_norm(r.get(k)) for k in keys): r["completed"] for r in c_rows}
    out = []
    for row in r_rows:
        k = tuple(_norm(row.get(k)) for k in keys)
        out.append(_with_rates({**row, "month": _norm(row.get("month")), "completed": completed.pop(k, 0)}))
    for k, n in completed.items():  # groups with completed cases and no rating at all
        row = dict(zip(keys, k, strict=True)) | {a: 0 for a in AGGREGATES} | {"completed": n}
        out.append(_with_rates(row))
    return out


# Closed months change only when an upheld appeal sets a rating aside (`closed_months_changed`, called by
# the appeal decision); a month counts as closed an hour after it ends, so that a rating committing around
# midnight is in. Their counts are kept in the shared cache; the current month is always read live.
CLOSED_AFTER = dt.timedelta(hours=1)
CLOSED_TTL = 6 * 3600
# No model is watched: only the appeal decision changes a closed month, and it says so.
CLOSED = GenerationalCache("ratings:closed-months", list, ttl=CLOSED_TTL)


def closed_months_changed() -> None:
    """Forget every cached count of a closed month (a new generation), at once and again when the
    writing transaction commits (a read racing the write may have stored the old counts)."""
    CLOSED.invalidate_on_write()


def _counts_by_month(qs: QuerySet[Rating]) -> dict[dt.date, tuple[int, int]]:
    rows = (
        qs.annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(ratings=Count("*"), satisfied=Count("level", filter=Q(level__gte=SATISFIED_LEVEL_MIN)))
        .order_by("month")
    )
    return {_norm(r["month"]): (r["ratings"], r["satisfied"]) for r in rows}


def satisfaction_by_month(
    *, start: dt.date, end: dt.date, user: Any = None, filters: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The trend line: per month, the number of ratings and the satisfaction rate, by the definitions above.
    Only the ratings are read (no completed cases, no bad reviews), through one index
    (`rating_counted_idx`); the closed months' counts come from the cache once read."""
    lo, hi = bounds(start, end)
    closed_before = bounds(timezone.localdate(timezone.now() - CLOSED_AFTER).replace(day=1), start)[0]
    cut = min(max(lo, closed_before), hi)
    found: dict[dt.date, tuple[int, int]] = {}
    if lo < cut:
        closed = _ratings(user, lo, cut, filters or {})
        name = f"trend:{hashlib.sha256(str(closed.query).encode()).hexdigest()}"
        found.update(CLOSED.cached(name, lambda: (_counts_by_month(closed), None), per_language=False))
    if cut < hi:
        found.update(_counts_by_month(_ratings(user, cut, hi, filters or {})))
    out, month = [], start.replace(day=1)
    while month <= end:  # every month of the range, a month without ratings too (its rate "—")
        ratings, satisfied = found.get(month, (0, 0))
        out.append({"month": month, "ratings": ratings, "satisfied": satisfied,
                    "satisfaction_rate": _rate(satisfied, ratings)})  # fmt: skip
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return out


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _with_rates(row: dict[str, Any]) -> dict[str, Any]:
    row["satisfaction_rate"] = _rate(row["satisfied"], row["ratings"])
    row["active_rate"] = _rate(row["case_ratings"], row["completed"])
    row["rectification_rate"] = _rate(row["rectified_on_time"], row["bad"])
    row["callback_rate"] = _rate(row["called_back"], row["real_name_bad"])
    return row


# What the ranking shows and sorts by: no completed cases, no call-backs (they are the statistics page's).
RANKED = {k: AGGREGATES[k] for k in ("ratings", "satisfied", "bad", "rectified_on_time")}


def _outlet_names(user: Any, pks: set[int]) -> dict[int, SimpleNamespace]:
    """Name and district of each outlet in `pks`, as values (model instances cost more than the ranking).

    The outlets of the user's scope are read whole (at most 3,000 rows, no parameter list); an id outside
    it (an outlet whose rating is in scope by another road) is read by id."""
    from sheyin.institutions.models import Outlet

    fields = ("pk", "name", "district_id", "district__name", "district__district_name")
    outlets = Outlet.objects.all() if user is None else scoped(Outlet.objects.all(), user)
    rows = list(outlets.order_by().values_list(*fields))
    missing = pks - {r[0] for r in rows}
    if missing:
        rows += Outlet.objects.filter(pk__in=missing).values_list(*fields)
    districts: dict[int, SimpleNamespace] = {}
    out = {}
    for pk, name, d_pk, d_name, d_short in rows:
        district = districts.setdefault(d_pk, SimpleNamespace(pk=d_pk, name=d_name, district_name=d_short))
        out[pk] = SimpleNamespace(pk=pk, name=name, district_id=d_pk, district=district)
    return out


def monthly_ranking(
    month: dt.date, *, user: Any = None, district_id: int | None = None
) -> list[dict[str, Any]]:
    """Outlets ranked by satisfaction rate, then by number of ratings (both descending), city-wide, with
    each outlet's rank within its district. Outlets without a rating that month are not ranked.

    The month's ratings (about 90,000 at Beijing's volume) are counted per outlet before any join, the
    outlets' names read apart and the up to 3,000 rows sorted here: joining the names in before counting
    doubled the query's time, and reading them by a list of 3,000 ids cost more than the counting."""
    lo, hi = bounds(*month_bounds(month))
    counted = list(
        _ratings(user, lo, hi, {}).values("outlet_id").annotate(**RANKED)
        .values_list("outlet_id", *RANKED).order_by()
    )  # fmt: skip
    outlets = _outlet_names(user, {r[0] for r in counted})
    rows = [
        {"outlet_id": pk, "outlet": outlets[pk], "ratings": ratings, "satisfied": satisfied, "bad": bad,
         "rectified_on_time": rectified, "satisfaction_rate": _rate(satisfied, ratings),
         "rectification_rate": _rate(rectified, bad)}
        for pk, ratings, satisfied, bad, rectified in counted
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r["satisfaction_rate"], -r["ratings"], r["outlet_id"]))
    per_district: dict[int, int] = {}
    for i, row in enumerate(rows, start=1):
        d_pk = row["outlet"].district_id
        row["city_rank"] = i
        row["district_rank"] = per_district[d_pk] = per_district.get(d_pk, 0) + 1
    if district_id:
        rows = [r for r in rows if r["outlet"].district_id == district_id]
    return rows


def outlet_scores(period_start: dt.date, period_end: dt.date) -> dict[int, dict[str, Any]]:
    """For the appraisal (R7.2, R9.4, R9.5): per outlet, the figures and a 0–100 `score`.

    score = 100 × (0.6 × 满意率 + 0.2 × 整改率 + 0.2 × 回访率); a rate with no denominator counts as met
    (an outlet with no bad review has nothing to rectify). An outlet with no rating gets no entry: the
    appraisal decides how to score it."""
    out: dict[int, dict[str, Any]] = {}
    for row in figures(start=period_start, end=period_end, by="outlet"):
        if not row["ratings"]:
            continue
        sat = row["satisfaction_rate"] or 0.0
        rect = 1.0 if row["rectification_rate"] is None else row["rectification_rate"]
        cb = 1.0 if row["callback_rate"] is None else row["callback_rate"]
        out[row["outlet_id"]] = {**row, "score": round(100 * (0.6 * sat + 0.2 * rect + 0.2 * cb), 2)}
    return out


def public_monthly(months: int = 6) -> dict[str, Any]:
    """City and per-district satisfaction by month for the public page: counts and rates only."""
    today = timezone.localdate()
    first = today.replace(day=1)
    for _i in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    city = figures(start=first, end=today, by="city", monthly=True)
    districts = figures(start=first, end=today, by="district", monthly=True)
    return {"start": first, "end": today, "city": city, "districts": districts}
