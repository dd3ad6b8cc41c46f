from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import tickets_escalate


@db_periodic_task(crontab(hour="8", minute="0"))
def escalate_tickets() -> dict[str, int]:
    """Daily: tickets past their reply or close deadline escalate (R9.2)."""
    return tickets_escalate()
