"""Outlet layout benchmark: the site recommendation on the problem officers pose, against PySAL spopt.

``python -m sheyin.bench layout [--quick] [--no-spopt] [--seed N] [--spopt-python PATH] [--cap S]``

The problem (as a run of the site-recommendation page poses it, built by the same code the job uses,
``coverage.census_demand`` and ``coverage.plan_arguments``):

* every district's own rules (the reference defaults: radius 1,000 m in the six central districts and
  5,000 m elsewhere; minimum outlet and office distance 1,000 m in 东城/西城, 1,500 m in the other four
  central districts, 3,000 m elsewhere; the larger of two districts' minimums between their outlets);
* census demand on the coverage page's grid (a quarter of each district's radius);
* existing outlets: 300 operating ones spread over the districts in proportion to population and 18
  outlets under application, all apart by the layout rule — both kept apart from new sites, and their
  areas counted as served; the 17 SI offices kept apart by each district's office distance;
* **district** — 朝阳区, candidates on a 500 m grid, p = 60;
* **city** — all 16 districts, candidates on a 1,000 m grid (the page's default), p = 100.

Ours is ``optimizer.plan`` with the job's settings (target gap 0.1 % on the covered population, time
limit 60 s). The reference is spopt's MCLP (``sheyin/bench/spopt_worker.py``) with the same pairwise
spacing constraints added to its PuLP model, solved by CBC, in a child process of the Python that has
spopt (``--spopt-python``, default ``$SHEYIN_SPOPT_PYTHON``, else ``/tmp/spopt-venv/bin/python`` when it
exists, else this Python); its process group is killed at the wall-clock cap (``--cap``, 900 s). spopt
is not a project dependency: make the environment with
``python -m venv --system-site-packages /tmp/spopt-venv && /tmp/spopt-venv/bin/pip install spopt==0.7.0``.

Last line::

    layout: district_gap=<ours − optimum> district_time_ratio=<ours/spopt> city_gap=<…> city_s=<ours s>

Gaps are differences of covered shares of the population (negative: ours covers less). The optimum is
spopt's objective when CBC proved it; otherwise the best proven bound (HiGHS's, ours), marked ``bound``,
so the figure is then an upper bound on how far ours can be from the optimum.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sheyin.common import geo

DISTRICT = "110105"  # 朝阳区
WORKER = Path(__file__).with_name("spopt_worker.py")


@dataclass(frozen=True)
class Scale:
    district_grid_m: float
    district_p: int
    city_grid_m: float
    city_p: int
    operating: int
    pending: int
    time_limit_s: float
    cap_s: float


FULL = Scale(500.0, 60, 1000.0, 100, 300, 18, 60.0, 900.0)
QUICK = Scale(1000.0, 15, 3000.0, 30, 300, 18, 20.0, 120.0)


@dataclass
class Instance:
    name: str
    codes: list[str]
    demand: Any  # coverage.Demand
    candidates: npt.NDArray[np.float64]
    candidate_codes: list[str]
    args: dict[str, Any]
    p: int

    @property
    def total(self) -> float:
        return float(self.demand.weight.sum())


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def reference_rules() -> dict[str, Any]:
    """The districts' rules as the reference data loads them (``seed_reference``)."""
    from sheyin.institutions.management.commands.seed_reference import layout_defaults
    from sheyin.planning import coverage

    out = {}
    for i, (code, d) in enumerate(geo.districts().items(), start=1):
        r = layout_defaults(code)
        out[code] = coverage.DistrictRule(
            code, d.name, i, d.population, float(r["coverage_radius_m"]), float(r["min_outlet_distance_m"]),
            float(r["min_office_distance_m"]),
        )  # fmt: skip
    return out


def reference_offices() -> list[Any]:
    from sheyin.institutions.management.commands.seed_reference import MUNICIPAL, office_point
    from sheyin.planning import coverage

    offices = [coverage.Office(0, "市中心", float(MUNICIPAL["lon"]), float(MUNICIPAL["lat"]))]  # type: ignore[arg-type]
    for i, code in enumerate(geo.districts(), start=1):
        offices.append(coverage.Office(i, code, *office_point(code)))
    return coverage.with_xy(offices)


