"""Keeping the dashboard figures current: set-based rebuilds of `DailyFigure` and `MonthlyFigure`.

`refresh(since=…, until=…)` deletes the figures of those days and rebuilds them with one
``INSERT … SELECT … GROUP BY`` per source and measure: the database groups the rows (cases, terminal
queries, guided sessions, ratings, tickets, inspections, rectifications) by local day and outlet; no
Python loop ever visits a source row. The district × bank sums are then derived from the outlet rows,
and the months the range touches are rolled up again from the days. When the range includes today, the
snapshots (windows against certified staff, grants about to expire, overdue rectifications, coverage)
are taken as well; past snapshots are kept only at month ends.

The same SQL runs on PostgreSQL and SQLite: each SELECT is built with the ORM (so local days, lookups and
quoting are Django's) and wrapped in an INSERT. A refresh runs in one transaction under the row lock of
`RefreshState`, so two refreshes never interleave and pages read either the old or the new figures.

Jobs: `nightly()` rebuilds the last `RECENT_DAYS` days (late changes: a bad review rectified a week after
the rating, a ticket closed after its deadline); `current()` rebuilds today every few minutes; `rebuild()`
rebuilds everything from the first source row. See docs/decisions/0118d-dashboard-aggregates.md.
"""

# The SQL here is assembled from table and column names of this app's models and the ORM's own compiled
# SELECTs; every value is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import calendar
import datetime as dt
import logging
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import CharField, Count, DateField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from .models import COVERAGE, FLOWS, SNAPSHOTS, DailyFigure, Grain, Measure, MonthlyFigure, RefreshState

logger = logging.getLogger(__name__)

RECENT_DAYS = 40  # covers bad-review deadlines, the rectification deadline and late ticket closures
EXPIRING_DAYS = 30
COLUMNS = "grain, day, district_id, bank_id, outlet_id, channel, item, measure, value"


@dataclass
class Result:
    since: dt.date
    until: dt.date
    rows: int
    seconds: float
    snapshot: bool


# --- helpers ----------------------------------------------------------------------------------------


def local_bounds(since: dt.date, until: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[since 00:00, until+1 00:00) in local time, as aware datetimes."""
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(since, dt.time.min, tzinfo=tz),
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _text(value: str) -> Value:
    return Value(value, output_field=CharField())


# --- sources --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One measure derived from a source's grouped rows: its grain, channel, value column, and whether it
    is per outlet (grain o) or per item (grain b)."""

    measure: str
    value: str
    channel: str = ""
    per_item: bool = False


def _insert_parts(qs: QuerySet[Any], parts: list[Part]) -> int:
    """One scan of the source: `qs` groups it by local day (d), district (di), bank (b), outlet (o) and item
    (it), counting into columns; each part sums one column to its grain. The database reads the source
    once (a CTE used several times) and writes every measure in one INSERT."""
    try:
        sql, params = qs.order_by().query.sql_with_params()
    except EmptyResultSet:  # nothing to read (no agencies yet: a new installation before its reference data)
        return 0
    selects, extra = [], []
    for part in parts:
        if part.per_item:
            selects.append(f"SELECT %s, d, di, b, NULL, %s, it, %s, SUM({part.value}) FROM s "
                           f"GROUP BY d, di, b, it HAVING SUM({part.value}) > 0")  # fmt: skip
            extra += [Grain.DISTRICT_BANK, part.channel, part.measure]
        else:
            selects.append(f"SELECT %s, d, di, b, o, %s, %s, %s, SUM({part.value}) FROM s "
                           f"GROUP BY d, di, b, o HAVING SUM({part.value}) > 0")  # fmt: skip
            extra += [Grain.OUTLET, part.channel, "", part.measure]
    table = DailyFigure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH s AS ({sql}) INSERT INTO {table} ({COLUMNS}) " + " UNION ALL ".join(selects),
            [*params, *extra],
        )
        return max(cursor.rowcount, 0)


def _group(qs: QuerySet[Any], day: Any, item: Any = None, **counts: Any) -> QuerySet[Any]:
    return qs.values(
        d=day,
        di=F("district_id"),
        b=F("bank_id"),
        o=F("outlet_id"),
        it=item if item is not None else _text(""),
    ).annotate(**counts)


