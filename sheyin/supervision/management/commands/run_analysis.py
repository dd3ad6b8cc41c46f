import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sheyin.supervision.services import analysis_run


class Command(BaseCommand):
    help = "Run the enabled data-analysis rules for the window ending --date (default yesterday); idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--rule", action="append", dest="rules", default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        created = analysis_run(day=options["date"], codes=options["rules"])
        for code, n in created.items():
            self.stdout.write(f"{code}: {n} new finding(s)")
