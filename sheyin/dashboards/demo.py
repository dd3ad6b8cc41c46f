"""Demo data for the dashboards: the figures rebuilt from every other app's demo data (this app's hook runs
last), and last month's and last quarter's reports issued as the schedule would. Idempotent."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from . import aggregates, reports, services
from .models import IssuedReport, ReportKind


def seed(rng: random.Random, stdout: Any) -> None:
    result = aggregates.rebuild()
    stdout.write(f"dashboards demo data: figures {result.since}..{result.until}, {result.rows} rows")
    from sheyin.accounts.management.commands.seed_demo import DEMO_DISTRICT
    from sheyin.institutions.models import Agency

    today = timezone.localdate()
    home = Agency.objects.filter(code=DEMO_DISTRICT).first()
    wanted = [(ReportKind.MONTHLY, None), (ReportKind.MONTHLY, home), (ReportKind.QUARTERLY, None)]
    for kind, district in wanted:
        start, end = reports.period_of(kind, reports.period_of(kind, today)[0] - dt.timedelta(days=1))
        if IssuedReport.objects.filter(
            kind=kind, district=district, period_start=start, period_end=end
        ).exists():
            continue
        run = services.report_run_request(
            kind=kind, district=district, start=start, end=end, by=None, execute=False
        )
        issued = services.report_run_execute(run_id=run.pk)
        stdout.write(f"  report issued: {issued.title if issued else 'failed'}")
