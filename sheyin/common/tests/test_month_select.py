"""The month picker is a select labelled in the page's language, whatever the browser speaks."""

from __future__ import annotations

import datetime as dt

from django.utils import translation

from sheyin.common.templatetags.months import month_select, recent_months


def test_recent_months_run_back_across_a_new_year() -> None:
    months = recent_months(dt.date(2026, 2, 17), count=4)
    assert months == [dt.date(2026, 2, 1), dt.date(2026, 1, 1), dt.date(2025, 12, 1), dt.date(2025, 11, 1)]


def test_it_labels_months_in_chinese_and_keeps_the_submitted_value() -> None:
    with translation.override("zh-hans"):
        html = month_select("month", dt.date(2026, 11, 9), "f-month")
    assert 'id="f-month" name="month"' in html
    assert '<option value="2026-11" selected>2026年11月</option>' in html
    assert "November" not in html


def test_it_labels_months_in_english_under_the_switch() -> None:
    with translation.override("en"):
        html = month_select("month", dt.date(2026, 11, 9))
    assert ">November 2026<" in html


def test_a_month_older_than_the_list_still_shows_as_chosen() -> None:
    html = month_select("month", dt.date(2019, 3, 1))
    assert '<option value="2019-03" selected>' in html
    assert html.count(" selected") == 1
