from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .chain import seal_pending


@db_periodic_task(crontab(minute="*"))
def seal_audit_chain() -> int:
    return seal_pending()
