"""Periodic jobs of the lifecycle; each calls an idempotent service (safe to run twice)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services

logger = logging.getLogger(__name__)


@db_periodic_task(crontab(hour=1, minute=0))
def renew_agreements() -> dict[str, int]:
    """R6.1: renew expiring agreements for the same term unless a party objected in time."""
    report = services.agreements_renew_due()
    logger.info("agreements renewed=%d expired=%d", len(report.renewed), len(report.expired))
    return {"renewed": len(report.renewed), "expired": len(report.expired)}


@db_periodic_task(crontab(hour=8, minute=10))
def renewal_reminders() -> int:
    """R6.1: both sides are reminded, once per term, of an agreement that expires soon."""
    return services.agreements_renewal_reminders()


@db_periodic_task(crontab(hour=1, minute=10))
def execute_terminations() -> int:
    """R6.4: terminations scheduled for a date take effect on/after it; open items are re-asked."""
    done = services.terminations_execute_due()
    logger.info("terminations executed=%d", done)
    return done


@db_periodic_task(crontab(hour=8, minute=0))
def filing_deadline_alerts() -> int:
    """R4.4: districts are told about agreements past their filing deadline."""
    return services.filing_deadline_alerts()


@db_periodic_task(crontab(hour=8, minute=5))
def opening_checks() -> dict[str, int]:
    """R3.2, R9.1, R7.3: open missing opening checks; remind districts of checks due soon or overdue."""
    return services.opening_checks_sweep()
