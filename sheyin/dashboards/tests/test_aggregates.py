"""The pre-aggregated figures: what `aggregates.refresh` counts, at which grain, on which local day, and that
a rebuild is idempotent and leaves other days alone."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from sheyin.dashboards import aggregates
from sheyin.dashboards.models import DailyFigure, Grain, Measure, MonthlyFigure, RefreshState
from sheyin.institutions.tests.factories import BankFactory

from . import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def value(measure: str, *, grain: str = Grain.OUTLET, day: dt.date | None = None, **filters: object) -> int:
    qs = DailyFigure.objects.filter(grain=grain, measure=measure, **filters)
    if day is not None:
        qs = qs.filter(day=day)
    return qs.aggregate(v=Sum("value"))["v"] or 0


def monthly(measure: str, *, grain: str = Grain.DISTRICT_BANK, **filters: object) -> int:
    return (
        MonthlyFigure.objects.filter(grain=grain, measure=measure, **filters).aggregate(v=Sum("value"))["v"]
        or 0
    )


def test_it_counts_business_by_channel_on_the_local_day(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    f.case(o, f.at(DAY, 23, 30))  # late evening in Beijing is still the 10th (15:30 UTC)
    f.case(
        o, f.at(DAY + dt.timedelta(days=1), 0, 10)
    )  # ten past midnight is the 11th (16:10 UTC on the 10th)
    f.case(o, f.at(DAY, 9), status="submitted")
    f.case(o, f.at(DAY, 9), status="draft")  # still at the window: not business yet
    f.case(o, f.at(DAY, 9), status="cancelled")
    f.terminal_query(o, f.at(DAY, 11), "view_record")
    f.terminal_query(o, f.at(DAY, 11), "print_record")
    f.terminal_query(o, f.at(DAY, 11), "identify")  # identifying is not a service
    f.guided(o, f.at(DAY, 14))
    f.guided(o, f.at(DAY, 15), outcome="abandoned")
    aggregates.refresh(since=DAY, until=DAY + dt.timedelta(days=1))
    assert value(Measure.VOLUME, day=DAY, channel="W") == 2
    assert value(Measure.VOLUME, day=DAY + dt.timedelta(days=1), channel="W") == 1
    assert value(Measure.DONE, day=DAY, channel="W") == 1
    assert value(Measure.VOLUME, day=DAY, channel="T") == 2
    assert value(Measure.VOLUME, day=DAY, channel="O") == 1


def test_ratings_follow_the_statistics_definitions(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    for level in (5, 4, 3):
        f.rating(o, f.at(DAY))
        f.rating(o, f.at(DAY), level)
    f.rating(o, f.at(DAY), 2, on_time=True)
    f.rating(o, f.at(DAY), 1, on_time=False)
    f.rating(o, f.at(DAY), 1, excluded=True)  # set aside on appeal: in no figure
    aggregates.refresh(since=DAY, until=DAY)
    assert value(Measure.RATINGS) == 8
    assert value(Measure.SATISFIED) == 6
    assert value(Measure.BAD) == 2
    assert value(Measure.BAD_ON_TIME) == 1


def test_tickets_are_split_by_their_closing_deadline(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    due = DAY + dt.timedelta(days=5)
    f.ticket(o, f.at(DAY), close_due=due, closed=f.at(due, 23, 50))  # the last evening is still in time
    f.ticket(o, f.at(DAY), close_due=due, closed=f.at(due + dt.timedelta(days=1), 0, 5))  # late
    f.ticket(o, f.at(DAY), close_due=DAY, closed=None)  # open past its deadline
    f.ticket(o, f.at(DAY), close_due=timezone.localdate() + dt.timedelta(days=3))  # open, still in time
    aggregates.refresh(since=DAY, until=DAY)
    assert value(Measure.TICKETS) == 4
    assert value(Measure.TICKETS_IN_SLA) == 1
    assert value(Measure.TICKETS_LATE) == 2


def test_planned_inspections_count_to_the_end_of_the_quarter(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    f.inspection(o, dt.date(2026, 1, 20), done=True)
    f.inspection(o, dt.date(2026, 3, 25))  # later in the quarter than the refreshed range
    aggregates.refresh(since=dt.date(2026, 1, 1), until=DAY)
    assert monthly(Measure.INSP_PLANNED, month__gte=dt.date(2026, 1, 1), month__lte=dt.date(2026, 3, 1)) == 2
    assert monthly(Measure.INSP_DONE) == 1
    aggregates.refresh(
        since=dt.date(2026, 1, 1), until=DAY
    )  # again: the days ahead are replaced, not doubled
    assert monthly(Measure.INSP_PLANNED) == 2


def test_district_bank_rows_and_months_are_sums_of_the_outlets(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    a, b, other = f.outlet(bank=bank), f.outlet(bank=bank), f.outlet("110108")
    for o, n in ((a, 2), (b, 3), (other, 4)):
        for _ in range(n):
            f.case(o, f.at(DAY))
        f.case(o, f.at(DAY + dt.timedelta(days=3)))
    aggregates.refresh(since=DAY, until=DAY + dt.timedelta(days=3))
    assert value(Measure.VOLUME, grain=Grain.DISTRICT_BANK, day=DAY, bank=bank, district=a.district) == 5
    assert not DailyFigure.objects.filter(grain=Grain.DISTRICT_BANK, outlet__isnull=False).exists()
    assert monthly(Measure.VOLUME, bank=bank) == 7
    assert monthly(Measure.VOLUME, grain=Grain.OUTLET, outlet=other) == 5
    assert monthly(Measure.ITEM_VOLUME, item=f.ITEM) == 12  # per item at district × bank grain


def test_a_refresh_is_idempotent_and_leaves_other_days_alone(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    f.case(o, f.at(DAY))
    f.case(o, f.at(DAY + dt.timedelta(days=1)))
    aggregates.refresh(since=DAY, until=DAY + dt.timedelta(days=1))
    before = set(
        DailyFigure.objects.values_list("grain", "day", "outlet_id", "channel", "item", "measure", "value")
    )
    aggregates.refresh(since=DAY, until=DAY + dt.timedelta(days=1))
    after = set(
        DailyFigure.objects.values_list("grain", "day", "outlet_id", "channel", "item", "measure", "value")
    )
    assert before == after
    f.case(o, f.at(DAY + dt.timedelta(days=1), 16))
    aggregates.refresh(since=DAY + dt.timedelta(days=1), until=DAY + dt.timedelta(days=1))
    assert value(Measure.VOLUME, day=DAY) == 1  # untouched
    assert value(Measure.VOLUME, day=DAY + dt.timedelta(days=1)) == 2
    assert monthly(Measure.VOLUME) == 3  # the month rolled up again from all its days
    state = RefreshState.objects.get(pk=1)
    assert state.since == state.until == DAY + dt.timedelta(days=1) and state.refreshed_at is not None


def test_it_refuses_a_range_that_ends_before_it_starts(db) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError):
        aggregates.refresh(since=DAY, until=DAY - dt.timedelta(days=1))


def test_todays_snapshot_counts_windows_staff_grants_and_overdue_rectifications(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.staffing.tests.factories import StaffFactory, active_grant

    today = timezone.localdate()
    o = f.outlet(windows=2)
    staff = StaffFactory(outlet=o, post="window")
    grant = active_grant(staff, channels="W")
    type(grant).objects.filter(pk=grant.pk).update(valid_until=today + dt.timedelta(days=10))
    f.rectification(o, f.at(today - dt.timedelta(days=30)), due=today - dt.timedelta(days=1))
    f.rectification(o, f.at(today - dt.timedelta(days=2)), due=today + dt.timedelta(days=5))
    aggregates.refresh(since=today, until=today)
    assert value(Measure.WINDOWS, day=today, outlet=o) == 2
    assert value(Measure.STAFF_WINDOW, day=today, outlet=o) == 1
    assert value(Measure.GRANTS_EXPIRING, day=today, outlet=o) == 1
    assert value(Measure.RECT_OVERDUE, day=today, outlet=o) == 1
    assert value(Measure.WINDOWS, grain=Grain.DISTRICT_BANK, day=today, district=o.district) == 2
    # coverage comes from planning's analysis, per district
    assert (
        DailyFigure.objects.filter(grain=Grain.DISTRICT, day=today, measure=Measure.POPULATION).count() == 16
    )
    assert value(Measure.COVERED, grain=Grain.DISTRICT, day=today, district=o.district) > 0


def test_past_snapshots_are_kept_only_at_month_ends(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    today = timezone.localdate()
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    mid_month = month_end.replace(day=10)
    for day in (month_end, mid_month):
        DailyFigure.objects.create(grain=Grain.OUTLET, day=day, district=o.district, bank=o.bank, outlet=o,
                                   measure=Measure.WINDOWS, value=1)  # fmt: skip
    aggregates.refresh(since=today, until=today, coverage=False)
    kept = set(
        DailyFigure.objects.filter(measure=Measure.WINDOWS, grain=Grain.OUTLET).values_list("day", flat=True)
    )
    assert month_end in kept and mid_month not in kept and today in kept


def test_the_frequent_refresh_keeps_the_coverage_snapshot(reference) -> None:  # type: ignore[no-untyped-def]
    f.outlet()
    aggregates.nightly()
    covered = DailyFigure.objects.filter(measure=Measure.COVERED).count()
    assert covered == 16
    aggregates.current()
    assert DailyFigure.objects.filter(measure=Measure.COVERED).count() == covered


def test_rebuild_starts_at_the_first_source_row(reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    first = timezone.localdate() - dt.timedelta(days=400)
    f.case(o, f.at(first))
    result = aggregates.rebuild()
    assert result.since == first and result.until == timezone.localdate()
    assert value(Measure.VOLUME, day=first) == 1


@pytest.mark.django_db(transaction=True)
def test_the_nightly_job_vacuums_the_figure_tables_after_its_refresh_on_postgresql(reference) -> None:  # type: ignore[no-untyped-def]
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sheyin.dashboards.tasks import refresh_figures_nightly

    with CaptureQueriesContext(connection) as ctx:
        refresh_figures_nightly.call_local()
    vacuumed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("VACUUM")]
    if connection.vendor == "postgresql":
        assert vacuumed == [
            "VACUUM (ANALYZE) dashboards_dailyfigure",
            "VACUUM (ANALYZE) dashboards_monthlyfigure",
        ]
    else:
        assert vacuumed == []


def test_tidying_inside_a_transaction_leaves_the_tables_to_autovacuum() -> None:
    assert aggregates.tidy() == []  # the test runs in a transaction, where VACUUM is refused


def test_a_refresh_before_any_reference_data_writes_nothing_and_does_not_fail() -> None:
    today = timezone.localdate()
    assert aggregates.refresh(since=today, until=today).rows == 0
