"""Periodic job: time out overdue exams, expire grants, remind before expiry. Idempotent."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import sweep


@db_periodic_task(crontab(minute="*/5"))
def staffing_sweep() -> dict[str, int]:
    # Every five minutes: exam deadlines need prompt scoring; expiry and reminders are once-a-day effects
    # that the services make idempotent (status checks and reminded_at).
    return sweep()
