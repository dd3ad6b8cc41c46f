from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import rating_invite_unrated


@db_periodic_task(crontab(hour="10", minute="0"))
def invite_unrated_cases() -> int:
    """Daily: completed cases still unrated after the configured delay get one more invitation (R9.5)."""
    return rating_invite_unrated(by=None)
