"""Seed the holiday calendar from `chinesecalendar` for the years it knows (idempotent)."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from sheyin.institutions.models import CalendarDay, HolidaySchedule

CHINESE_NAMES = {h.value: h.chinese for h in Holiday}


class Command(BaseCommand):
    help = "Load official holidays and make-up working days for 2024 onwards from chinesecalendar."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from-year", type=int, default=2024)

    @transaction.atomic
    def handle(self, *args: object, **options: object) -> None:
        first = int(options["from_year"])  # type: ignore[call-overload]
        loaded = []
        for year in range(first, dt.date.today().year + 2):
            try:
                chinese_calendar.is_workday(dt.date(year, 6, 1))
            except NotImplementedError:
                continue  # not published in the package: the municipal center enters it
            day = dt.date(year, 1, 1)
            while day.year == year:
                work = chinese_calendar.is_workday(day)
                if work != (day.weekday() < 5):
                    _, holiday_name = chinese_calendar.get_holiday_detail(day)
                    CalendarDay.objects.update_or_create(
                        date=day,
                        defaults={
                            "is_workday": work,
                            "name": "调休上班" if work else CHINESE_NAMES.get(holiday_name, ""),
                        },
                    )
                day += dt.timedelta(days=1)
            HolidaySchedule.objects.get_or_create(
                year=year, defaults={"source": "国务院办公厅放假安排（chinesecalendar）"}
            )
            loaded.append(year)
        self.stdout.write(f"calendar: schedules loaded for {loaded or 'no year'}")
