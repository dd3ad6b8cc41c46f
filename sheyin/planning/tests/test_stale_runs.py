"""Runs whose worker died (issue 19.6): the heartbeat sweep fails them, and cancel takes effect at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import district
from sheyin.planning import services, tasks
from sheyin.planning.models import CandidateSource, PlanRun, RunStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))


def started(officer, *, beat_s_ago: float | None, status: str = RunStatus.RUNNING) -> PlanRun:  # type: ignore[no-untyped-def]
    run = services.plan_run_create(
        district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
        by=officer, start=False,
    )  # fmt: skip
    now = timezone.now()
    beat = None if beat_s_ago is None else now - timedelta(seconds=beat_s_ago)
    PlanRun.objects.filter(pk=run.pk).update(
        status=status, started_at=now - timedelta(minutes=5), heartbeat_at=beat
    )
    run.refresh_from_db()
    return run


def test_the_sweep_fails_a_run_whose_heartbeat_stopped_and_leaves_a_beating_one(officer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_JOB_STALE_S = 60
    dead = started(officer, beat_s_ago=61)
    dead_greedy = started(officer, beat_s_ago=300, status=RunStatus.GREEDY_READY)
    alive = started(officer, beat_s_ago=5)
    assert sorted(services.plan_runs_fail_stale()) == sorted([dead.pk, dead_greedy.pk])
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert dead.status == RunStatus.FAILED and dead.finished_at is not None
    assert "心跳" in dead.error and "60" in dead.error  # a Chinese reason with the limit
    assert alive.status == RunStatus.RUNNING
    assert AuditEvent.objects.filter(action="planning.plan_run.fail", object_id=str(dead.pk)).exists()


def test_a_run_that_never_beat_is_failed_once_it_started_longer_ago_than_the_limit(officer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_JOB_STALE_S = 60
    run = started(officer, beat_s_ago=None)
    assert services.plan_runs_fail_stale() == [run.pk]


def test_the_periodic_task_sweeps_and_a_new_run_is_accepted_again(officer, settings) -> None:  # type: ignore[no-untyped-def]
    """Three dead runs filled the district's three active places; once swept, a new run is accepted."""
    settings.SHEYIN_JOB_STALE_S = 60
    for _ in range(services.MAX_ACTIVE_RUNS):
        started(officer, beat_s_ago=120)
    with pytest.raises(ValidationError):
        started(officer, beat_s_ago=0)
    assert tasks.fail_stale_plan_runs.call_local() == services.MAX_ACTIVE_RUNS
    assert started(officer, beat_s_ago=0).status == RunStatus.RUNNING


def test_cancel_on_a_dead_run_takes_effect_at_once(officer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_JOB_STALE_S = 60
    run = started(officer, beat_s_ago=90, status=RunStatus.GREEDY_READY)
    assert services.plan_run_cancel(run=run, by=officer).status == RunStatus.CANCELLED
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested and run.finished_at is not None


def test_cancel_on_a_beating_run_leaves_the_stop_to_the_job(officer, settings) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_JOB_STALE_S = 60
    run = started(officer, beat_s_ago=2)
    assert services.plan_run_cancel(run=run, by=officer).status == RunStatus.RUNNING
    run.refresh_from_db()
    assert run.cancel_requested
    # The job polls between steps and sees the request (or a run ended under it).
    assert services.plan_run_execute(run_id=run.pk) == "skipped"  # not queued: another worker owns it


def test_the_job_stops_when_the_sweep_failed_its_run_under_it(officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """A worker that was only paused comes back to a failed run: it stops and does not overwrite it."""
    run = services.plan_run_create(
        district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
        by=officer, start=False,
    )  # fmt: skip
    real_inputs = services.run_inputs

    def inputs_then_swept(r: PlanRun):  # type: ignore[no-untyped-def]
        PlanRun.objects.filter(pk=r.pk).update(status=RunStatus.FAILED, error="swept")
        return real_inputs(r)

    monkeypatch.setattr(services, "run_inputs", inputs_then_swept)
    assert services.plan_run_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error == "swept"
    assert run.heartbeat_at is not None  # the job beat when it started
