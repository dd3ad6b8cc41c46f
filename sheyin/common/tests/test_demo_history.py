"""The demo's year of history: thirteen months that read like real ones, each moment in opening hours on an
open day before today, and what the demo already holds counted in."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.utils import timezone

from sheyin.common import demo_history
from sheyin.common.demo_history import MAX_CHANGE, Plan

TODAY = dt.date(2026, 12, 7)  # a Monday


@pytest.fixture(autouse=True)
def _a_whole_year(settings):  # type: ignore[no-untyped-def]
    settings.SHEYIN_DEMO_HISTORY_MONTHS = demo_history.MONTHS  # as `make run` loads it


def test_the_test_settings_take_two_months_and_the_planner_follows_them(settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_DEMO_HISTORY_MONTHS = 2
    assert Plan(TODAY).months == [dt.date(2026, 11, 1), dt.date(2026, 12, 1)]


def test_thirteen_months_end_with_this_one() -> None:
    months = Plan(TODAY).months
    assert len(months) == 13
    assert months[0] == dt.date(2025, 12, 1) and months[-1] == dt.date(2026, 12, 1)
    assert Plan(dt.date(2026, 1, 31)).months[0] == dt.date(2025, 1, 1)


def test_every_month_has_activity_and_none_jumps_from_the_one_before() -> None:
    for seed in range(50):
        targets = Plan(TODAY).targets(40, random.Random(seed))
        full = [targets[m] for m in Plan(TODAY).months[:-1]]
        assert min(full) > 0
        for before, after in itertools.pairwise(full):
            # rounding to whole cases adds at most one either way
            assert (before - 1) * (1 - MAX_CHANGE) <= after <= (before + 1) * (1 + MAX_CHANGE)


def test_this_month_counts_only_its_open_days_so_far() -> None:
    plan = Plan(TODAY)
    targets = plan.targets(230, random.Random(1))
    # 7 December: 1–4 and 7 December of December's 23 weekdays
    assert 230 * 1.08 * 0.95 * 5 / 23 - 1 <= targets[dt.date(2026, 12, 1)] <= 230 * 1.08 * 1.05 * 5 / 23 + 1


def test_moments_fall_on_open_days_before_today_in_opening_hours() -> None:
    holiday = dt.date(2026, 10, 1)
    plan = Plan(TODAY, open_day=lambda d: d.weekday() < 5 and d != holiday)
    moments = plan.moments(40, random.Random(3))
    assert moments == sorted(moments)
    for at in moments:
        local = timezone.localtime(at)
        assert local.date() < TODAY and local.weekday() < 5 and local.date() != holiday
        assert dt.time(8, 45) <= local.time() < dt.time(16, 45)


def test_what_the_demo_already_holds_is_counted_in() -> None:
    plan = Plan(TODAY)
    targets = plan.targets(40, random.Random(5))
    november = dt.date(2026, 11, 1)
    moments = plan.moments(40, random.Random(5), have={november: 10})
    counted = demo_history.by_month(moments)
    assert counted[november] == targets[november] - 10
    assert counted[dt.date(2026, 10, 1)] == targets[dt.date(2026, 10, 1)]


def test_the_slump_is_the_last_completed_quarter() -> None:
    assert demo_history.slump(TODAY) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert demo_history.slump(dt.date(2026, 1, 5)) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert demo_history.slump(dt.date(2026, 4, 1)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_next_open_skips_closed_days() -> None:
    plan = Plan(TODAY)
    friday = dt.date(2026, 12, 4)
    assert plan.next_open(friday) == dt.date(2026, 12, 7)
    assert plan.next_open(friday, 3) == dt.date(2026, 12, 9)
