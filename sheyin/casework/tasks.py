from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import archive_alert_overdue


@db_periodic_task(crontab(hour="8", minute="30"))
def alert_overdue_archives() -> int:
    """Daily: archive records not handed over within 5 working days alert the outlet and the district."""
    return archive_alert_overdue()
