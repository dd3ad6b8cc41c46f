"""The export job on the long queue (sheyin.common.exports), the nightly clean-up of old export files and
the daily monthly partitions (sheyin.common.partitions) on the short queue."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .jobs import long_task


@long_task()
def run_export_job(job_id: int) -> str:
    from .exports import export_job_execute

    return export_job_execute(job_id=job_id)


@db_periodic_task(crontab(hour="3", minute="20"))
def expire_export_files() -> int:
    """Nightly: finished export files older than SHEYIN_EXPORT_KEEP_DAYS days are deleted, their jobs expired."""
    from .exports import export_jobs_expire

    return export_jobs_expire()


@db_periodic_task(crontab(minute="20", hour="1"))
def ensure_month_partitions() -> list[str]:
    """PostgreSQL: this month's and the next three months' partitions of every partitioned table (the audit
    trail, the cases) exist before their first row (docs/decisions/0128-monthly-partitions.md)."""
    from .partitions import TABLES, ensure_months

    return [name for spec in TABLES for name in ensure_months(spec).created]
