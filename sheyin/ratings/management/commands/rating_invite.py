from typing import Any

from django.core.management.base import BaseCommand

from sheyin.ratings.services import rating_invite_unrated


class Command(BaseCommand):
    help = "Invite unrated completed cases once more to rate the service (好差评, R9.5). Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        n = rating_invite_unrated(by=None)
        self.stdout.write(f"rating re-invitations: {n}")
