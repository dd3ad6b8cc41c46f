"""The plan-run job: a site recommendation can take minutes, so it runs on the long queue's worker
(`manage.py run_huey_long`, sheyin.common.jobs) and reports progress and a heartbeat into its PlanRun row
(design rule 13). Safe to run twice: a run that is no longer queued is left alone.

The sweep of runs whose worker died runs every minute on the short queue."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sheyin.common.jobs import long_task


@long_task()
def execute_plan_run(run_id: int) -> str:
    from . import services

    return services.plan_run_execute(run_id=run_id)


@db_periodic_task(crontab(minute="*"))
def fail_stale_plan_runs() -> int:
    from . import services

    return len(services.plan_runs_fail_stale())