def existing_outlets(rules: dict[str, Any], offices: list[Any], scale: Scale, seed: int) -> list[Any]:
    """Operating outlets in proportion to population and outlets under application, apart by the rule."""
    from sheyin.institutions.rules import pair_spacing_m
    from sheyin.planning import coverage, demand

    rng = random.Random(seed)
    pops = {c: geo.districts()[c].population for c in rules}
    total = sum(pops.values())
    per = {c: max(1, round(scale.operating * p / total)) for c, p in pops.items()}
    placed: list[tuple[float, float, str]] = []
    sites: list[Any] = []
    oxy = coverage.xy_array(offices)

    def place(code: str, status: str) -> bool:
        for lon, lat in geo.random_points_in(code, 60, rng):
            x, y = (float(v) for v in demand.project(lon, lat))
            if any(
                np.hypot(x - px, y - py) < pair_spacing_m(rules[code].min_outlet_m, rules[pc].min_outlet_m)
                for px, py, pc in placed
            ):
                continue
            if len(oxy) and np.hypot(oxy[:, 0] - x, oxy[:, 1] - y).min() < rules[code].min_office_m:
                continue
            placed.append((x, y, code))
            sites.append(
                coverage.Site(len(sites) + 1, f"o{len(sites) + 1}", "", status, code, lon, lat, x, y)
            )
            return True
        return False

    for code, n in sorted(per.items()):
        for _ in range(n):
            place(code, "operating")
    codes = list(rules)
    weights = [pops[c] for c in codes]
    for _ in range(scale.pending):
        place(rng.choices(codes, weights)[0], "applying")
    return sites


def build_instance(name: str, codes: list[str], grid_m: float, p: int, rules: dict[str, Any],
                   committed: list[Any], offices: list[Any]) -> Instance:  # fmt: skip
    from sheyin.planning import coverage, demand

    d = coverage.census_demand(rules, codes)
    grid = demand.grid_demand(codes, grid_m)
    cand_codes = [str(c) for c in grid.adcode]
    args = coverage.plan_arguments(rules, cand_codes, committed, offices)
    return Instance(name, codes, d, grid.xy, cand_codes, args, p)


def describe(inst: Instance) -> str:
    return (
        f"[{inst.name}] {len(inst.demand):,} demand points ({inst.total:,.0f} people), "
        f"{len(inst.candidates):,} candidates, p={inst.p}, {len(inst.args['existing_xy'])} existing outlets"
    )


def run_ours(inst: Instance, scale: Scale) -> Any:
    from sheyin.planning import optimizer, services

    def progress(phase: str, figures: Any) -> None:
        shown = [
            f"{k}={v / inst.total:.5f}" if k in ("covered", "bound") else f"{k}={v:,.2f}"
            for k, v in figures.items()
        ]
        print(f"[{inst.name}] ours {phase}: {', '.join(shown)}", flush=True)

    return optimizer.plan(
        inst.demand.xy, inst.demand.weight, inst.candidates, p=inst.p, time_limit_s=scale.time_limit_s,
        mip_rel_gap=services.GAP_TARGET, progress=progress, **inst.args,
    )  # fmt: skip


@dataclass(frozen=True)
class SpoptOutcome:
    status: str  # "optimal", "time-limit" (CBC stopped with an incumbent), "timeout", "error"
    covered: float | None  # covered weight incl. existing coverage, evaluated by us
    seconds: float
    detail: str


def spopt_python(given: str | None) -> str:
    if given:
        return given
    if os.environ.get("SHEYIN_SPOPT_PYTHON"):
        return os.environ["SHEYIN_SPOPT_PYTHON"]
    default = Path(tempfile.gettempdir()) / "spopt-venv" / "bin" / "python"
    return str(default) if default.exists() else sys.executable


