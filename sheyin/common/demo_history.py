"""A year of demo history: how much of an activity happened in each month, and when.

The demo's apps make their rows through their services, which stamp "now", and then move them back to the
moments planned here, so that the dashboards' month-on-month and year-on-year figures, their trend charts
and the issued reports have a year to read. Every activity has the same shape: a gentle season (quieter
around the Spring Festival, Qingming and May Day, and National Day; busier in January, when the new year's
contribution bases come in, in July, when they are adjusted, after the summer and at the year's end), slow
growth as the outlets' services become known, and some noise; no month differs from the one before by more
than `MAX_CHANGE`.

The history covers this month (up to yesterday: today's rows are the demo's own) and the twelve before it,
so that this month has a year-earlier month to compare with. The caller passes its calendar (`open_day`),
since this module reads no app's data.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils import timezone

MONTHS = 13  # this month and the twelve before it: the dashboards' 13-month trend
# A month's share of an average month's activity, by calendar month.
SEASON = {1: 1.06, 2: 0.86, 3: 1.06, 4: 0.97, 5: 0.9, 6: 1.02, 7: 1.12, 8: 1.03, 9: 1.07, 10: 0.9, 11: 1.0,
          12: 1.08}  # fmt: skip
GROWTH = 0.008  # a month: about +10 % a year
NOISE = 0.05
MAX_CHANGE = 0.25


def history_months() -> int:
    """`MONTHS`, or fewer where the settings say so: the tests that run the whole demo for other reasons
    take two months of it (config/settings/test.py); the history's own test takes the whole year."""
    return int(getattr(settings, "SHEYIN_DEMO_HISTORY_MONTHS", MONTHS))


def weekday(day: dt.date) -> bool:
    return day.weekday() < 5


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_of(at: dt.datetime) -> dt.date:
    return timezone.localdate(at).replace(day=1)


def by_month(times: Iterable[dt.datetime | None]) -> Counter[dt.date]:
    """How many of `times` fall in each (local) month: what the demo already holds, for `Plan.moments`."""
    return Counter(month_of(t) for t in times if t is not None)


def slump(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last completed quarter, when the demo outlet's service slipped: more bad reviews, rectified after
    their deadline, and archives handed over late. With the poor inspection and the complaint of the
    supervision demo in the same quarter, the outlet's appraisal of that quarter fails and the district
    holds a formal talk (sheyin/supervision/demo.py); the dashboards show the dip and the recovery."""
    first = dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    start = add_months(first, -3)
    return start, first - dt.timedelta(days=1)


@dataclass
class Plan:
    """The history up to `today` of an activity that happens on `open_day`s between `opens` and `closes`."""

    today: dt.date
    open_day: Callable[[dt.date], bool] = weekday
    opens: dt.time = dt.time(8, 45)
    closes: dt.time = dt.time(16, 45)

    @cached_property
    def months(self) -> list[dt.date]:
        this = self.today.replace(day=1)
        return [add_months(this, n) for n in range(1 - history_months(), 1)]

    @cached_property
    def _open(self) -> dict[dt.date, list[dt.date]]:
        out: dict[dt.date, list[dt.date]] = {}
        for month in self.months:
            day, days = month, []
            while day.month == month.month:
                if self.open_day(day):
                    days.append(day)
                day += dt.timedelta(days=1)
            out[month] = days
        return out

    def open_days(self, month: dt.date) -> list[dt.date]:
        return self._open[month]

    def next_open(self, day: dt.date, n: int = 1) -> dt.date:
        """The n-th open day after `day`."""
        while n > 0:
            day += dt.timedelta(days=1)
            n -= int(self.open_day(day))
        return day

    def targets(self, per_month: float, rng: random.Random, noise: float = NOISE) -> dict[dt.date, int]:
        """How many in each month, `per_month` in an average month; this month's share so far (today's
        included) of its open days."""
        out: dict[dt.date, int] = {}
        last = len(self.months) - 1
        previous: float | None = None
        for i, month in enumerate(self.months):
            value = (
                per_month
                * SEASON[month.month]
                * (1 + GROWTH) ** (i - last)
                * rng.uniform(1 - noise, 1 + noise)
            )
            if previous is not None:
                value = min(max(value, previous * (1 - MAX_CHANGE)), previous * (1 + MAX_CHANGE))
            previous = value
            if i == last:
                days = self.open_days(month)
                value *= sum(1 for d in days if d <= self.today) / len(days) if days else 0
            out[month] = round(value)
        return out

    def moments(
        self,
        per_month: float,
        rng: random.Random,
        *,
        have: Mapping[dt.date, int] | None = None,
        noise: float = NOISE,
    ) -> list[dt.datetime]:
        """When each one happened, oldest first: each month's target less what `have` already holds in that
        month (the demo's own rows of the last weeks), on its open days before today, in opening hours.
        A rare activity takes more `noise` (a handful a month is never the same handful)."""
        have = have or {}
        tz = timezone.get_current_timezone()
        lo = self.opens.hour * 60 + self.opens.minute
        hi = self.closes.hour * 60 + self.closes.minute
        out: list[dt.datetime] = []
        for month, n in self.targets(per_month, rng, noise).items():
            days = [d for d in self.open_days(month) if d < self.today]
            if not days:
                continue
            for _i in range(n - have.get(month, 0)):
                minute = rng.randrange(lo, hi)
                at = dt.time(minute // 60, minute % 60, rng.randrange(60))
                out.append(dt.datetime.combine(rng.choice(days), at, tzinfo=tz))
        return sorted(out)
