from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import housekeeping, refusals_audit


@db_periodic_task(crontab(minute="*/5"))
def purge_api_nonces() -> dict[str, int]:
    """Nonces older than twice the signing window and idempotency records older than a day."""
    return housekeeping()


@db_periodic_task(crontab(minute="*"))
def audit_api_refusals() -> int:
    """Every closed minute of refused calls becomes one audit event per source."""
    return refusals_audit()
