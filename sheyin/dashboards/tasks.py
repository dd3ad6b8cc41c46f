"""Jobs of the dashboards app (Huey): keeping the figures current, issuing the periodic reports and running
the reports people ask for. Each is idempotent (design rule 13)."""

from __future__ import annotations

from typing import Any

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_periodic_task(crontab(hour="1", minute="30"))
def refresh_figures_nightly() -> dict[str, Any]:
    """Nightly: rebuild the last 40 days of figures and take the day's snapshots (staff, coverage …)."""
    from .aggregates import nightly, tidy

    r = nightly()
    tidy()
    return {"since": r.since.isoformat(), "until": r.until.isoformat(), "rows": r.rows, "seconds": r.seconds}


@db_periodic_task(crontab(minute="*/10", hour="7-21"))
def refresh_figures_today() -> int:
    """During the working day: today's figures every ten minutes (the dashboards say when they were updated)."""
    from .aggregates import current

    return current().rows


@db_periodic_task(crontab(hour="3", minute="15"))
def issue_periodic_reports() -> int:
    """Daily after the nightly refresh: the monthly, quarterly and yearly reports that are due, once each."""
    from .services import reports_issue_due

    return reports_issue_due()


@db_task()
def execute_report_run(run_id: int) -> int | None:
    from .services import report_run_execute

    issued = report_run_execute(run_id=run_id)
    return issued.pk if issued is not None else None
