"""Scoped reads for the dashboards and reports (design rule 2).

Every figure comes from `DailyFigure` / `MonthlyFigure` narrowed by `accounts.scope.scoped` and by the
dashboard's focus (a district, a bank, an outlet); the database sums them (GROUP BY over a few thousand
pre-aggregated rows), so no page view reads a source table row by row. Current state that is small by
nature (the outlets' statuses, the latest appraisal) is read live through the owning app's selector.

A benchmark can call these directly: `focus_for(user)` then `dashboard(user, focus)` (in `charts`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.common.memo import remember
from sheyin.institutions.models import Agency, Bank, Outlet
from sheyin.institutions.selectors import banks_for, districts, outlets_for

from .models import COVERAGE, DailyFigure, Grain, IssuedReport, MonthlyFigure, ReportRun

CITY, DISTRICT, BANK, OUTLET = "city", "district", "bank", "outlet"
_ORDER = [Level.ALL, Level.DISTRICT, Level.BANK, Level.OUTLET]


@dataclass(frozen=True)
class Focus:
    """What a dashboard shows: the city, a district, a bank (optionally within a district) or an outlet, for
    a month. `own` is the user's own level (where their to-dos belong), as opposed to a drill-down."""

    level: str
    month: dt.date
    district: Agency | None = None
    bank: Bank | None = None
    outlet: Outlet | None = None
    own: bool = True

    @property
    def filters(self) -> dict[str, int]:
        out = {}
        if self.outlet is not None:
            out["outlet_id"] = self.outlet.pk
        if self.district is not None:
            out["district_id"] = self.district.pk
        if self.bank is not None:
            out["bank_id"] = self.bank.pk
        return out

    @property
    def outlet_grain(self) -> bool:
        return self.outlet is not None


def home_level(user: Any) -> Level | None:
    """The broadest data-scope level among the user's assignments (None: no dashboard level)."""
    levels = {LEVEL[Role(a.role)] for a in assignments_of(user)}
    return next((lv for lv in _ORDER if lv in levels), None)


def _assignment(user: Any, level: Level) -> Any:
    return next(a for a in assignments_of(user) if LEVEL[Role(a.role)] == level)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def parse_month(value: str | None, today: dt.date | None = None) -> dt.date:
    today = today or timezone.localdate()
    try:
        month = dt.datetime.strptime(value or "", "%Y-%m").date()
    except ValueError:
        return today.replace(day=1)
    return min(month, today.replace(day=1)) if month.year >= 2000 else today.replace(day=1)


def focus_for(
    user: Any, *, district: Any = None, bank: Any = None, outlet: Any = None, month: dt.date | None = None
) -> Focus | None:
    """The focus the user asked for, or None when it lies outside their scope (the view answers 404)."""
    month = month or timezone.localdate().replace(day=1)
    level = home_level(user)
    if level is None or level == Level.SELF:
        return None
    outlet_id, district_id, bank_id = _int(outlet), _int(district), _int(bank)
    if outlet_id is not None:
        found = outlets_for(user).filter(pk=outlet_id).first()
        if found is None:
            return None
        return Focus(OUTLET, month, found.district, found.bank, found, own=level == Level.OUTLET)
    if level == Level.OUTLET:
        a = _assignment(user, Level.OUTLET)
        mine = outlets_for(user).filter(pk=a.outlet_id).first()
        return Focus(OUTLET, month, mine.district, mine.bank, mine) if mine else None
    agency: Agency | None = None
    the_bank: Bank | None = None
    if level == Level.DISTRICT:
        agency = districts().filter(pk=_assignment(user, Level.DISTRICT).agency_id).first()
        if district_id is not None and (agency is None or district_id != agency.pk):
            return None
    elif district_id is not None:
        agency = districts().filter(pk=district_id).first()
        if agency is None:
            return None
    if level == Level.BANK:
        the_bank = banks_for(user).filter(pk=_assignment(user, Level.BANK).bank_id).first()
        if the_bank is None or (bank_id is not None and bank_id != the_bank.pk):
            return None
        return Focus(BANK, month, agency, the_bank, own=district_id is None)
    if bank_id is not None:
        the_bank = banks_for(user).filter(pk=bank_id).first()
        if the_bank is None:
            return None
        return Focus(BANK, month, agency, the_bank, own=False)
    if agency is not None:
        return Focus(DISTRICT, month, agency, own=level == Level.DISTRICT)
    return Focus(CITY, month)


