"""Rebuild the dashboard figures: `refresh_figures` (the last 40 days, as the nightly job), `--all` (from the
first source row: after an upgrade or a data import), or `--since/--until` (local dates, YYYY-MM-DD)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sheyin.dashboards import aggregates


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value}") from exc


class Command(BaseCommand):
    help = "Rebuild the pre-aggregated dashboard figures (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="every day from the first source row")
        parser.add_argument("--since", type=_date)
        parser.add_argument("--until", type=_date)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            result = aggregates.rebuild()
        elif options["since"] or options["until"]:
            if not (options["since"] and options["until"]):
                raise CommandError("give both --since and --until")
            if options["until"] < options["since"]:
                raise CommandError("--until is before --since")
            result = aggregates.refresh(since=options["since"], until=options["until"])
        else:
            result = aggregates.nightly()
        self.stdout.write(
            f"figures refreshed {result.since}..{result.until}: {result.rows} rows in {result.seconds:.2f}s"
        )
