from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sheyin.cooperation import services


class Command(BaseCommand):
    help = (
        "Renew expiring agreements unless a party objected in time, and remind both sides of those expiring "
        "soon (R6.1). Idempotent; also daily jobs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="run as of this date (YYYY-MM-DD); default today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        report = services.agreements_renew_due(today=today)
        reminded = services.agreements_renewal_reminders(today=today)
        self.stdout.write(
            f"renewed {len(report.renewed)}, expired {len(report.expired)}, reminded {reminded}"
        )
        for n in report.renewed:
            self.stdout.write(f"  renewed {n}")
        for n in report.expired:
            self.stdout.write(f"  expired {n}")