# --- figures ----------------------------------------------------------------------------------------


def _months_back(month: dt.date, n: int) -> dt.date:
    y, m = divmod(month.year * 12 + month.month - 1 - n, 12)
    return dt.date(y, m + 1, 1)


def month_range(last: dt.date, n: int) -> list[dt.date]:
    """The n months ending with `last` (first days), oldest first."""
    return [_months_back(last, i) for i in range(n - 1, -1, -1)]


def _monthly(user: Any, focus: Focus, *, grain: str | None = None) -> QuerySet[MonthlyFigure]:
    grain = grain or (Grain.OUTLET if focus.outlet_grain else Grain.DISTRICT_BANK)
    return scoped(MonthlyFigure.objects.filter(grain=grain, **focus.filters), user)


def _daily(user: Any, focus: Focus, *, grain: str | None = None) -> QuerySet[DailyFigure]:
    grain = grain or (Grain.OUTLET if focus.outlet_grain else Grain.DISTRICT_BANK)
    return scoped(DailyFigure.objects.filter(grain=grain, **focus.filters), user)


def monthly(
    user: Any, focus: Focus, measures: list[str], first: dt.date, last: dt.date, *, by: str | None = None
) -> dict[tuple[Any, ...], int]:
    """{(month, key, channel, item, measure): sum} for the focus; `by` is a column (district_id, bank_id,
    outlet_id, item) or None for the focus as a whole. By outlet reads the outlet grain."""
    grain = Grain.OUTLET if by == "outlet_id" else None
    qs = _monthly(user, focus, grain=grain).filter(measure__in=measures, month__gte=first, month__lte=last)
    keys = ["month", "channel", "item", "measure"] + ([by] if by and by != "item" else [])
    rows = qs.values(*keys).annotate(v=Sum("value")).order_by()
    return {
        (r["month"], r.get(by) if by else None, r["channel"], r["item"], r["measure"]): r["v"] for r in rows
    }


def daily(
    user: Any, focus: Focus, measures: list[str], first: dt.date, last: dt.date
) -> dict[tuple[Any, ...], int]:
    """{(day, channel, measure): sum} for the focus over [first, last]."""
    qs = _daily(user, focus).filter(measure__in=measures, day__gte=first, day__lte=last, item="")
    rows = qs.values("day", "channel", "measure").annotate(v=Sum("value")).order_by()
    return {(r["day"], r["channel"], r["measure"]): r["v"] for r in rows}


def snapshot(
    user: Any, focus: Focus, measures: list[str], *, by: str | None = None, grain: str | None = None
) -> tuple[dt.date | None, dict[tuple[Any, str], int]]:
    """The latest snapshot (≤ today) of `measures`: its day and {(key, measure): sum}. By outlet reads the
    outlet grain."""
    if grain is None and by == "outlet_id":
        grain = Grain.OUTLET
    from .aggregates import snapshot_day

    qs = _daily(user, focus, grain=grain).filter(measure__in=measures)
    today = timezone.localdate()
    # The day depends only on whether the measures are the coverage ones (one anchor each): several
    # charts of a page ask.
    day = remember(
        ("snapshot_day", frozenset(measures) <= COVERAGE, today), lambda: snapshot_day(measures, today)
    )
    if day is None:
        return None, {}
    keys = ["measure"] + ([by] if by else [])
    rows = qs.filter(day=day).values(*keys).annotate(v=Sum("value")).order_by()
    return day, {(r.get(by) if by else None, r["measure"]): r["v"] for r in rows}


