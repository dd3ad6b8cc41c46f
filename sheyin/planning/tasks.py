"""The plan-run job: a site recommendation can take minutes, so it runs in a Huey worker and reports
progress into its PlanRun row (design rule 13). Safe to run twice: a run that is no longer queued is
left alone."""

from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task()
def execute_plan_run(run_id: int) -> str:
    from . import services

    return services.plan_run_execute(run_id=run_id)
