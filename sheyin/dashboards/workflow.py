"""The report run's lifecycle, on the common engine; only the job (the system) moves a run.

A run is queued by a person or the schedule, then the job takes it (running) and ends it: done with its
issued report, or failed with the reason. Taking a run is guarded by a row lock, so a run executed twice
(a retried job) is issued once."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.common.lifecycle import SYSTEM, Lifecycle, T, TransitionError

from .models import RunStatus

__all__ = ["REPORT_RUN", "TRANSITIONS", "TransitionError", "check"]

REPORT_RUN = Lifecycle(
    "report_run",
    RunStatus,
    (
        T("start", [RunStatus.QUEUED], RunStatus.RUNNING, {SYSTEM}),
        T("finish", [RunStatus.RUNNING], RunStatus.DONE, {SYSTEM}),
        T("fail", [RunStatus.QUEUED, RunStatus.RUNNING], RunStatus.FAILED, {SYSTEM}),
    ),
    messages={"status": gettext_lazy("报表任务当前状态为“%(status)s”，不能执行该操作。")},
)

# (source, target) pairs, for the job's quick test before it takes the lock.
TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    (source, t.target) for t in REPORT_RUN.transitions for source in t.sources
)


def check(source: str, target: str) -> None:
    if (source, target) not in TRANSITIONS:
        raise TransitionError(
            _("报表任务状态不能从“%(a)s”变为“%(b)s”。")
            % {"a": RunStatus(source).label, "b": RunStatus(target).label}
        )