def _sources(lo: dt.datetime, hi: dt.datetime, today: dt.date) -> list[tuple[QuerySet[Any], list[Part]]]:
    """Every flow figure of [lo, hi): one grouped query per source table, and the measures it yields."""
    from sheyin.casework.models import Case, GuidedSession
    from sheyin.casework.workflow import CaseStatus
    from sheyin.catalogue.choices import Channel
    from sheyin.institutions.models import Agency
    from sheyin.kiosk.models import TerminalQuery
    from sheyin.ratings.models import BAD_LEVEL_MAX, SATISFIED_LEVEL_MIN, Rating
    from sheyin.supervision.models import Rectification
    from sheyin.support.models import Ticket
    from sheyin.support.workflow import TicketStatus

    window, kiosk, online_ch = Channel.COUNTER, Channel.TERMINAL, Channel.ONLINE
    # Naming every agency lets PostgreSQL range-scan the (district, time) indexes of cases and ratings
    # instead of reading the whole table for one day (the frequent refresh).
    agencies = list(Agency.objects.values_list("pk", flat=True))
    # Business done: drafts still at the window and cancelled visits are not business (as in planning).
    cases = Case.objects.filter(district_id__in=agencies, called_at__gte=lo, called_at__lt=hi).exclude(
        status__in=(CaseStatus.DRAFT, CaseStatus.CANCELLED)
    )
    terminal = TerminalQuery.objects.filter(at__gte=lo, at__lt=hi, action__in=(
        TerminalQuery.Action.VIEW_RECORD, TerminalQuery.Action.PRINT_RECORD))  # fmt: skip
    online = GuidedSession.objects.filter(started_at__gte=lo, started_at__lt=hi).exclude(
        outcome=GuidedSession.Outcome.ABANDONED
    )
    ratings = Rating.objects.filter(
        district_id__in=agencies, created_at__gte=lo, created_at__lt=hi, excluded=False
    )
    bad = Q(level__lte=BAD_LEVEL_MAX)
    tickets = Ticket.objects.filter(raised_at__gte=lo, raised_at__lt=hi).annotate(
        closed_day=TruncDate("closed_at")
    )
    closed = Q(status=TicketStatus.CLOSED)
    rects = Rectification.objects.filter(ordered_at__gte=lo, ordered_at__lt=hi)
    return [
        (_group(cases, TruncDate("called_at"), F("item_code"), v=Count("pk"),
                done=Count("pk", filter=Q(status=CaseStatus.COMPLETED))),
         [Part(Measure.VOLUME, "v", window), Part(Measure.DONE, "done", window),
          Part(Measure.ITEM_VOLUME, "v", window, True)]),
        (_group(terminal, TruncDate("at"), v=Count("pk")), [Part(Measure.VOLUME, "v", kiosk)]),
        (_group(online, TruncDate("started_at"), Coalesce(F("item__code"), _text("")), v=Count("pk")),
         [Part(Measure.VOLUME, "v", online_ch), Part(Measure.ITEM_VOLUME, "v", online_ch, True)]),
        (_group(ratings, TruncDate("created_at"), n=Count("pk"),
                sat=Count("pk", filter=Q(level__gte=SATISFIED_LEVEL_MIN)), bad=Count("pk", filter=bad),
                ok=Count("pk", filter=bad & Q(bad_review__rectified_on_time=True))),
         [Part(Measure.RATINGS, "n"), Part(Measure.SATISFIED, "sat"), Part(Measure.BAD, "bad"),
          Part(Measure.BAD_ON_TIME, "ok")]),
        (_group(tickets, TruncDate("raised_at"), n=Count("pk"),
                ok=Count("pk", filter=closed & Q(closed_day__lte=F("close_due"))),
                late=Count("pk", filter=(closed & Q(closed_day__gt=F("close_due"))) | (~closed & Q(close_due__lt=today)))),
         [Part(Measure.TICKETS, "n"), Part(Measure.TICKETS_IN_SLA, "ok"), Part(Measure.TICKETS_LATE, "late")]),
        (_group(rects, TruncDate("ordered_at"), n=Count("pk")), [Part(Measure.RECT_ORDERED, "n")]),
    ]  # fmt: skip


