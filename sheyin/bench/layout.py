"""Outlet layout benchmark: our planner against PySAL spopt's MCLP on Beijing instances.

``python -m sheyin.bench layout [--quick] [--no-spopt] [--seed N]``

Instances (coverage radius 1,500 m, census-weighted demand grid of :mod:`sheyin.planning.demand`):

* **district** — 朝阳 (110105): ~5,000 demand grid points, 750 candidates uniform inside the
  district, p = 100;
* **city** — all 16 districts: ~20,000 demand grid points, 3,000 candidates (spread over the
  districts in proportion to their population, uniform inside each), p = 400.

What is compared: spopt's MCLP has no separation constraint and no existing facilities, so both
solvers get the plain MCLP (``min_sep_m = 0``, nothing existing). Coverage shares are evaluated the
same way for both (our ``covered_weight`` on the raw points, distance <= radius). spopt is timed
from coordinates to answer (cost matrix, model build, CBC solve), ours likewise (``plan`` incl. the
reduction, greedy, LP relaxation, MILP and LNS). spopt runs in a child process with a hard wall
clock cap (600 s; CBC itself is told to stop a little earlier so that its incumbent is kept);
the child's process group is killed at the cap, so the bench always stops.

spopt is not a project dependency; the bench installs nothing and reports ``unavailable`` when
``import spopt`` fails. ``--no-spopt`` skips it, ``--quick`` runs small instances as a smoke test.

The last line printed is the summary::

    layout: district_gap=<spopt − ours> district_time_ratio=<ours/spopt> city_s=<ours seconds>
    city_coverage=<ours share> city_bound=<LP bound share> city_spopt=<its coverage or timeout>

(on one line). ``district_gap`` is a difference of coverage shares (positive: spopt covers more).
``city_spopt`` is spopt's coverage share when CBC proved optimality within the cap, else
``timeout`` (its incumbent, if any, is printed on a progress line).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import shapely

from sheyin.common import geo
from sheyin.planning import demand, optimizer

RADIUS_M = 1500.0
DISTRICT = "110105"  # 朝阳区


@dataclass(frozen=True)
class Scale:
    district_points: int
    district_candidates: int
    district_p: int
    city_points: int
    city_candidates: int
    city_p: int
    district_time_s: float
    city_time_s: float
    spopt_timeout_s: float


FULL = Scale(5000, 750, 100, 20000, 3000, 400, 30.0, 60.0, 600.0)
QUICK = Scale(1000, 150, 20, 4000, 600, 80, 8.0, 12.0, 120.0)


@dataclass(frozen=True)
class Instance:
    name: str
    demand: demand.DemandSet
    candidates: npt.NDArray[np.float64]  # (m, 2) projected metres
    p: int


@dataclass(frozen=True)
class SpoptOutcome:
    status: str  # "optimal", "time-limit" (CBC stopped with an incumbent), "timeout", "error"
    coverage: float | None
    seconds: float
    detail: str


def random_points(adcode: str, n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """``n`` points uniform inside a district polygon, projected metres (vectorised rejection)."""
    poly = demand.projected_boundaries()[adcode]
    minx, miny, maxx, maxy = poly.bounds
    parts: list[npt.NDArray[np.float64]] = []
    got = 0
    while got < n:
        xs = rng.uniform(minx, maxx, 2 * (n - got) + 16)
        ys = rng.uniform(miny, maxy, 2 * (n - got) + 16)
        inside = shapely.contains_xy(poly, xs, ys)
        pts = np.column_stack([xs[inside], ys[inside]])[: n - got]
        parts.append(pts)
        got += len(pts)
    return np.vstack(parts) if parts else np.empty((0, 2))


def build_instances(scale: Scale, seed: int) -> tuple[Instance, Instance]:
    rng = np.random.default_rng(seed)
    district = Instance(
        "district",
        demand.grid_demand([DISTRICT], target_points=scale.district_points),
        random_points(DISTRICT, scale.district_candidates, rng),
        scale.district_p,
    )
    codes = list(geo.districts())
    pops = np.array([geo.districts()[c].population for c in codes], dtype=np.float64)
    counts = rng.multinomial(scale.city_candidates, pops / pops.sum())
    city = Instance(
        "city",
        demand.grid_demand(codes, target_points=scale.city_points),
        np.vstack([random_points(c, int(k), rng) for c, k in zip(codes, counts, strict=True)]),
        scale.city_p,
    )
    return district, city


def describe(inst: Instance) -> str:
    d = inst.demand
    return (
        f"[{inst.name}] {len(d):,} demand points (grid {d.spacing_m or 0:.0f} m, {d.total_weight:,.0f} people), "
        f"{len(inst.candidates):,} candidates, p={inst.p}, radius {RADIUS_M:,.0f} m"
    )


def run_ours(inst: Instance, time_limit_s: float) -> optimizer.Plan:
    def progress(phase: str, figures: Mapping[str, float]) -> None:
        shown = []
        for key, value in figures.items():
            if key in ("covered", "bound", "lp_bound"):
                shown.append(f"{key}={value / inst.demand.total_weight:.4f}")
            elif key.endswith("_s"):
                shown.append(f"{key}={value:.2f}")
            else:
                shown.append(f"{key}={value:,.0f}")
        print(f"[{inst.name}] ours {phase}: {', '.join(shown)}", flush=True)

    return optimizer.plan(
        inst.demand.xy,
        inst.demand.weight,
        inst.candidates,
        radius_m=RADIUS_M,
        p=inst.p,
        min_sep_m=0.0,
        method="auto",
        time_limit_s=time_limit_s,
        lp_relaxation=True,
        progress=progress,
    )


def spopt_available() -> bool:
    return all(importlib.util.find_spec(mod) is not None for mod in ("spopt", "pulp"))


def run_spopt(inst: Instance, timeout_s: float) -> SpoptOutcome:
    """Solve the instance with spopt's MCLP in a child process group, killed at ``timeout_s``."""
    with tempfile.TemporaryDirectory(prefix="layout-spopt-") as tmp:
        src, out, err = Path(tmp) / "in.npz", Path(tmp) / "out.json", Path(tmp) / "stderr.txt"
        np.savez(
            src,
            demand=inst.demand.xy,
            weight=inst.demand.weight,
            candidates=inst.candidates,
            radius=RADIUS_M,
            p=inst.p,
            budget=timeout_s,
        )
        cmd = [sys.executable, "-m", "sheyin.bench", "layout", "--spopt-worker", str(src), str(out)]
        start = time.perf_counter()
        with err.open("wb") as err_fh:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err_fh, start_new_session=True)
            try:
                proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return SpoptOutcome("timeout", None, timeout_s, f"killed after {timeout_s:.0f} s")
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            tail = err.read_text(errors="replace").strip().splitlines()[-3:]
            return SpoptOutcome("error", None, wall, " | ".join(tail) or f"exit code {proc.returncode}")
        result = json.loads(out.read_text())
    chosen = np.asarray(result["chosen"], dtype=np.intp)
    covered = optimizer.covered_weight(inst.demand.xy, inst.demand.weight, inst.candidates[chosen], RADIUS_M)
    share = covered / inst.demand.total_weight
    status = "optimal" if result["sol_status"] == 1 else "time-limit" if len(chosen) else "timeout"
    detail = (
        f"cost matrix + model {result['build_s']:.1f} s, CBC {result['solve_s']:.1f} s, "
        f"{len(chosen)} sites, pulp status {result['status']}, solution status {result['sol_status']}"
    )
    return SpoptOutcome(status, share if len(chosen) else None, result["build_s"] + result["solve_s"], detail)


