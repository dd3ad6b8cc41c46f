from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import housekeeping


@db_periodic_task(crontab(minute="*/5"))
def purge_api_nonces() -> dict[str, int]:
    """Nonces older than twice the signing window and idempotency records older than a day."""
    return housekeeping()
