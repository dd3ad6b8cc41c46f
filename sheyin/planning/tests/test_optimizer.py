"""The covering optimizer against brute force on small instances, plus degenerate inputs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sheyin.planning import optimizer
from sheyin.planning.optimizer import build_model, plan, separation_violations, solve_greedy, solve_milp

Array = npt.NDArray[np.float64]
RADIUS = 2500.0
MIN_SEP = 3000.0
EXISTING_MIN = 1500.0
FORBIDDEN_MIN = 1000.0


@dataclass(frozen=True)
class Instance:
    demand: Array
    weight: Array
    candidates: Array
    existing: Array
    forbidden: Array
    p: int

    def kwargs(self) -> dict[str, object]:
        return {
            "radius_m": RADIUS,
            "p": self.p,
            "min_sep_m": MIN_SEP,
            "existing_xy": self.existing,
            "existing_min_m": EXISTING_MIN,
            "forbidden_xy": self.forbidden,
            "forbidden_min_m": FORBIDDEN_MIN,
        }

    def violations(self, chosen: npt.ArrayLike) -> list[str]:
        return separation_violations(
            self.candidates[np.asarray(chosen, dtype=np.intp)],
            min_sep_m=MIN_SEP,
            existing_xy=self.existing,
            existing_min_m=EXISTING_MIN,
            forbidden_xy=self.forbidden,
            forbidden_min_m=FORBIDDEN_MIN,
        )


def random_instance(seed: int, *, n: int = 30, m: int = 10, p: int = 3, side: float = 10_000.0) -> Instance:
    rng = np.random.default_rng(seed)
    return Instance(
        demand=rng.uniform(0, side, (n, 2)),
        weight=rng.integers(1, 100, n).astype(np.float64),  # integers: optima differ by >= 1
        candidates=rng.uniform(0, side, (m, 2)),
        existing=rng.uniform(0, side, (1, 2)),
        forbidden=rng.uniform(0, side, (1, 2)),
        p=p,
    )


def dist(a: Array, b: Array) -> Array:
    return np.asarray(np.hypot(a[:, None, 0] - b[None, :, 0], a[:, None, 1] - b[None, :, 1]))


def brute_force(inst: Instance) -> tuple[float, tuple[int, ...]]:
    """Best covered weight over every feasible subset of at most p candidates, from raw distances."""
    cover = dist(inst.demand, inst.candidates) <= RADIUS
    base = (dist(inst.demand, inst.existing) <= RADIUS).any(axis=1)
    allowed = (dist(inst.candidates, inst.existing) >= EXISTING_MIN).all(axis=1) & (
        dist(inst.candidates, inst.forbidden) >= FORBIDDEN_MIN
    ).all(axis=1)
    apart = dist(inst.candidates, inst.candidates) >= MIN_SEP
    feasible = [int(j) for j in np.flatnonzero(allowed)]
    best, best_set = float(inst.weight[base].sum()), tuple[int, ...]()
    for k in range(1, inst.p + 1):
        for subset in itertools.combinations(feasible, k):
            if not all(apart[a, b] for a, b in itertools.combinations(subset, 2)):
                continue
            value = float(inst.weight[base | cover[:, list(subset)].any(axis=1)].sum())
            if value > best:
                best, best_set = value, subset
    return best, best_set


SEEDS = [0, 1, 2, 3, 4, 5, 7, 11]


@pytest.mark.parametrize("seed", SEEDS)
def test_milp_matches_brute_force_optimum_with_separation(seed: int) -> None:
    inst = random_instance(seed)
    best, _ = brute_force(inst)
    result = plan(inst.demand, inst.weight, inst.candidates, method="milp", mip_rel_gap=0.0, **inst.kwargs())
    assert result.method == "milp-optimal"
    assert result.covered_weight == pytest.approx(best)
    assert result.bound == pytest.approx(best, abs=1e-6)
    assert result.gap == pytest.approx(0.0, abs=1e-9)
    assert len(result.chosen) <= inst.p
    assert inst.violations(result.chosen) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_greedy_is_feasible_and_never_beats_the_optimum(seed: int) -> None:
    inst = random_instance(seed)
    best, _ = brute_force(inst)
    result = plan(inst.demand, inst.weight, inst.candidates, method="greedy", **inst.kwargs())
    assert result.method == "greedy"
    assert inst.violations(result.chosen) == []
    assert len(result.chosen) <= inst.p
    assert result.covered_weight <= best + 1e-9
    assert result.bound >= best - 1e-6  # the submodular bound is a true upper bound


@pytest.mark.parametrize("seed", SEEDS)
def test_auto_plan_reaches_the_brute_force_optimum(seed: int) -> None:
    inst = random_instance(seed)
    best, _ = brute_force(inst)
    result = plan(
        inst.demand, inst.weight, inst.candidates, mip_rel_gap=0.0, lp_relaxation=True, **inst.kwargs()
    )
    assert result.covered_weight == pytest.approx(best)
    assert result.lp_bound is not None and result.lp_bound >= best - 1e-6
    assert inst.violations(result.chosen) == []


@pytest.mark.parametrize("seed", SEEDS)
def test_reductions_do_not_change_the_optimum(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    inst = random_instance(100 + seed, n=60, m=14, p=4)
    # Duplicated demand points and candidates make row merging and column dominance certain to fire.
    demand = np.vstack([inst.demand, inst.demand[:20]])
    weight = np.concatenate([inst.weight, rng.integers(1, 100, 20).astype(np.float64)])
    candidates = np.vstack([inst.candidates, inst.candidates[:4] + 1.0])
    kwargs = inst.kwargs()
    kwargs.pop("p")
    reduced = build_model(demand, weight, candidates, reduce=True, **kwargs)  # type: ignore[arg-type]
    full = build_model(demand, weight, candidates, reduce=False, **kwargs)  # type: ignore[arg-type]
    assert reduced.stats["demand_rows_merged"] > 0
    assert reduced.n_rows < full.n_rows
    a = solve_milp(reduced, inst.p, mip_rel_gap=0.0)
    b = solve_milp(full, inst.p, mip_rel_gap=0.0)
    assert a.optimal and b.optimal and a.value is not None and b.value is not None
    assert a.value == pytest.approx(b.value)
    assert reduced.existing_weight == full.existing_weight


def test_identical_candidates_that_conflict_differently_are_not_merged() -> None:
    # A and B cover the same single point; only A conflicts with C, which covers the other point.
    demand = np.array([[0.0, 0.0], [-3000.0, 0.0]])
    weight = np.array([1.0, 1.0])
    candidates = np.array([[0.0, 0.0], [1000.0, 0.0], [-2500.0, 0.0]])  # A, B, C
    model = build_model(demand, weight, candidates, radius_m=1500.0, min_sep_m=3000.0)
    assert sorted(model.candidate.tolist()) == [1, 2]  # A is dominated by B, never the other way round
    result = plan(demand, weight, candidates, radius_m=1500.0, p=2, min_sep_m=3000.0)
    assert result.chosen.tolist() == [1, 2]
    assert result.coverage_share == 1.0


def test_demand_already_covered_by_an_existing_outlet_is_counted_but_not_optimised() -> None:
    demand = np.array([[0.0, 0.0], [10_000.0, 0.0]])
    weight = np.array([5.0, 3.0])
    candidates = np.array([[9_000.0, 0.0], [200.0, 0.0]])
    result = plan(
        demand, weight, candidates, radius_m=1500.0, p=2, existing_xy=[[100.0, 0.0]], existing_min_m=500.0
    )
    assert result.existing_weight == 5.0
    assert result.chosen.tolist() == [0]  # the candidate next to the outlet is forbidden
    assert result.covered_weight == 8.0
    assert result.coverage_share == 1.0


def test_p_larger_than_the_feasible_candidates_gives_all_useful_compatible_sites() -> None:
    inst = random_instance(3)
    best, _ = brute_force(
        Instance(inst.demand, inst.weight, inst.candidates, inst.existing, inst.forbidden, 10)
    )
    for method in ("greedy", "milp", "auto"):
        result = plan(
            inst.demand,
            inst.weight,
            inst.candidates,
            method=method,  # type: ignore[arg-type]
            mip_rel_gap=0.0,
            **{**inst.kwargs(), "p": 50},
        )
        assert inst.violations(result.chosen) == []
        assert len(result.chosen) <= len(inst.candidates)
        assert result.covered_weight <= best + 1e-9
        if method != "greedy":
            assert result.covered_weight == pytest.approx(best)


@pytest.mark.parametrize("method", ["greedy", "milp", "auto"])
def test_no_candidates_gives_an_empty_plan(method: str) -> None:
    demand = np.array([[0.0, 0.0], [5000.0, 0.0]])
    result = plan(demand, [1.0, 2.0], np.empty((0, 2)), radius_m=1000.0, p=3, method=method)  # type: ignore[arg-type]
    assert result.chosen.tolist() == []
    assert result.covered_weight == 0.0
    assert result.coverage_share == 0.0
    assert result.gap == 0.0


@pytest.mark.parametrize("method", ["greedy", "milp", "auto"])
def test_all_demand_already_covered_needs_no_new_site(method: str) -> None:
    demand = np.array([[0.0, 0.0], [300.0, 0.0]])
    result = plan(
        demand,
        [1.0, 2.0],
        [[100.0, 100.0], [5000.0, 0.0]],
        radius_m=1000.0,
        p=3,
        existing_xy=[[0.0, 100.0]],
        method=method,  # type: ignore[arg-type]
    )
    assert result.chosen.tolist() == []
    assert result.coverage_share == 1.0
    assert result.bound == pytest.approx(3.0)


def test_zero_sites_empty_demand_and_all_candidates_forbidden_are_handled() -> None:
    inst = random_instance(1)
    assert plan(inst.demand, inst.weight, inst.candidates, **{**inst.kwargs(), "p": 0}).chosen.size == 0
    empty = plan(np.empty((0, 2)), np.empty(0), inst.candidates, radius_m=RADIUS, p=3)
    assert empty.chosen.size == 0 and empty.total_weight == 0.0 and empty.coverage_share == 0.0
    walled = plan(
        inst.demand,
        inst.weight,
        inst.candidates,
        radius_m=RADIUS,
        p=3,
        forbidden_xy=inst.candidates,
        forbidden_min_m=1.0,
    )
    assert walled.chosen.size == 0
    assert walled.stats["candidates_too_close"] == len(inst.candidates)


def test_invalid_inputs_are_rejected_with_value_errors() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        plan([[0.0, 0.0]], [-1.0], [[0.0, 0.0]], radius_m=100.0, p=1)
    with pytest.raises(ValueError, match="radius"):
        plan([[0.0, 0.0]], [1.0], [[0.0, 0.0]], radius_m=0.0, p=1)
    with pytest.raises(ValueError, match="one value per demand point"):
        plan([[0.0, 0.0]], [1.0, 2.0], [[0.0, 0.0]], radius_m=100.0, p=1)


def test_lns_never_worsens_a_solution_and_keeps_separation() -> None:
    rng = np.random.default_rng(42)
    demand = rng.uniform(0, 30_000, (600, 2))
    weight = rng.integers(1, 50, 600).astype(np.float64)
    candidates = rng.uniform(0, 30_000, (150, 2))
    model = build_model(demand, weight, candidates, radius_m=2500.0, min_sep_m=2000.0)
    start = solve_greedy(model, 12, local_search=False)
    improved = optimizer.improve_lns(model, 12, start.columns, time_limit_s=1.0, window_sites=4, seed=1)
    assert improved.value >= start.value
    assert len(improved.columns) <= 12
    chosen = model.candidate[improved.columns]
    assert separation_violations(candidates[chosen], min_sep_m=2000.0) == []
    assert improved.value == pytest.approx(model.value(improved.columns))


def test_progress_is_reported_per_phase_and_cancel_stops_the_plan() -> None:
    inst = random_instance(2)
    phases: list[str] = []
    plan(
        inst.demand,
        inst.weight,
        inst.candidates,
        lp_relaxation=True,
        progress=lambda phase, figures: phases.append(phase),
        **inst.kwargs(),
    )
    assert phases[:3] == ["reduce", "greedy", "lp"]
    assert set(phases) <= {"reduce", "greedy", "lp", "milp", "lns"}
    with pytest.raises(optimizer.PlanCancelled):
        plan(inst.demand, inst.weight, inst.candidates, cancel=lambda: True, **inst.kwargs())


coords = st.tuples(st.floats(0, 8000), st.floats(0, 8000))


@settings(max_examples=25, deadline=None)
@given(
    demand=st.lists(coords, min_size=0, max_size=25),
    candidates=st.lists(coords, min_size=0, max_size=9),
    p=st.integers(0, 4),
    min_sep=st.sampled_from([0.0, 1000.0, 2500.0]),
)
def test_any_plan_respects_separation_and_its_own_bound(
    demand: list[tuple[float, float]], candidates: list[tuple[float, float]], p: int, min_sep: float
) -> None:
    d = np.array(demand, dtype=np.float64).reshape(-1, 2)
    c = np.array(candidates, dtype=np.float64).reshape(-1, 2)
    w = np.arange(1, len(d) + 1, dtype=np.float64)
    greedy = plan(d, w, c, radius_m=1500.0, p=p, min_sep_m=min_sep, method="greedy")
    exact = plan(d, w, c, radius_m=1500.0, p=p, min_sep_m=min_sep, method="milp", mip_rel_gap=0.0)
    for result in (greedy, exact):
        assert len(result.chosen) <= p
        assert separation_violations(c[result.chosen], min_sep_m=min_sep) == []
        assert result.covered_weight <= result.bound + 1e-6
    assert greedy.covered_weight <= exact.covered_weight + 1e-6
    assert exact.method == "milp-optimal"


def test_a_cancel_interrupts_highs_from_inside_its_search() -> None:
    """The cancel is polled from HiGHS's interrupt callback (the first time at once, then every half
    second), so a running MILP stops without waiting for its time limit."""
    rng = np.random.default_rng(7)
    demand = rng.uniform(0, 40_000, (3000, 2))
    weight = rng.integers(1, 50, 3000).astype(np.float64)
    candidates = rng.uniform(0, 40_000, (600, 2))
    model = build_model(demand, weight, candidates, radius_m=2500.0, min_sep_m=3000.0)
    polls: list[int] = []

    def cancel() -> bool:
        polls.append(1)
        return True

    with pytest.raises(optimizer.PlanCancelled):
        solve_milp(model, 25, time_limit_s=600.0, mip_rel_gap=0.0, cancel=cancel)
    assert polls


def test_the_gap_is_on_the_covered_population_and_never_above_the_total() -> None:
    inst = random_instance(3)
    result = plan(inst.demand, inst.weight, inst.candidates, method="greedy", **inst.kwargs())
    assert result.bound <= result.total_weight + 1e-9
    assert result.gap == pytest.approx((result.bound - result.covered_weight) / result.bound)
    exact = plan(inst.demand, inst.weight, inst.candidates, method="milp", mip_rel_gap=0.0, **inst.kwargs())
    assert exact.proven and exact.method == "milp-optimal" and exact.gap == pytest.approx(0.0, abs=1e-9)
