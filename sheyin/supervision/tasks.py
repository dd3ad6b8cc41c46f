from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import analysis_run, rectifications_escalate


@db_periodic_task(crontab(hour="2", minute="30"))
def nightly_analysis() -> dict[str, int]:
    """Nightly: every enabled data-analysis rule over yesterday's data (Annex 13)."""
    return analysis_run()


@db_periodic_task(crontab(hour="8", minute="15"))
def escalate_rectifications() -> int:
    """Daily: rectification orders past their deadline alert the district head and the bank."""
    return rectifications_escalate()
