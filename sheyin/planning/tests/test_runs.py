"""Plan runs (site recommendation, R10.1): the job's lifecycle, cancellation, validation and permissions."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import BranchFactory, OutletFactory, district, municipal
from sheyin.planning import demand, services
from sheyin.planning.models import (
    CandidateSource,
    DemandSource,
    PlanRun,
    RunStatus,
    RunTransitionError,
    check_transition,
)
from sheyin.planning.tests.factories import candidate_import, demand_import, offset

pytestmark = pytest.mark.django_db
CENTRE = geo.districts()["110105"].center


@pytest.fixture
def officer(reference):  # type: ignore[no-untyped-def]
    return user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))


def spy_transitions(monkeypatch) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, str]] = []
    real = services.check_transition

    def spy(source: str, target: str, by: object) -> None:
        seen.append((str(source), str(target)))
        real(source, target, by)

    monkeypatch.setattr(services, "check_transition", spy)
    return seen


def test_a_run_shows_the_greedy_answer_then_the_proven_optimum(
    officer, monkeypatch, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """Huey runs immediately in tests: queued -> running -> greedy_ready -> optimal in one request."""
    OutletFactory(district=district("110105"), lon=CENTRE[0], lat=CENTRE[1])
    seen = spy_transitions(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        run = services.plan_run_create(
            district=district("110105"), k=3, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
            time_limit_s=20, by=officer,
        )  # fmt: skip
    run.refresh_from_db()
    assert seen == [("queued", "running"), ("running", "greedy_ready"), ("greedy_ready", "optimal")]
    assert run.status == RunStatus.OPTIMAL and run.progress == 100 and run.gap <= services.GAP_TARGET
    assert run.greedy_result and run.result and run.result["proven"]
    sites = run.result["sites"]
    assert len(sites) == 3
    assert run.result["covered"] >= run.greedy_result["covered"] - 1e-6
    assert sum(s["new_weight"] for s in sites) == pytest.approx(
        run.result["new"], abs=1
    )  # rounded to 0.1 each
    # R8.4 holds for the answer: 1,500 m between new sites and to the existing outlet, 1,500 m to offices.
    xy = np.column_stack(
        demand.project([s["lon"] for s in sites] + [CENTRE[0]], [s["lat"] for s in sites] + [CENTRE[1]])
    )
    gaps = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    assert gaps[np.triu_indices(len(xy), 1)].min() >= 1500 * 0.999
    assert run.result["separation_violations"] == 0


def test_a_cancel_request_stops_the_job_at_the_next_phase_and_keeps_the_greedy_answer(
    officer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    run = services.plan_run_create(
        district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
        by=officer, start=False,
    )  # fmt: skip
    real_move = services._move

    def move_then_cancel(run_id: int, target: str, **fields: object) -> PlanRun:
        moved = real_move(run_id, target, **fields)
        if target == RunStatus.GREEDY_READY:  # the user presses Cancel while the MILP is due
            services.plan_run_cancel(run=moved, by=officer)
        return moved

    monkeypatch.setattr(services, "_move", move_then_cancel)
    assert services.plan_run_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED and run.cancel_requested
    assert run.greedy_result and run.result is None


def test_a_queued_run_is_cancelled_at_once_and_a_finished_one_cannot_be(officer) -> None:  # type: ignore[no-untyped-def]
    run = services.plan_run_create(
        district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
        by=officer, start=False,
    )  # fmt: skip
    services.plan_run_cancel(run=run, by=officer)
    run.refresh_from_db()
    assert run.status == RunStatus.CANCELLED
    assert services.plan_run_execute(run_id=run.pk) == "skipped"  # the job is idempotent
    with pytest.raises(ValidationError):
        services.plan_run_cancel(run=run, by=officer)


def test_the_transition_table_refuses_what_it_does_not_list() -> None:
    check_transition(RunStatus.QUEUED, RunStatus.CANCELLED, object())  # a person may cancel a queued run
    with pytest.raises(RunTransitionError):
        check_transition(
            RunStatus.RUNNING, RunStatus.GREEDY_READY, object()
        )  # only the job moves a running one
    with pytest.raises(RunTransitionError):
        check_transition(RunStatus.OPTIMAL, RunStatus.RUNNING, None)
    with pytest.raises(RunTransitionError):
        check_transition(RunStatus.QUEUED, RunStatus.OPTIMAL, None)


def test_a_failing_job_records_the_error(officer, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    run = services.plan_run_create(
        district=district("110105"), k=2, candidate_source=CandidateSource.GRID, grid_spacing_m=2000,
        by=officer, start=False,
    )  # fmt: skip

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(services.optimizer, "plan", broken)
    assert services.plan_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "solver exploded" in run.error


def test_branch_candidates_are_the_branches_that_are_not_yet_outlets(officer) -> None:  # type: ignore[no-untyped-def]
    chaoyang = district("110105")
    free = BranchFactory(
        district=chaoyang, lon=offset(*CENTRE, 5000, 0)[0], lat=offset(*CENTRE, 5000, 0)[1], name="空闲支行"
    )
    taken = BranchFactory(
        district=chaoyang, lon=offset(*CENTRE, -5000, 0)[0], lat=offset(*CENTRE, -5000, 0)[1]
    )
    OutletFactory(
        district=chaoyang,
        bank=taken.bank,
        branch=taken,
        lon=taken.lon,
        lat=taken.lat,
        status=OutletStatus.TERMINATED,
    )
    run = services.plan_run_create(
        district=chaoyang, k=5, candidate_source=CandidateSource.BRANCHES, by=officer, start=False
    )
    services.plan_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.result["candidates"] == 1
    assert [s["name"] for s in run.result["sites"]] == [str(free)]


def test_imported_demand_and_candidates_drive_the_answer(officer) -> None:  # type: ignore[no-untyped-def]
    chaoyang = district("110105")
    hot = offset(*CENTRE, 4000, 4000)
    cold = offset(*CENTRE, -4000, -4000)
    dem = demand_import(chaoyang, [(*hot, 1000.0, "110105"), (*cold, 1.0, "110105")])
    cand = candidate_import(chaoyang, [(*offset(*hot, 100, 0), "110105"), (*offset(*cold, 100, 0), "110105")])
    run = services.plan_run_create(
        district=chaoyang, k=1, candidate_source=CandidateSource.IMPORT, candidate_import=cand,
        demand_source=DemandSource.IMPORT, demand_import=dem, by=officer, start=False,
    )  # fmt: skip
    services.plan_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.OPTIMAL
    assert [s["name"] for s in run.result["sites"]] == ["点0"]
    assert run.result["covered"] == pytest.approx(1000.0) and run.result["total"] == pytest.approx(1001.0)


def test_the_run_form_is_validated_field_by_field(officer) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as exc:
        services.plan_run_create(
            district=district("110105"), k=0, candidate_source=CandidateSource.IMPORT, demand_source=DemandSource.IMPORT,
            time_limit_s=3, by=officer, start=False,
        )  # fmt: skip
    assert set(exc.value.message_dict) == {"k", "candidate_import", "demand_import", "time_limit_s"}
    with pytest.raises(ValidationError) as exc:
        services.plan_run_create(
            district=district("110105"), k=2, candidate_source=CandidateSource.GRID, by=officer
        )
    assert set(exc.value.message_dict) == {"grid_spacing_m"}
    other = candidate_import(district("110108"), [(*geo.districts()["110108"].center, "110108")])
    with pytest.raises(ValidationError) as exc:
        services.plan_run_create(
            district=district("110105"),
            k=2,
            candidate_source=CandidateSource.IMPORT,
            candidate_import=other,
            by=officer,
        )
    assert "candidate_import" in exc.value.message_dict
    assert not PlanRun.objects.exists()


def test_who_may_start_a_run_and_for_which_scope(reference) -> None:  # type: ignore[no-untyped-def]
    args = {"k": 2, "candidate_source": CandidateSource.GRID, "grid_spacing_m": 3000, "start": False}
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    with pytest.raises(NotAllowed):
        services.plan_run_create(district=district("110108"), by=officer, **args)
    with pytest.raises(NotAllowed):
        services.plan_run_create(district=None, by=officer, **args)
    with pytest.raises(NotAllowed):
        services.plan_run_create(
            district=district("110105"),
            by=user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110105")),
            **args,
        )
    muni = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    city = services.plan_run_create(district=None, by=muni, **args)
    # A city run keeps every district's own rules (recorded), not one radius for all.
    assert city.radius_m is None and city.min_outlet_m is None
    assert city.rules["110101"] == [1000, 1000, 1000] and city.rules["110105"] == [1000, 1500, 1500]
    assert city.rules["110112"] == [5000, 3000, 3000] and len(city.rules) == 16
    with pytest.raises(NotAllowed):
        services.plan_run_cancel(run=city, by=officer)


def test_a_district_runs_at_most_three_jobs_at_once(officer) -> None:  # type: ignore[no-untyped-def]
    args = {"district": district("110105"), "k": 2, "candidate_source": CandidateSource.GRID, "grid_spacing_m": 3000,
            "by": officer, "start": False}  # fmt: skip
    for _ in range(services.MAX_ACTIVE_RUNS):
        services.plan_run_create(**args)
    with pytest.raises(ValidationError):
        services.plan_run_create(**args)
