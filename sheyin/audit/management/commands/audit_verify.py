"""Verify the audit hash chain; exit non-zero at the first broken link."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sheyin.audit.chain import seal_pending, verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seal", action="store_true", help="seal pending events first")

    def handle(self, *args: object, **options: object) -> None:
        if options["seal"]:
            seal_pending()
        v = verify()
        if not v.ok:
            raise CommandError(
                f"audit chain BROKEN at sequence {v.broken_seq} (event id {v.broken_id}): {v.problem}; "
                f"{v.checked} events verified before it"
            )
        self.stdout.write(f"audit chain OK: {v.checked} events verified, {v.unsealed} not yet sealed")
