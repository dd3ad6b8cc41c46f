from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sheyin.cooperation import services


class Command(BaseCommand):
    help = "Carry out terminations whose effective date has come (R6.4). Idempotent; also a daily job."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="run as of this date (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        self.stdout.write(f"executed {services.terminations_execute_due(today=today)} termination(s)")