INSPECTIONS = (Measure.INSP_PLANNED, Measure.INSP_DONE)


def quarter_end(day: dt.date) -> dt.date:
    return month_end(dt.date(day.year, (day.month - 1) // 3 * 3 + 3, 1))


def _inspections(since: dt.date, until: dt.date) -> int:
    """Planned inspections by their scheduled day, to the end of the quarter (a plan looks ahead)."""
    from sheyin.supervision.models import Inspection
    from sheyin.supervision.workflow import InspectionStatus

    DailyFigure.objects.filter(day__gte=since, day__lte=until, measure__in=INSPECTIONS).delete()
    planned = Inspection.objects.filter(
        plan__isnull=False, scheduled_date__gte=since, scheduled_date__lte=until
    )
    grouped = _group(
        planned, F("scheduled_date"), n=Count("pk"), done=Count("pk", filter=Q(status=InspectionStatus.DONE))
    )
    return _insert_parts(grouped, [Part(Measure.INSP_PLANNED, "n"), Part(Measure.INSP_DONE, "done")])


# --- snapshots ------------------------------------------------------------------------------------


class _CityPrincipal:
    """The whole city, for reading through the same scoped selectors the pages use (the job is the system;
    like a bank's API client it quacks like a user for `accounts.scope`)."""

    is_authenticated = True
    is_active = True
    pk = None

    def __init__(self) -> None:
        from sheyin.accounts.roles import Role

        self._sheyin_assignments = [
            SimpleNamespace(role=Role.MUNICIPAL_ADMIN.value, agency_id=None, bank_id=None, outlet_id=None)
        ]

    def has_perm(self, perm: str) -> bool:
        return True


def _snapshot(today: dt.date, *, coverage: bool) -> int:
    """Today's state at outlet grain: windows against certified staff, grants about to expire, overdue
    rectifications; and the coverage of each district (district grain), from planning."""
    from sheyin.institutions.models import Outlet, OutletStatus
    from sheyin.staffing.models import PermissionGrant
    from sheyin.staffing.selectors import staffing_check
    from sheyin.staffing.workflow import GrantStatus
    from sheyin.supervision.models import Rectification
    from sheyin.supervision.workflow import RectificationStatus

    rows = 0
    day = Value(today, output_field=DateField())
    operating = Outlet.objects.filter(status=OutletStatus.OPERATING)
    windows = operating.values(d=day, di=F("district_id"), b=F("bank_id"), o=F("pk"), it=_text("")).annotate(
        v=Sum("windows")
    )
    rows += _insert_parts(windows, [Part(Measure.WINDOWS, "v")])
    expiring = PermissionGrant.objects.filter(
        status=GrantStatus.ACTIVE,
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=EXPIRING_DAYS),
    )
    rows += _insert_parts(_group(expiring, day, v=Count("pk")), [Part(Measure.GRANTS_EXPIRING, "v")])
    overdue = Rectification.objects.filter(status=RectificationStatus.ORDERED, due_date__lt=today)
    rows += _insert_parts(_group(overdue, day, v=Count("pk")), [Part(Measure.RECT_OVERDUE, "v")])
    # Certified staff: the staffing check's own definition (one rule, read through its selector).
    staffed = []
    checked: QuerySet[Any] = staffing_check(_CityPrincipal(), today)
    for o in checked.values("pk", "district_id", "bank_id", "window_certified", "guide_certified"):
        for measure, value in (
            (Measure.STAFF_WINDOW, o["window_certified"]),
            (Measure.STAFF_GUIDE, o["guide_certified"]),
        ):
            if value:
                staffed.append(DailyFigure(grain=Grain.OUTLET, day=today, district_id=o["district_id"], bank_id=o["bank_id"],
                                           outlet_id=o["pk"], measure=measure, value=value))  # fmt: skip
    DailyFigure.objects.bulk_create(staffed, batch_size=2000)
    rows += len(staffed)
    if coverage:
        rows += _coverage(today)
    return rows


def _coverage(today: dt.date) -> int:
    """Population covered within each district's radius (the layout target): planning's one definition."""
    from sheyin.institutions.selectors import districts
    from sheyin.planning.selectors import existing_coverage

    analysis = existing_coverage(_CityPrincipal(), None)
    ids = dict(districts().values_list("code", "pk"))
    made = []
    for d in analysis.districts:
        if d.code not in ids:
            continue
        for measure, value in ((Measure.POPULATION, d.population), (Measure.COVERED, d.covered)):
            made.append(DailyFigure(grain=Grain.DISTRICT, day=today, district_id=ids[d.code], measure=measure,
                                    value=round(value)))  # fmt: skip
    DailyFigure.objects.bulk_create(made)
    return len(made)


# --- the refresh ----------------------------------------------------------------------------------


def _derive_district_bank(since: dt.date, until: dt.date, measures: frozenset[str] | None = None) -> int:
    """District × bank sums of the outlet rows of [since, until] (the per-item volume has its own source)."""
    table = DailyFigure._meta.db_table
    only, extra = "", []
    if measures is not None:
        only = f" AND measure IN ({', '.join(['%s'] * len(measures))})"
        extra = sorted(measures)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({COLUMNS}) SELECT %s, day, district_id, bank_id, NULL, channel, item, measure, "
            f"SUM(value) FROM {table} WHERE grain = %s AND day >= %s AND day <= %s{only} "
            "GROUP BY day, district_id, bank_id, channel, item, measure",
            [Grain.DISTRICT_BANK, Grain.OUTLET, since, until, *extra],
        )
        return max(cursor.rowcount, 0)


