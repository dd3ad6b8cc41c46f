from typing import Any

from django.core.management.base import BaseCommand

from sheyin.support.services import tickets_escalate


class Command(BaseCommand):
    help = "Escalate problem tickets past their reply or close deadline (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = tickets_escalate()
        self.stdout.write(
            f"escalated: district_head={counts['district_head']} municipal={counts['municipal']}"
        )