def run_spopt(inst: Instance, python: str, cap_s: float) -> SpoptOutcome:
    """The same problem to spopt's MCLP + pairwise spacing, in a child process group killed at ``cap_s``."""
    from sheyin.planning import optimizer

    a = inst.args
    d_xy, w, c_xy = inst.demand.xy, inst.demand.weight, inst.candidates
    pre = optimizer.within(d_xy, a["existing_xy"], a["existing_radius_m"])
    blocked = optimizer.too_close(c_xy, a["existing_xy"], a["min_sep_m"], a["existing_own_min_m"]) | (
        optimizer.too_close(c_xy, a["forbidden_xy"], a["forbidden_min_m"])
    )
    cols = np.flatnonzero(~blocked)
    rows = np.flatnonzero(~pre & (w > 0))
    conflicts = optimizer.conflict_pairs(c_xy[cols], a["min_sep_m"][cols])
    with tempfile.TemporaryDirectory(prefix="layout-spopt-") as tmp:
        src, out, err = Path(tmp) / "in.npz", Path(tmp) / "out.json", Path(tmp) / "stderr.txt"
        np.savez(src, demand=d_xy[rows], weight=w[rows], candidates=c_xy[cols], radius=a["radius_m"][cols],
                 conflicts=conflicts, p=inst.p, budget=cap_s)  # fmt: skip
        start = time.perf_counter()
        with err.open("wb") as err_fh:
            proc = subprocess.Popen(
                [python, str(WORKER), str(src), str(out)], stdout=subprocess.DEVNULL, stderr=err_fh,
                start_new_session=True,
            )  # fmt: skip
            try:
                proc.wait(timeout=cap_s)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return SpoptOutcome("timeout", None, cap_s, f"killed at the {cap_s:.0f} s cap")
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not out.exists():
            tail = err.read_text(errors="replace").strip().splitlines()[-3:]
            return SpoptOutcome("error", None, wall, " | ".join(tail) or f"exit code {proc.returncode}")
        result = json.loads(out.read_text())
    chosen = cols[np.asarray(result["chosen"], dtype=np.intp)]
    sites = np.vstack([a["existing_xy"], c_xy[chosen]])
    radii = np.concatenate([a["existing_radius_m"], a["radius_m"][chosen]])
    covered = optimizer.covered_weight(d_xy, w, sites, radii)
    broken = optimizer.separation_violations(
        c_xy[chosen], min_sep_m=a["min_sep_m"][chosen], existing_xy=a["existing_xy"],
        existing_own_min_m=a["existing_own_min_m"], forbidden_xy=a["forbidden_xy"],
        forbidden_min_m=a["forbidden_min_m"][chosen],
    )  # fmt: skip
    status = "optimal" if result["sol_status"] == 1 and result["status"] == "Optimal" else "time-limit"
    detail = (
        f"{len(rows):,} rows x {len(cols):,} columns, {len(conflicts):,} spacing pairs; model {result['build_s']:.1f} s, "
        f"CBC {result['solve_s']:.1f} s, wall {wall:.1f} s; {len(chosen)} sites, {len(broken)} spacing breaches; "
        f"pulp {result['status']}"
    )
    return SpoptOutcome(status, covered if len(chosen) else None, wall, detail)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m sheyin.bench layout", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small instances (smoke run)")
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    parser.add_argument("--seed", type=int, default=20240601, help="seed of the existing outlets")
    parser.add_argument("--spopt-python", help="the Python that has spopt and pulp")
    parser.add_argument("--cap", type=float, help="wall-clock cap of each spopt run, seconds")
    parser.add_argument("--only", choices=("district", "city"), help="run one instance")
    args = parser.parse_args(argv)
    scale = QUICK if args.quick else FULL
    cap = args.cap or scale.cap_s
    _setup_django()

    t = time.perf_counter()
    rules = reference_rules()
    offices = reference_offices()
    committed = existing_outlets(rules, offices, scale, args.seed)
    instances = []
    if args.only in (None, "district"):
        instances.append(build_instance("district", [DISTRICT], scale.district_grid_m, scale.district_p, rules,
                                        committed, offices))  # fmt: skip
    if args.only in (None, "city"):
        instances.append(build_instance("city", list(rules), scale.city_grid_m, scale.city_p, rules, committed,
                                        offices))  # fmt: skip
    print(f"layout: instances built in {time.perf_counter() - t:.1f} s (seed {args.seed})", flush=True)
    python = spopt_python(args.spopt_python)
    figures: dict[str, str] = {}
    for inst in instances:
        print(describe(inst), flush=True)
        ours = run_ours(inst, scale)
        total = inst.total
        print(
            f"[{inst.name}] ours: covered {ours.covered_weight / total:.5f}, bound {ours.bound / total:.5f}, "
            f"gap {ours.gap:.4%}, {len(ours.chosen)} sites, {ours.timings['total']:.2f} s, {ours.method}; "
            f"reduced to {ours.stats['rows']:,} rows x {ours.stats['columns']:,} columns, "
            f"{ours.stats['conflict_pairs']:,} spacing pairs; {ours.status}",
            flush=True,
        )
        ref: SpoptOutcome | None = None
        if not args.no_spopt:
            print(f"[{inst.name}] spopt MCLP + spacing (CBC) with {python}, cap {cap:.0f} s ...", flush=True)
            ref = run_spopt(inst, python, cap)
            shown = "n/a" if ref.covered is None else f"{ref.covered / total:.5f}"
            print(
                f"[{inst.name}] spopt: {ref.status}, covered {shown}, {ref.seconds:.1f} s; {ref.detail}",
                flush=True,
            )
        if ref is not None and ref.status == "optimal" and ref.covered is not None:
            gap = f"{(ours.covered_weight - ref.covered) / total:+.5f}"
        else:
            best = ours.bound if ref is None or ref.covered is None else max(ours.bound, ref.covered)
            gap = f"{(ours.covered_weight - best) / total:+.5f}(bound)"
        figures[f"{inst.name}_gap"] = gap
        figures[f"{inst.name}_s"] = f"{ours.timings['total']:.1f}"
        if ref is None:
            figures[f"{inst.name}_time_ratio"] = "skipped"
        else:
            ratio = ours.timings["total"] / ref.seconds
            figures[f"{inst.name}_time_ratio"] = f"{ratio:.3f}" + (
                "" if ref.status == "optimal" else "(capped)"
            )
    keys = ("district_gap", "district_time_ratio", "city_gap", "city_s")
    print("layout: " + " ".join(f"{k}={figures.get(k, 'n/a')}" for k in keys), flush=True)
    return 0