def _roll_up_months(since: dt.date, until: dt.date) -> int:
    """The months that [since, until] touches, summed again from their days (flows only)."""
    first, last = since.replace(day=1), month_end(until)
    MonthlyFigure.objects.filter(month__gte=first, month__lte=last).delete()
    days = DailyFigure.objects.filter(
        day__gte=first,
        day__lte=last,
        grain__in=(Grain.OUTLET, Grain.DISTRICT_BANK),
        measure__in=sorted(FLOWS),
    )
    qs = days.values(
        g=F("grain"), m=TruncMonth("day"), di=F("district_id"), b=F("bank_id"), o=F("outlet_id"),
        ch=F("channel"), it=F("item"), me=F("measure"),
    ).annotate(v=Sum("value"))  # fmt: skip
    sql, params = qs.order_by().query.sql_with_params()
    table = MonthlyFigure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (grain, month, district_id, bank_id, outlet_id, channel, item, measure, value) "
            f"SELECT s.g, s.m, s.di, s.b, s.o, s.ch, s.it, s.me, s.v FROM ({sql}) s",
            params,
        )
        return max(cursor.rowcount, 0)


def _drop_old_snapshots(today: dt.date, measures: frozenset[str]) -> None:
    """Today's snapshot is replaced; earlier ones stay only at month ends."""
    snaps = DailyFigure.objects.filter(measure__in=sorted(measures))
    days = set(snaps.filter(day__lte=today).values_list("day", flat=True).distinct())
    drop = [d for d in days if d == today or d != month_end(d)]
    if drop:
        snaps.filter(day__in=drop).delete()


