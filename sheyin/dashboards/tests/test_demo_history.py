"""The demo holds a year of history (sheyin/common/demo_history.py): every month of the dashboards' trend has
window business and ratings, the volume moves from month to month as a real one does, the issued reports
read real figures, and the slump quarter still ends in the demo outlet's failed appraisal."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from sheyin.catalogue.choices import Channel
from sheyin.common.demo_history import Plan
from sheyin.dashboards.models import DailyFigure, Grain, IssuedReport, Measure, ReportKind
from sheyin.supervision.models import Appraisal

pytestmark = pytest.mark.django_db


def _by_month(measure: str, channel: str | None = None) -> Counter[dt.date]:
    qs = DailyFigure.objects.filter(grain=Grain.OUTLET, measure=measure)
    if channel is not None:
        qs = qs.filter(channel=channel)
    totals: Counter[dt.date] = Counter()
    for day, value in qs.values_list("day", "value"):
        totals[day.replace(day=1)] += value
    return totals


def test_the_demo_has_a_year_of_history_that_reads_like_one(reference, calendar, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_DEMO_HISTORY_MONTHS = 13  # the whole year, as `make run` loads it
    call_command("seed_demo", verbosity=0)

    months = Plan(timezone.localdate()).months
    window, ratings, volume = (
        _by_month(Measure.VOLUME, Channel.COUNTER),
        _by_month(Measure.RATINGS),
        _by_month(Measure.VOLUME),
    )
    for month in months[:-1]:  # the twelve complete months
        assert window[month] > 0 and ratings[month] > 0, month
    full = [volume[m] for m in months[:-1]]
    changes = [after / before - 1 for before, after in itertools.pairwise(full)]
    assert all(abs(c) <= 0.6 for c in changes), changes
    assert any(abs(c) >= 0.05 for c in changes)  # and it does move

    for report in IssuedReport.objects.all():
        summary = {row["label"]: row for row in report.figures["summary"]}
        assert summary["业务量合计"]["current"] > 0 and summary["评价数"]["current"] > 0, report.title
        assert summary["业务量合计"]["previous"] > 0, report.title
    assert IssuedReport.objects.filter(kind=ReportKind.QUARTERLY).exists()

    # The slump quarter: with the supervision demo's inspection and complaint, the demo outlet fails.
    home = Appraisal.objects.get(outlet__code=_home_code())
    assert home.grade == Appraisal.Grade.FAIL


def _home_code() -> str:
    from sheyin.accounts.models import RoleAssignment

    a = RoleAssignment.objects.select_related("outlet").get(user__username="outlet_manager")
    assert a.outlet is not None
    return a.outlet.code