def spopt_worker(src: str, out: str) -> int:
    """Child process: build and solve spopt's MCLP, write the chosen facilities as JSON."""
    t_start = time.perf_counter()
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    data = np.load(src)
    budget = float(data["budget"])
    t0 = time.perf_counter()
    cost = cdist(data["demand"], data["candidates"])
    model = MCLP.from_cost_matrix(
        cost, data["weight"], service_radius=float(data["radius"]), p_facilities=int(data["p"])
    )
    t1 = time.perf_counter()
    # Leave CBC enough room to stop by itself (and report its incumbent) before the hard kill.
    cbc_limit = max(5.0, budget - (t1 - t_start) - 15.0)
    model = model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cbc_limit))
    t2 = time.perf_counter()
    chosen = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0.0) > 0.5]
    Path(out).write_text(
        json.dumps(
            {
                "chosen": chosen,
                "build_s": t1 - t0,
                "solve_s": t2 - t1,
                "status": pulp.LpStatus[model.problem.status],
                "sol_status": int(model.problem.sol_status),
            }
        )
    )
    return 0


def _fmt(value: float | None, spec: str, missing: str) -> str:
    return missing if value is None else format(value, spec)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheyin.bench layout", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small instances (smoke run)")
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the random candidates")
    parser.add_argument("--spopt-worker", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spopt_worker:
        return spopt_worker(*args.spopt_worker)

    scale = QUICK if args.quick else FULL
    t = time.perf_counter()
    district, city = build_instances(scale, args.seed)
    print(f"layout: instances built in {time.perf_counter() - t:.1f} s (seed {args.seed})", flush=True)

    use_spopt = not args.no_spopt
    spopt_note = "skipped"
    if use_spopt and not spopt_available():
        print("layout: spopt is unavailable (import spopt failed); comparing nothing", flush=True)
        use_spopt, spopt_note = False, "unavailable"

    results: dict[str, tuple[optimizer.Plan, SpoptOutcome | None]] = {}
    for inst, limit in ((district, scale.district_time_s), (city, scale.city_time_s)):
        print(describe(inst), flush=True)
        ours = run_ours(inst, limit)
        print(
            f"[{inst.name}] ours: coverage {ours.coverage_share:.4f}, bound {ours.bound_share:.4f} "
            f"(LP {ours.lp_bound_share or 0:.4f}), gap {ours.gap:.2%}, {len(ours.chosen)} sites, "
            f"{ours.timings['total']:.2f} s, {ours.method}; reduced to {ours.stats['rows']:,} rows x "
            f"{ours.stats['columns']:,} columns; {ours.status}",
            flush=True,
        )
        theirs: SpoptOutcome | None = None
        if use_spopt:
            print(f"[{inst.name}] spopt MCLP (CBC), cap {scale.spopt_timeout_s:.0f} s ...", flush=True)
            theirs = run_spopt(inst, scale.spopt_timeout_s)
            print(
                f"[{inst.name}] spopt: {theirs.status}, coverage {_fmt(theirs.coverage, '.4f', 'n/a')}, "
                f"{theirs.seconds:.2f} s; {theirs.detail}",
                flush=True,
            )
        results[inst.name] = (ours, theirs)

    d_ours, d_theirs = results["district"]
    c_ours, c_theirs = results["city"]
    if d_theirs is None:
        gap, ratio = spopt_note, spopt_note
    elif d_theirs.coverage is None:
        gap, ratio = d_theirs.status, f"{d_ours.timings['total'] / d_theirs.seconds:.3f}"
    else:
        gap = f"{d_theirs.coverage - d_ours.coverage_share:+.5f}"
        ratio = f"{d_ours.timings['total'] / d_theirs.seconds:.3f}"
    if c_theirs is None:
        city_spopt = spopt_note
    elif c_theirs.status == "optimal" and c_theirs.coverage is not None:
        city_spopt = f"{c_theirs.coverage:.4f}"
    else:
        city_spopt = "timeout"
    lp_share = c_ours.lp_bound_share
    ratio_to_lp = c_ours.coverage_share / lp_share if lp_share else float("nan")
    print(f"layout: city coverage / LP bound = {ratio_to_lp:.4f}", flush=True)
    print(
        f"layout: district_gap={gap} district_time_ratio={ratio} city_s={c_ours.timings['total']:.1f} "
        f"city_coverage={c_ours.coverage_share:.4f} city_bound={_fmt(lp_share, '.4f', 'n/a')} "
        f"city_spopt={city_spopt}",
        flush=True,
    )
    return 0