def refresh(*, since: dt.date, until: dt.date, snapshot: bool | None = None, coverage: bool = True) -> Result:
    """Rebuild the figures of [since, until] (local days). Idempotent; safe to run concurrently (the second
    waits for the first). `snapshot` (default: when the range includes today) takes today's snapshot too;
    `coverage=False` leaves the coverage snapshot as it is (the frequent job; coverage changes with outlets,
    and the nightly run takes it)."""
    if until < since:
        raise ValueError("until before since")
    started = time.monotonic()
    today = timezone.localdate()
    take_snapshot = (since <= today <= until) if snapshot is None else snapshot
    lo, hi = local_bounds(since, until)
    rows = 0
    with transaction.atomic():
        state, _created = RefreshState.objects.select_for_update().get_or_create(pk=1)
        in_range = DailyFigure.objects.filter(day__gte=since, day__lte=until)
        in_range.filter(measure__in=sorted(FLOWS)).delete()
        for qs, parts in _sources(lo, hi, today):
            rows += _insert_parts(qs, parts)
        ahead = max(until, quarter_end(until))
        rows += _inspections(since, ahead)
        if take_snapshot:
            _drop_old_snapshots(today, SNAPSHOTS if coverage else SNAPSHOTS - COVERAGE)
            rows += _snapshot(today, coverage=coverage)
        # District × bank sums of every outlet row of the range (flows, and snapshots kept in it).
        in_range.filter(grain=Grain.DISTRICT_BANK, measure__in=sorted(SNAPSHOTS)).delete()
        rows += _derive_district_bank(since, until)
        if ahead > until:  # the planned inspections ahead of the range
            later = until + dt.timedelta(days=1)
            DailyFigure.objects.filter(grain=Grain.DISTRICT_BANK, day__gte=later, day__lte=ahead).delete()
            rows += _derive_district_bank(later, ahead, frozenset(INSPECTIONS))
        if take_snapshot and not since <= today <= until:
            DailyFigure.objects.filter(
                grain=Grain.DISTRICT_BANK, day=today, measure__in=sorted(SNAPSHOTS)
            ).delete()
            rows += _derive_district_bank(today, today, SNAPSHOTS)
        rows += _roll_up_months(since, ahead)
        seconds = time.monotonic() - started
        state.refreshed_at, state.since, state.until = timezone.now(), since, until
        state.seconds, state.rows = round(seconds, 3), rows
        state.save()
    logger.info("dashboard figures refreshed %s..%s: %d rows in %.2fs", since, until, rows, seconds)
    return Result(since, until, rows, seconds, take_snapshot)


def nightly() -> Result:
    today = timezone.localdate()
    return refresh(since=today - dt.timedelta(days=RECENT_DAYS), until=today)


def current() -> Result:
    """Today's figures (the job that keeps the dashboards current between nightly runs)."""
    today = timezone.localdate()
    return refresh(since=today, until=today, coverage=False)


def tidy() -> list[str]:
    """After the nightly refresh, on PostgreSQL: VACUUM (ANALYZE) the figure tables. The refresh replaces
    the last 40 days (about half a million rows at Beijing's size, a tenth of the daily table): below
    autovacuum's default threshold, so without this the dead rows and a stale visibility map stay until a
    later night, and every dashboard reads through them. VACUUM cannot run inside a transaction, so it is
    skipped there (and on SQLite). Returns the tables vacuumed."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return []
    tables = [DailyFigure._meta.db_table, MonthlyFigure._meta.db_table]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return tables


def first_day() -> dt.date | None:
    """The local day of the earliest source row (cases, ratings, guided sessions, terminal queries)."""
    from django.db.models import Min

    from sheyin.casework.models import Case, GuidedSession
    from sheyin.kiosk.models import TerminalQuery
    from sheyin.ratings.models import Rating

    firsts = [
        Case.objects.aggregate(x=Min("called_at"))["x"],
        GuidedSession.objects.aggregate(x=Min("started_at"))["x"],
        TerminalQuery.objects.aggregate(x=Min("at"))["x"],
        Rating.objects.aggregate(x=Min("created_at"))["x"],
    ]
    found = [timezone.localdate(f) for f in firsts if f is not None]
    return min(found) if found else None


def rebuild() -> Result:
    """Every day from the first source row to today."""
    today = timezone.localdate()
    return refresh(since=min(first_day() or today, today), until=today)


def snapshot_day(measures: Any, until: dt.date) -> dt.date | None:
    """The day of the latest snapshot on or before `until` holding `measures`. Snapshots are taken for the
    whole city at once, so one anchor measure's newest day (an index-only lookup) is every scope's day."""
    coverage = set(measures) <= COVERAGE
    anchor = Measure.POPULATION if coverage else Measure.WINDOWS
    grain = Grain.DISTRICT if coverage else Grain.OUTLET
    days = DailyFigure.objects.filter(grain=grain, measure=anchor, day__lte=until).order_by("-day")
    return days.values_list("day", flat=True).first()


def refreshed_at() -> dt.datetime | None:
    state = RefreshState.objects.filter(pk=1).first()
    return state.refreshed_at if state else None
