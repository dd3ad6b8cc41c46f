from __future__ import annotations

from django.core.management.base import BaseCommand

from sheyin.audit.chain import seal_pending


class Command(BaseCommand):
    help = "Seal pending audit events into the hash chain (also runs every minute as a job)."

    def handle(self, *args: object, **options: object) -> None:
        self.stdout.write(f"sealed {seal_pending()} audit event(s)")
