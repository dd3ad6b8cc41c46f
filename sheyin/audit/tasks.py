from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .chain import seal_pending


@db_periodic_task(crontab(minute="*"))
def seal_audit_chain() -> int:
    return seal_pending()


@db_periodic_task(crontab(minute="20", hour="1"))
def ensure_audit_partitions() -> list[str]:
    """The coming months' partitions of the audit trail exist before their first event (PostgreSQL)."""
    from .partitions import ensure_months

    return ensure_months().created
