"""The report run's lifecycle. Pure Python: one transition table; only the job (the system) moves a run.

A run is queued by a person or the schedule, then the job takes it (running) and ends it: done with its
issued report, or failed with the reason. Taking a run is guarded by a row lock, so a run executed twice
(a retried job) is issued once."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import RunStatus

TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (RunStatus.QUEUED, RunStatus.RUNNING),
        (RunStatus.RUNNING, RunStatus.DONE),
        (RunStatus.RUNNING, RunStatus.FAILED),
        (RunStatus.QUEUED, RunStatus.FAILED),
    }
)


class TransitionError(ValidationError):
    """A status change the table does not allow."""


def check(source: str, target: str) -> None:
    if (source, target) not in TRANSITIONS:
        raise TransitionError(
            _("报表任务状态不能从“%(a)s”变为“%(b)s”。")
            % {"a": RunStatus(source).label, "b": RunStatus(target).label}
        )
