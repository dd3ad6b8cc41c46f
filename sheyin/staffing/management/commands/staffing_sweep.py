"""Run the staffing sweep now: time out overdue exams, expire grants, send expiry reminders (idempotent)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandParser

from sheyin.staffing.services import sweep


class Command(BaseCommand):
    help = "Time out overdue exams, mark expired grants and send expiry reminders (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="treat this day (YYYY-MM-DD) as today, for catching up")

    def handle(self, *args: object, **options: object) -> None:
        today = dt.date.fromisoformat(str(options["date"])) if options.get("date") else None
        result = sweep(today=today)
        self.stdout.write("staffing sweep: " + " ".join(f"{k}={v}" for k, v in result.items()))
