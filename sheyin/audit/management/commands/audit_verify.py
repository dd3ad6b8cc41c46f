"""Verify the audit hash chain from the last signed checkpoint (or all of it with --full); exit non-zero
at the first broken link; a verified chain gets a new checkpoint at its end."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sheyin.audit.chain import seal_pending, verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and report the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seal", action="store_true", help="seal pending events first")
        parser.add_argument(
            "--full", action="store_true", help="walk the whole chain from its start (progress on stderr)"
        )

    def handle(self, *args: object, **options: object) -> None:
        if options["seal"]:
            seal_pending()
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-9)
            self.stderr.write(f"  {done:,} / {total:,} events ({rate:,.0f}/s)")

        v = verify(full=bool(options["full"]), progress=progress if options["full"] else None)
        if not v.ok:
            raise CommandError(
                f"audit chain BROKEN at sequence {v.broken_seq} (event id {v.broken_id}): {v.problem}; "
                f"{v.checked} events verified before it"
            )
        since = f"from checkpoint #{v.start}" if v.start else "from the start"
        self.stdout.write(
            f"audit chain OK: {v.checked} events verified ({since}), {v.unsealed} not yet sealed"
        )