def coverage(user: Any, focus: Focus) -> tuple[dt.date | None, dict[tuple[Any, str], int]]:
    """Population and covered population per district (district grain; agencies only see it)."""
    if focus.bank is not None or focus.outlet is not None:
        return None, {}
    # Asked by the coverage chart and the key figures of the same page.
    return remember(
        ("dashboard_coverage", getattr(user, "pk", None), tuple(sorted(focus.filters.items()))),
        lambda: snapshot(user, focus, ["population", "covered"], by="district_id", grain=Grain.DISTRICT),
    )


# --- current state read live (small tables) ------------------------------------------------------


def focus_outlets(user: Any, focus: Focus) -> QuerySet[Outlet]:
    qs = outlets_for(user)
    if focus.outlet is not None:
        return qs.filter(pk=focus.outlet.pk)
    if focus.district is not None:
        qs = qs.filter(district=focus.district)
    if focus.bank is not None:
        qs = qs.filter(bank=focus.bank)
    return qs


def outlet_status(user: Any, focus: Focus, by: str = "district_id") -> dict[tuple[Any, str], int]:
    """{(district, bank or outlet id, status): outlets} for the focus."""
    field = "pk" if by == "outlet_id" else by
    rows = focus_outlets(user, focus).values(field, "status").annotate(n=Count("pk")).order_by()
    return {(r[field], r["status"]): r["n"] for r in rows}


def map_points(user: Any, focus: Focus) -> list[tuple[int, str, str, float, float]]:
    """(pk, name, status, lon, lat) of the focus's outlets (terminated ones left off the map)."""
    return list(
        focus_outlets(user, focus)
        .exclude(status="terminated")
        .order_by()
        .values_list("pk", "name", "status", "lon", "lat")
    )


def latest_appraisals(user: Any, focus: Focus) -> tuple[tuple[int, int] | None, QuerySet[Any]]:
    """The latest appraisal period in the focus ((year, quarter)) and its appraisals."""
    from sheyin.supervision.selectors import appraisals

    qs = appraisals(user)
    if focus.outlet is not None:
        qs = qs.filter(outlet=focus.outlet)
    else:
        qs = qs.filter(**{k: v for k, v in focus.filters.items()})
    latest = qs.order_by("-year", "-quarter").values_list("year", "quarter").first()
    if latest is None:
        return None, qs.none()
    return (latest[0], latest[1]), qs.filter(year=latest[0], quarter=latest[1])


def names(model: type[Any], ids: Any) -> dict[int, str]:
    """Display names of `ids`. The 17 agencies and the banks (a few dozen) are read once per request, as
    every chart of a dashboard labels them; outlets (thousands) only those asked for."""
    ids = [i for i in set(ids) if i is not None]
    if model is Agency:
        every = remember(("dashboard_names", "agency"),
                         lambda: dict(Agency.objects.values_list("pk", "district_name")))  # fmt: skip
        return {i: every[i] for i in ids if i in every}
    if model is Bank:
        every = remember(
            ("dashboard_names", "bank"), lambda: dict(Bank.objects.values_list("pk", "short_name"))
        )
        return {i: every[i] for i in ids if i in every}
    return dict(Outlet.objects.filter(pk__in=ids).values_list("pk", "name"))


def item_names(codes: Any) -> dict[str, str]:
    """Names of service items by code, from the catalogue in force (an older code keeps its code)."""
    from sheyin.catalogue.selectors import items_in_force

    found = dict(items_in_force().filter(code__in=[c for c in set(codes) if c]).values_list("code", "name"))
    return found


# --- outlet level (live, one outlet: indexed reads of today's rows) ---------------------------------


def todays_queue(user: Any, outlet: Outlet) -> dict[str, Any]:
    from sheyin.casework.selectors import cases_for, guided_for
    from sheyin.kiosk.selectors import queries_for

    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(timezone.localdate(), dt.time.min, tzinfo=tz)
    cases = cases_for(user).filter(outlet=outlet, called_at__gte=start)
    by_status = dict(cases.values_list("status").annotate(n=Count("pk")).order_by())
    guided = guided_for(user).filter(outlet=outlet, started_at__gte=start)
    return {
        "by_status": by_status,
        "latest": list(cases.order_by("-called_at")[:8]),
        "guided": guided.count(),
        "guiding": guided.filter(status="in_progress").count(),
        "terminal": queries_for(user).filter(outlet=outlet, at__gte=start,
                                             action__in=("view_record", "print_record")).count(),
    }  # fmt: skip


