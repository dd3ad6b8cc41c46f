"""Working days (design rule 9): deadlines count working days by the published holiday schedule.

Weekdays are working days and weekends are not, except where a `CalendarDay` says otherwise (a holiday
on a weekday, a make-up working day on a weekend). A year with no published `HolidaySchedule` falls
back to weekends plus the fixed-date statutory holidays, and is flagged for the municipal center.
"""

from __future__ import annotations

import datetime as dt

from sheyin.common.reference_cache import REFERENCE

from .models import CalendarDay, HolidaySchedule

# Fixed-date statutory holidays (全国年节及纪念日放假办法, 2025): used only for unpublished years.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)}


def _year(year: int) -> tuple[dict[dt.date, bool], bool]:
    """A year's exceptions and whether its schedule is published, cached until the calendar's next write."""

    def build() -> tuple[tuple[dict[dt.date, bool], bool], None]:
        rows = CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")
        return (dict(rows), HolidaySchedule.objects.filter(year=year).exists()), None

    return REFERENCE.cached(f"calendar:{year}", build, per_language=False)


def _exceptions(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    found: dict[dt.date, bool] = {}
    for year in range(start.year, end.year + 1):
        found.update((d, w) for d, w in _year(year)[0].items() if start <= d <= end)
    return found


def _published(years: set[int]) -> set[int]:
    return {year for year in years if _year(year)[1]}


def _is_workday(day: dt.date, exceptions: dict[dt.date, bool], published: set[int]) -> bool:
    if day in exceptions:
        return exceptions[day]
    if day.year not in published and (day.month, day.day) in FIXED_HOLIDAYS:
        return False
    return day.weekday() < 5


def is_workday(day: dt.date) -> bool:
    return _is_workday(day, _exceptions(day, day), _published({day.year}))


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date `n` working days after `start` (start itself not counted)."""
    return add_working_days_each(start, [n])[0]


def add_working_days_each(start: dt.date, counts: list[int]) -> list[dt.date]:
    """`add_working_days(start, n)` for each n, from one read of the calendar (e.g. a ticket's reply and
    close deadlines)."""
    longest = max([0, *counts])
    if longest <= 0:
        return [start for _n in counts]
    horizon = start + dt.timedelta(days=longest * 3 + 30)
    exc = _exceptions(start, horizon)
    pub = _published({start.year, horizon.year})
    found: dict[int, dt.date] = {n: start for n in counts if n <= 0}
    wanted = sorted({n for n in counts if n > 0})
    day, done = start, 0
    while wanted:
        day += dt.timedelta(days=1)
        if day > horizon:  # a very long holiday stretch: widen the window
            for n in wanted:
                found[n] = add_working_days(day - dt.timedelta(days=1), n - done)
            break
        if _is_workday(day, exc, pub):
            done += 1
            while wanted and wanted[0] == done:
                found[wanted.pop(0)] = day
    return [found[n] for n in counts]


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    exc = _exceptions(start, end)
    pub = _published(set(range(start.year, end.year + 1)))
    return sum(
        1 for i in range(1, (end - start).days + 1) if _is_workday(start + dt.timedelta(days=i), exc, pub)
    )


def unpublished_years(today: dt.date | None = None) -> list[int]:
    """This year and next, if their schedules are not yet published (shown on the admin home page)."""
    today = today or dt.date.today()
    wanted = {today.year, today.year + 1} if today.month >= 11 else {today.year}
    return sorted(wanted - _published(wanted))
