"""Working days follow the published schedule, with make-up days, and fall back for unpublished years."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions import services
from sheyin.institutions.tests.factories import municipal
from sheyin.institutions.workdays import (
    add_working_days,
    add_working_days_each,
    is_workday,
    unpublished_years,
    working_days_between,
)

pytestmark = pytest.mark.django_db


def test_national_day_week_is_skipped_and_the_make_up_saturday_counts(calendar) -> None:  # type: ignore[no-untyped-def]
    # 2026: 10-01..10-07 off; Sunday 09-20 and Saturday 10-10 are make-up working days.
    assert not is_workday(dt.date(2026, 10, 5))
    assert is_workday(dt.date(2026, 10, 10))
    assert add_working_days(dt.date(2026, 9, 30), 1) == dt.date(2026, 10, 8)
    assert add_working_days(dt.date(2026, 9, 29), 10) == dt.date(2026, 10, 19)


def test_working_days_between_counts_the_end_not_the_start(calendar) -> None:  # type: ignore[no-untyped-def]
    assert working_days_between(dt.date(2026, 11, 23), dt.date(2026, 11, 27)) == 4
    assert working_days_between(dt.date(2026, 11, 27), dt.date(2026, 11, 23)) == 0


def test_an_unpublished_year_falls_back_to_weekends_and_fixed_holidays(calendar) -> None:  # type: ignore[no-untyped-def]
    assert not is_workday(dt.date(2027, 1, 1))  # Friday, New Year's Day
    assert not is_workday(dt.date(2027, 10, 1))
    assert is_workday(dt.date(2027, 3, 3))
    assert unpublished_years(dt.date(2026, 11, 26)) == [2027]


def test_the_municipal_center_enters_a_year_and_the_flag_clears(calendar, reference) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    services.calendar_day_set(date=dt.date(2027, 2, 8), is_workday=False, name="春节", by=officer)
    services.calendar_day_set(date=dt.date(2027, 2, 20), is_workday=True, name="调休上班", by=officer)
    services.holiday_schedule_publish(year=2027, source="国办发明电", by=officer)
    assert not is_workday(dt.date(2027, 2, 8)) and is_workday(dt.date(2027, 2, 20))
    assert is_workday(dt.date(2027, 10, 4))  # published: the fallback no longer applies
    assert unpublished_years(dt.date(2026, 11, 26)) == []


def test_only_municipal_roles_edit_the_calendar(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.tests.factories import district

    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district())
    with pytest.raises(PermissionDenied):
        services.calendar_day_set(date=dt.date(2027, 2, 8), is_workday=False, name="春节", by=officer)


def test_several_deadlines_from_one_calendar_read_match_one_at_a_time(  # type: ignore[no-untyped-def]
    calendar, django_assert_num_queries
) -> None:
    start = dt.date(2026, 9, 25)  # across the National Day week and its make-up days
    counts = [10, 0, 1, 5, 5, 20]
    with django_assert_num_queries(2):  # the calendar's exceptions and the published years, once
        together = add_working_days_each(start, counts)
    assert together == [add_working_days(start, n) for n in counts]


def test_the_calendar_read_again_costs_no_query_and_a_change_counts_at_once(  # type: ignore[no-untyped-def]
    calendar, reference, django_assert_num_queries
) -> None:
    officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    day = dt.date(2027, 3, 3)  # an ordinary Wednesday
    assert is_workday(day)
    with django_assert_num_queries(0):
        assert add_working_days(dt.date(2027, 3, 2), 1) == day
    services.calendar_day_set(date=day, is_workday=False, name="临时调整", by=officer)
    assert not is_workday(day)
    assert add_working_days(dt.date(2027, 3, 2), 1) == dt.date(2027, 3, 4)
    services.calendar_day_set(date=day, is_workday=True, name="", by=officer)  # back to the rule
    assert is_workday(day)