def outlet_staff(user: Any, outlet: Outlet) -> list[dict[str, Any]]:
    """The outlet's staff on the roster with their current grant and its expiry."""
    from sheyin.staffing.selectors import grants_for, staff_for

    today = timezone.localdate()
    staff = list(staff_for(user).filter(outlet=outlet).exclude(status="left").order_by("post", "name"))
    grants: dict[int, Any] = {}
    for grant in (
        grants_for(user).filter(outlet=outlet, status__in=("active", "proposed")).order_by("valid_until")
    ):
        grants.setdefault(grant.staff_id, grant)
    out = []
    for s in staff:
        g = grants.get(s.pk)
        days = (g.valid_until - today).days if g is not None and g.valid_until else None
        out.append({"staff": s, "grant": g, "days_left": days})
    return out


def ratings_by_level(user: Any, outlet: Outlet, month: dt.date) -> dict[int, int]:
    from sheyin.ratings.selectors import ratings_for

    tz = timezone.get_current_timezone()
    lo = dt.datetime.combine(month, dt.time.min, tzinfo=tz)
    hi = dt.datetime.combine(_months_back(month, -1), dt.time.min, tzinfo=tz)
    qs = ratings_for(user).filter(outlet=outlet, created_at__gte=lo, created_at__lt=hi, excluded=False)
    return dict(qs.values_list("level").annotate(n=Count("pk")).order_by())


def open_bad_reviews(user: Any, outlet: Outlet) -> list[Any]:
    from sheyin.ratings.selectors import bad_reviews_for
    from sheyin.ratings.workflow import FINISHED

    return list(
        bad_reviews_for(user).filter(outlet=outlet).exclude(status__in=FINISHED).order_by("due_date")[:6]
    )


# --- reports --------------------------------------------------------------------------------------


def reports_for(user: Any) -> QuerySet[IssuedReport]:
    if not user.has_perm("dashboards.view_reports"):
        return IssuedReport.objects.none()
    return scoped(IssuedReport.objects.select_related("district", "issued_by"), user)


def report_runs_for(user: Any) -> QuerySet[ReportRun]:
    if not user.has_perm("dashboards.view_reports"):
        return ReportRun.objects.none()
    return scoped(ReportRun.objects.select_related("district", "requested_by", "report"), user)


def report_districts(user: Any) -> QuerySet[Agency]:
    """The districts a user may report on (all for the municipal center, else their own)."""
    if home_level(user) == Level.ALL:
        return districts()
    own = [a.agency_id for a in assignments_of(user) if LEVEL[Role(a.role)] == Level.DISTRICT]
    return districts().filter(pk__in=own)


def reports_city(user: Any) -> bool:
    return home_level(user) == Level.ALL


def comparable_reports(report: IssuedReport, user: Any) -> QuerySet[IssuedReport]:
    """Other issued reports of the same scope and kind (another period or version), for comparison."""
    return reports_for(user).filter(kind=report.kind, district=report.district).exclude(pk=report.pk)


def with_latest_version(qs: QuerySet[IssuedReport]) -> QuerySet[IssuedReport]:
    """Annotate each report with the newest version number of its kind, scope and period (`latest`)."""
    key = Coalesce("district_id", Value(0))
    newest = (
        IssuedReport.objects.annotate(scope_key=key)
        .filter(kind=OuterRef("kind"), scope_key=OuterRef("scope_key"), period_start=OuterRef("period_start"),
                period_end=OuterRef("period_end"))
        .order_by("-version").values("version")[:1]
    )  # fmt: skip
    return qs.annotate(scope_key=key, latest=Subquery(newest))


def by_key(rows: dict[tuple[Any, ...], int], pick: Any) -> dict[Any, int]:
    """Sum a figure dict over everything but the part `pick(key)` returns."""
    out: dict[Any, int] = defaultdict(int)
    for k, v in rows.items():
        out[pick(k)] += v
    return dict(out)
