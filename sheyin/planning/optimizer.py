"""Maximal covering location with minimum-distance constraints, for siting new outlets.

Problem
    Given weighted demand points ``i``, candidate sites ``j``, existing outlets and other points to
    keep away from (e.g. social-insurance offices), choose at most ``p`` candidates to maximise the
    demand weight within ``radius_m`` of an existing outlet or a chosen site, such that

    * no two chosen sites are closer than ``min_sep_m``;
    * no chosen site is closer than ``existing_min_m`` to an existing outlet, nor closer than
      ``forbidden_min_m`` to a forbidden point.

    Coverage is inclusive (distance <= radius); separation is strict (distance < minimum is a
    conflict). All coordinates are planar metres (see :func:`sheyin.planning.demand.project`).

Model (``build_model``)
    1. Demand already within ``radius_m`` of an existing outlet is covered whatever we do: it is
       counted in ``existing_weight`` and dropped. Candidates too close to an existing outlet or a
       forbidden point are dropped (these two steps define the problem and are always applied).
    With ``reduce=True`` (default) also, each step provably keeping the optimum value:
    2. zero-weight demand, demand no candidate reaches, and candidates that reach no remaining
       demand are dropped (the cardinality constraint is ``<= p``, so dropping columns is safe);
    3. demand rows covered by exactly the same candidate set are merged, weights summed;
    4. a candidate ``j`` is dropped when another live candidate ``k`` covers a superset of its rows
       and ``N(k) - {j}`` is a subset of ``N(j) - {k}`` where ``N`` is the conflict neighbourhood:
       in any feasible solution ``j`` can then be replaced by ``k`` (or simply removed, if ``k`` is
       already chosen) without losing coverage or feasibility. Identical columns with identical
       conflict neighbourhoods ("twins") are the special case; columns that are identical but
       conflict differently are *not* merged, since swapping them could break separation. Dropping
       is sequential and each test is made on the current live set, which keeps every step valid
       (dominance is not transitive once separation enters).
    5. rows that became identical after 4 are merged again.

Solvers
    * :func:`solve_greedy` — greedy by marginal gain among candidates still compatible with the
      chosen ones, then best-improvement 1-swap local search (and re-filling when a swap frees
      room); always feasible, returned at once. Its bound is the submodular bound
      ``f(S) + sum of the p largest marginal gains w.r.t. S``.
    * :func:`solve_milp` — HiGHS through ``scipy.optimize.milp``:
      ``max sum w_i y_i`` s.t. ``y_i <= sum_{j in C(i)} x_j`` (``C(i)``: candidates covering ``i``),
      ``sum x_j <= p``,
      ``x_j + x_k <= 1`` for each conflicting pair (pairwise; HiGHS finds cliques itself),
      ``x`` binary, ``0 <= y <= 1`` continuous (integral at any optimum). A time limit stops it;
      it then returns its incumbent and HiGHS's dual bound (``res.mip_dual_bound``). scipy's milp
      can neither warm-start nor be interrupted, so cancellation is checked between phases only.
    * :func:`improve_lns` — large neighbourhood search: re-solve spatial windows (a few chosen sites
      and the candidates around them, most windows centred on uncovered demand) exactly with HiGHS,
      the rest fixed. This is what finds near-optimal layouts on instances where the full MILP
      cannot close its gap in the time limit (dense districts, city scale).
    * :func:`lp_relaxation_bound` — the LP relaxation, a (weaker) bound reported separately.

:func:`plan` runs the whole pipeline and returns a :class:`Plan`. This module imports no Django.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ProgressFn = Callable[[str, Mapping[str, float]], None]
CancelFn = Callable[[], bool]
MethodName = Literal["auto", "greedy", "milp"]

_EPS = 1e-9


class PlanCancelled(Exception):
    """Raised by :func:`plan` when its cancel callback returned True between two phases."""


# --- inputs ------------------------------------------------------------------------------------


def _xy(value: npt.ArrayLike | None, name: str) -> FloatArray:
    if value is None:
        return np.empty((0, 2))
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 0:
        return np.empty((0, 2))
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"{name} must be an (n, 2) array of planar metres")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contains a non-finite coordinate")
    return arr


def _strictly_below(distance: float) -> float:
    """The largest float below ``distance``: cKDTree radius queries are inclusive (<=)."""
    return float(np.nextafter(distance, 0.0))


def _too_close(points: FloatArray, others: FloatArray, min_m: float) -> npt.NDArray[np.bool_]:
    """Mask of ``points`` strictly closer than ``min_m`` to any of ``others``."""
    if min_m <= 0 or len(points) == 0 or len(others) == 0:
        return np.zeros(len(points), dtype=bool)
    dist, _ = cKDTree(others).query(points, k=1)
    return np.asarray(dist < min_m)


def _within(points: FloatArray, sites: FloatArray, radius: float) -> npt.NDArray[np.bool_]:
    """Mask of ``points`` within ``radius`` (inclusive) of any of ``sites``."""
    if len(points) == 0 or len(sites) == 0:
        return np.zeros(len(points), dtype=bool)
    dist, _ = cKDTree(sites).query(points, k=1)
    return np.asarray(dist <= radius)


def covered_weight(
    demand_xy: npt.ArrayLike, weight: npt.ArrayLike, sites_xy: npt.ArrayLike, radius_m: float
) -> float:
    """Total weight of the demand within ``radius_m`` of at least one site."""
    d = _xy(demand_xy, "demand_xy")
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    return float(w[_within(d, _xy(sites_xy, "sites_xy"), radius_m)].sum())


def separation_violations(
    sites_xy: npt.ArrayLike,
    *,
    min_sep_m: float,
    existing_xy: npt.ArrayLike | None = None,
    existing_min_m: float | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | None = None,
) -> list[str]:
    """Human-readable (English) list of the separation rules that ``sites_xy`` breaks; empty if none."""
    sites = _xy(sites_xy, "sites_xy")
    out: list[str] = []
    if min_sep_m > 0 and len(sites) > 1:
        for a, b in cKDTree(sites).query_pairs(_strictly_below(min_sep_m)):
            out.append(f"sites {a} and {b} are closer than {min_sep_m:g} m")
    for label, others, min_m in (
        (
            "existing outlet",
            _xy(existing_xy, "existing_xy"),
            min_sep_m if existing_min_m is None else existing_min_m,
        ),
        (
            "forbidden point",
            _xy(forbidden_xy, "forbidden_xy"),
            min_sep_m if forbidden_min_m is None else forbidden_min_m,
        ),
    ):
        for j in np.flatnonzero(_too_close(sites, others, min_m)):
            out.append(f"site {j} is closer than {min_m:g} m to an {label}")
    return out


# --- model -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """The (reduced) covering model.

    ``cover`` is a CSC array, rows = demand groups, columns = live candidates, entry 1 where the
    candidate covers the group. ``candidate[c]`` is the index of column ``c`` in the caller's
    candidate array; ``conflicts`` holds column pairs that may not both be chosen.
    """

    cover: Any
    weight: FloatArray
    candidate: IntArray
    conflicts: IntArray
    existing_weight: float
    total_weight: float
    xy: FloatArray = field(default_factory=lambda: np.empty((0, 2)))  # column coordinates
    row_xy: FloatArray = field(default_factory=lambda: np.empty((0, 2)))  # a demand point per row
    radius_m: float = 0.0
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def n_rows(self) -> int:
        return int(self.weight.shape[0])

    @property
    def n_cols(self) -> int:
        return int(self.candidate.shape[0])

    def value(self, cols: npt.ArrayLike) -> float:
        """Weight covered by the given columns (not counting ``existing_weight``)."""
        idx = np.asarray(cols, dtype=np.intp)
        if idx.size == 0 or self.n_rows == 0:
            return 0.0
        hit = np.asarray(self.cover[:, idx].sum(axis=1)).reshape(-1) > 0
        return float(self.weight[hit].sum())

    def conflict_matrix(self) -> Any:
        """Symmetric CSR adjacency of the conflict graph (columns x columns)."""
        m = self.n_cols
        if len(self.conflicts) == 0:
            return sparse.csr_array((m, m), dtype=np.float64)
        a, b = self.conflicts[:, 0], self.conflicts[:, 1]
        data = np.ones(2 * len(a))
        return sparse.csr_array((data, (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(m, m))


def _merge_rows(cover_csr: Any, weight: FloatArray) -> tuple[Any, FloatArray, IntArray]:
    """Merge rows with identical column sets (weights summed): CSR, weights, first row of each group."""
    cover_csr = sparse.csr_array(cover_csr)
    cover_csr.sort_indices()
    indptr, indices = cover_csr.indptr, cover_csr.indices
    groups: dict[bytes, int] = {}
    group_of = np.empty(cover_csr.shape[0], dtype=np.intp)
    first: list[int] = []
    for i in range(cover_csr.shape[0]):
        key = indices[indptr[i] : indptr[i + 1]].tobytes()
        g = groups.get(key)
        if g is None:
            g = groups[key] = len(first)
            first.append(i)
        group_of[i] = g
    merged_w = np.bincount(group_of, weights=weight, minlength=len(first)).astype(np.float64)
    keep = np.asarray(first, dtype=np.intp)
    return cover_csr[keep], merged_w, keep


def _dominated_columns(cover_csc: Any, conflicts: IntArray) -> npt.NDArray[np.bool_]:
    """Sequentially mark columns dominated by a live column (see module docstring, step 4)."""
    m = cover_csc.shape[1]
    alive = np.ones(m, dtype=bool)
    if m < 2:
        return ~alive
    size = np.diff(cover_csc.indptr)
    overlap = sparse.csr_array(cover_csc.T @ cover_csc)
    overlap.sort_indices()
    nbrs: list[set[int]] = [set() for _ in range(m)]
    for a, b in conflicts:
        nbrs[int(a)].add(int(b))
        nbrs[int(b)].add(int(a))
    has_conflicts = len(conflicts) > 0
    for j in np.argsort(size, kind="stable"):
        lo, hi = overlap.indptr[j], overlap.indptr[j + 1]
        ks = overlap.indices[lo:hi]
        vals = overlap.data[lo:hi]
        for k, v in zip(ks, vals, strict=True):
            if k == j or not alive[k] or v < size[j]:
                continue
            if has_conflicts:
                nk = {x for x in nbrs[k] if alive[x] and x != j}
                nj = {x for x in nbrs[j] if alive[x] and x != k}
                if not nk <= nj:
                    continue
            alive[j] = False
            break
    return ~alive


def build_model(
    demand_xy: npt.ArrayLike,
    weight: npt.ArrayLike,
    candidates_xy: npt.ArrayLike,
    *,
    radius_m: float,
    min_sep_m: float = 0.0,
    existing_xy: npt.ArrayLike | None = None,
    existing_min_m: float | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | None = None,
    reduce: bool = True,
) -> Model:
    """Build the covering model; ``existing_min_m`` and ``forbidden_min_m`` default to ``min_sep_m``."""
    demand = _xy(demand_xy, "demand_xy")
    cands = _xy(candidates_xy, "candidates_xy")
    existing = _xy(existing_xy, "existing_xy")
    forbidden = _xy(forbidden_xy, "forbidden_xy")
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != demand.shape[0]:
        raise ValueError("weight must have one value per demand point")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ValueError("weights must be finite and non-negative")
    if not (radius_m > 0 and math.isfinite(radius_m)):
        raise ValueError("radius_m must be a positive number")
    if min_sep_m < 0:
        raise ValueError("min_sep_m must not be negative")
    existing_min = min_sep_m if existing_min_m is None else existing_min_m
    forbidden_min = min_sep_m if forbidden_min_m is None else forbidden_min_m
    stats: dict[str, int] = {"demand_points": len(demand), "candidates": len(cands)}

    # 1. Problem definition: existing coverage, forbidden candidates.
    pre_covered = _within(demand, existing, radius_m)
    existing_weight = float(w[pre_covered].sum())
    rows = np.flatnonzero(~pre_covered)
    stats["demand_covered_by_existing"] = int(pre_covered.sum())
    blocked = _too_close(cands, existing, existing_min) | _too_close(cands, forbidden, forbidden_min)
    stats["candidates_too_close"] = int(blocked.sum())
    cols = np.flatnonzero(~blocked)

    # Coverage matrix, columns = feasible candidates.
    if len(rows) and len(cols):
        hits = cKDTree(demand[rows]).query_ball_point(cands[cols], radius_m, return_sorted=True)
        lengths = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
        indices = np.fromiter((i for h in hits for i in h), dtype=np.intp, count=int(lengths.sum()))
    else:
        lengths = np.zeros(len(cols), dtype=np.intp)
        indices = np.empty(0, dtype=np.intp)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    cover = sparse.csc_array((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(cols)))
    row_w = w[rows]
    row_src = rows  # a demand point standing for each row (its location guides the LNS)

    def conflict_pairs(col_idx: IntArray) -> IntArray:
        if min_sep_m <= 0 or len(col_idx) < 2:
            return np.empty((0, 2), dtype=np.intp)
        pairs = cKDTree(cands[col_idx]).query_pairs(_strictly_below(min_sep_m), output_type="ndarray")
        return np.asarray(pairs, dtype=np.intp).reshape(-1, 2)

    if reduce:
        # 2. Useless rows and columns.
        col_size = np.diff(cover.indptr)
        keep_cols = col_size > 0
        stats["candidates_covering_nothing"] = int((~keep_cols).sum())
        cover, cols = cover[:, np.flatnonzero(keep_cols)], cols[keep_cols]
        row_cov = np.asarray(cover.sum(axis=1)).reshape(-1)
        keep_rows = (row_cov > 0) & (row_w > 0)
        stats["demand_uncoverable_or_zero"] = int((~keep_rows).sum())
        csr, row_w = sparse.csr_array(cover)[np.flatnonzero(keep_rows)], row_w[keep_rows]
        row_src = row_src[keep_rows]
        # 3. Identical rows.
        before = csr.shape[0]
        csr, row_w, firsts = _merge_rows(csr, row_w)
        row_src = row_src[firsts]
        # 4. Dominated columns (needs the conflict graph of the live columns).
        cover = sparse.csc_array(csr)
        conflicts = conflict_pairs(cols)
        dominated = _dominated_columns(cover, conflicts)
        stats["candidates_dominated"] = int(dominated.sum())
        if dominated.any():
            live = np.flatnonzero(~dominated)
            cover, cols = cover[:, live], cols[live]
            remap = np.full(len(dominated), -1, dtype=np.intp)
            remap[live] = np.arange(len(live))
            conflicts = remap[conflicts]
            conflicts = conflicts[(conflicts >= 0).all(axis=1)] if len(conflicts) else conflicts
            # 5. Rows that became identical.
            csr, row_w, firsts = _merge_rows(sparse.csr_array(cover), row_w)
            row_src = row_src[firsts]
            cover = sparse.csc_array(csr)
        stats["demand_rows_merged"] = before - cover.shape[0]
    else:
        conflicts = conflict_pairs(cols)
        cover = sparse.csc_array(cover)

    cover.sort_indices()
    stats["rows"] = int(cover.shape[0])
    stats["columns"] = int(cover.shape[1])
    stats["conflict_pairs"] = len(conflicts)
    stats["nonzeros"] = int(cover.nnz)
    return Model(
        cover=cover,
        weight=np.asarray(row_w, dtype=np.float64),
        candidate=np.asarray(cols, dtype=np.intp),
        conflicts=np.asarray(conflicts, dtype=np.intp).reshape(-1, 2),
        existing_weight=existing_weight,
        total_weight=float(w.sum()),
        xy=cands[cols].reshape(-1, 2),
        row_xy=demand[row_src].reshape(-1, 2),
        radius_m=float(radius_m),
        stats=stats,
    )


# --- greedy + local search ---------------------------------------------------------------------


@dataclass(frozen=True)
class HeuristicResult:
    columns: IntArray  # chosen model columns
    value: float  # covered weight (model rows only)
    bound: float  # submodular upper bound on the model optimum
    swaps: int


def solve_greedy(
    model: Model, p: int, *, local_search: bool = True, time_limit_s: float = 10.0
) -> HeuristicResult:
    """Greedy + 1-swap local search; every returned set respects the separation constraints."""
    m, n = model.n_cols, model.n_rows
    if p <= 0 or m == 0 or n == 0:
        return HeuristicResult(np.empty(0, dtype=np.intp), 0.0, 0.0, 0)
    start = time.perf_counter()
    w = model.weight
    a_csc = model.cover
    a_csr = sparse.csr_array(a_csc)
    conf = model.conflict_matrix()
    tol = _EPS * max(float(w.sum()), 1.0)

    chosen = np.zeros(m, dtype=bool)
    cnt = np.zeros(n, dtype=np.int64)  # how many chosen columns cover each row
    conf_cnt = np.zeros(m, dtype=np.int64)  # how many chosen columns conflict with each column

    def choose(j: int) -> None:
        chosen[j] = True
        cnt[a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]] += 1
        conf_cnt[conf.indices[conf.indptr[j] : conf.indptr[j + 1]]] += 1

    def unchoose(j: int) -> None:
        chosen[j] = False
        cnt[a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]] -= 1
        conf_cnt[conf.indices[conf.indptr[j] : conf.indptr[j + 1]]] -= 1

    def gains() -> FloatArray:
        return np.asarray(a_csr.T @ (w * (cnt == 0)), dtype=np.float64)

    def fill() -> None:
        """Greedy: add the best compatible column while there is room and something to gain."""
        g = gains()
        while chosen.sum() < p:
            masked = np.where(chosen | (conf_cnt > 0), -np.inf, g)
            j = int(np.argmax(masked))
            if masked[j] <= tol:
                return
            rows = a_csc.indices[a_csc.indptr[j] : a_csc.indptr[j + 1]]
            newly = rows[cnt[rows] == 0]
            choose(j)
            if newly.size:
                g = g - np.asarray(a_csr[newly].T @ w[newly], dtype=np.float64)

    fill()
    swaps = 0
    while local_search and chosen.any() and time.perf_counter() - start < time_limit_s:
        s_idx = np.flatnonzero(chosen)
        g = gains()
        once = (cnt == 1).astype(np.float64) * w
        sub = a_csc[:, s_idx]
        loss = np.asarray(sub.T @ once, dtype=np.float64)
        # regain[s, k]: weight covered only by s that k would keep covered.
        regain = sparse.csr_array(sub.T) @ sparse.diags_array(once) @ a_csc
        delta = regain.toarray() + g[None, :] - loss[:, None]
        conflicts_s = conf[s_idx].toarray() > 0
        ok = (~chosen)[None, :] & ((conf_cnt == 0)[None, :] | ((conf_cnt == 1)[None, :] & conflicts_s))
        delta[~ok] = -np.inf
        best = int(np.argmax(delta))
        si, k = divmod(best, m)
        if not delta[si, k] > tol:
            break
        unchoose(int(s_idx[si]))
        choose(k)
        swaps += 1
        fill()  # a swap may free room for another compatible column

    cols = np.flatnonzero(chosen)
    value = model.value(cols)
    g = gains()
    g[chosen] = 0.0
    top = np.sort(g)[::-1][:p]
    return HeuristicResult(cols.astype(np.intp), value, value + float(top[top > 0].sum()), swaps)


# --- MILP ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MilpResult:
    columns: IntArray | None  # None when HiGHS found no solution
    value: float | None
    bound: float | None  # upper bound on the model optimum (HiGHS dual bound)
    optimal: bool
    status: int
    message: str
    nodes: int | None


def _milp_arrays(model: Model, p: int) -> tuple[FloatArray, Any, FloatArray, FloatArray]:
    m, n = model.n_cols, model.n_rows
    cover = sparse.csr_array(model.cover)
    blocks: list[Any] = [sparse.hstack([-cover, sparse.eye_array(n, format="csr")], format="csr")]
    lbs: list[FloatArray] = [np.full(n, -np.inf)]
    ubs: list[FloatArray] = [np.zeros(n)]
    blocks.append(sparse.hstack([sparse.csr_array(np.ones((1, m))), sparse.csr_array((1, n))], format="csr"))
    lbs.append(np.array([-np.inf]))
    ubs.append(np.array([float(p)]))
    k = len(model.conflicts)
    if k:
        r = np.repeat(np.arange(k), 2)
        pair = sparse.csr_array((np.ones(2 * k), (r, model.conflicts.reshape(-1))), shape=(k, m))
        blocks.append(sparse.hstack([pair, sparse.csr_array((k, n))], format="csr"))
        lbs.append(np.full(k, -np.inf))
        ubs.append(np.ones(k))
    c = np.concatenate([np.zeros(m), -model.weight])
    return c, sparse.vstack(blocks, format="csr"), np.concatenate(lbs), np.concatenate(ubs)


def solve_milp(
    model: Model, p: int, *, time_limit_s: float = 60.0, mip_rel_gap: float = 1e-4, disp: bool = False
) -> MilpResult:
    """Exact MCLP with HiGHS; ``optimal`` means proven within ``mip_rel_gap`` of the optimum."""
    m, n = model.n_cols, model.n_rows
    if p <= 0 or m == 0 or n == 0:
        return MilpResult(np.empty(0, dtype=np.intp), 0.0, 0.0, True, 0, "trivial", 0)
    c, a, lb, ub = _milp_arrays(model, p)
    integrality = np.concatenate([np.ones(m), np.zeros(n)])
    res = milp(
        c,
        integrality=integrality,
        bounds=Bounds(0.0, 1.0),
        constraints=LinearConstraint(a, lb, ub),
        options={"time_limit": max(float(time_limit_s), 0.1), "mip_rel_gap": mip_rel_gap, "disp": disp},
    )
    cols: IntArray | None = None
    value: float | None = None
    if res.x is not None:
        cols = np.flatnonzero(np.asarray(res.x[:m]) > 0.5).astype(np.intp)
        value = model.value(cols)
    bound = None if res.get("mip_dual_bound") is None else -float(res.mip_dual_bound)
    if bound is not None and not math.isfinite(bound):
        bound = None
    return MilpResult(
        cols, value, bound, res.status == 0, int(res.status), str(res.message), res.get("mip_node_count")
    )


def lp_relaxation_bound(model: Model, p: int) -> float:
    """Optimum of the LP relaxation: an upper bound on the model optimum."""
    if p <= 0 or model.n_cols == 0 or model.n_rows == 0:
        return 0.0
    c, a, lb, ub = _milp_arrays(model, p)
    res = milp(c, bounds=Bounds(0.0, 1.0), constraints=LinearConstraint(a, lb, ub))
    if res.status != 0 or res.fun is None:
        return float(model.weight.sum())
    return -float(res.fun)


# --- large neighbourhood search ---------------------------------------------------------------


@dataclass(frozen=True)
class LnsResult:
    columns: IntArray
    value: float
    iterations: int
    improvements: int


def improve_lns(
    model: Model,
    p: int,
    start: npt.ArrayLike,
    *,
    time_limit_s: float,
    seed: int = 0,
    window_sites: int = 8,
    max_window_sites: int = 60,
    max_free_columns: int = 300,
    sub_time_limit_s: float = 1.0,
    accept_equal: bool = True,
    sub_gap: float = 1e-3,
    cancel: CancelFn | None = None,
) -> LnsResult:
    """Improve a feasible solution by re-solving spatial windows exactly (MILP-based LNS).

    Each iteration picks a chosen site at random, frees the ``k`` chosen sites nearest to it and
    every candidate within their reach (at most ``max_free_columns``), keeps all other chosen
    sites fixed, and solves the window's sub-problem to optimality with HiGHS (remaining budget
    ``p - fixed``, demand already covered by fixed sites removed, separation to fixed sites and
    inside the window enforced). The current solution is feasible for the sub-problem, so the
    result never gets worse; it is accepted when strictly better (or, with ``accept_equal``, as a
    plateau move when equal). ``k`` grows when iterations stop improving and shrinks when a window's
    sub-problem hits ``sub_time_limit_s``. The search stops at ``time_limit_s`` or after stagnating
    at the largest window. Cancellation is polled between iterations.
    """
    deadline = time.perf_counter() + time_limit_s
    m, n = model.n_cols, model.n_rows
    current = np.zeros(m, dtype=bool)
    current[np.asarray(start, dtype=np.intp)] = True
    value = model.value(np.flatnonzero(current))
    if p <= 0 or m == 0 or n == 0 or not current.any() or len(model.xy) != m:
        return LnsResult(np.flatnonzero(current).astype(np.intp), value, 0, 0)
    rng = np.random.default_rng(seed)
    a_csr = sparse.csr_array(model.cover)
    conf = model.conflict_matrix()
    tree = cKDTree(model.xy)
    tol = _EPS * max(float(model.weight.sum()), 1.0)
    k_free, k_max = min(window_sites, p), min(max_window_sites, p)
    has_rows_xy = len(model.row_xy) == n
    fails, stall_limit = 0, 12
    iterations = improvements = 0
    while time.perf_counter() < deadline:
        if cancel is not None and cancel():
            raise PlanCancelled("lns")
        iterations += 1
        chosen = np.flatnonzero(current)
        uncovered = np.flatnonzero((a_csr @ current.astype(np.float64)) == 0) if has_rows_xy else chosen[:0]
        if uncovered.size and rng.random() < 0.7:
            # Only a window holding uncovered demand can improve: centre most windows on one.
            w_unc = model.weight[uncovered]
            centre = model.row_xy[uncovered[rng.choice(len(uncovered), p=w_unc / w_unc.sum())]]
        else:
            centre = model.xy[rng.choice(chosen)]
        dist = np.hypot(*(model.xy[chosen] - centre).T)
        reach = float(np.sort(dist)[min(k_free, len(dist)) - 1]) + model.radius_m
        near_d, near = tree.query(centre, k=min(max_free_columns, m), distance_upper_bound=reach)
        free = np.zeros(m, dtype=bool)
        free[np.atleast_1d(near)[np.isfinite(np.atleast_1d(near_d))]] = True
        fixed = current & ~free
        covered_by_fixed = (a_csr @ fixed.astype(np.float64)) > 0
        allowed = free & ((conf @ fixed.astype(np.float64)) == 0)
        cols = np.flatnonzero(allowed)
        sub = a_csr[:, cols]
        rows = np.flatnonzero(~covered_by_fixed & (np.diff(sub.indptr) > 0))
        budget = p - int(fixed.sum())
        sub_conf = sparse.triu(conf[cols][:, cols], k=1).tocoo()
        sub_model = Model(
            cover=sparse.csc_array(sub[rows]),
            weight=model.weight[rows],
            candidate=cols.astype(np.intp),
            conflicts=np.column_stack([sub_conf.row, sub_conf.col]).astype(np.intp).reshape(-1, 2),
            existing_weight=0.0,
            total_weight=0.0,
        )
        remaining = deadline - time.perf_counter()
        res = solve_milp(
            sub_model, budget, time_limit_s=min(sub_time_limit_s, remaining), mip_rel_gap=sub_gap
        )
        improved = False
        if res.columns is not None:
            candidate = fixed.copy()
            candidate[cols[res.columns]] = True
            new_value = model.value(np.flatnonzero(candidate))
            if new_value > value + tol:
                current, value, improved = candidate, new_value, True
            elif accept_equal and new_value >= value:
                current, value = candidate, new_value  # plateau move: same coverage, another layout
        if improved:
            improvements += 1
            fails = 0
        elif not res.optimal:  # window too hard for the sub-time limit: shrink it
            k_free = max(2, k_free // 2)
        else:
            fails += 1
            if fails >= stall_limit:
                if k_free >= k_max:
                    break
                k_free, fails = min(k_max, int(k_free * 1.5) + 1), 0
    return LnsResult(np.flatnonzero(current).astype(np.intp), value, iterations, improvements)


# --- pipeline ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Result of :func:`plan`.

    Weights are in the caller's unit (e.g. people). ``covered_weight`` counts demand within the
    radius of an existing outlet or a chosen site; ``bound`` is an upper bound on it. ``gap`` is the
    relative gap on the part the new sites add: ``(bound - covered) / (bound - existing_weight)``.
    ``method`` is "greedy", "milp-optimal" (proven within ``mip_rel_gap``) or "milp-time-limit".
    """

    chosen: IntArray
    covered_weight: float
    existing_weight: float
    total_weight: float
    bound: float
    lp_bound: float | None
    gap: float
    method: str
    status: str
    timings: dict[str, float]
    stats: dict[str, int]

    @property
    def new_weight(self) -> float:
        return self.covered_weight - self.existing_weight

    @property
    def coverage_share(self) -> float:
        return self.covered_weight / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def bound_share(self) -> float:
        return self.bound / self.total_weight if self.total_weight > 0 else 0.0

    @property
    def lp_bound_share(self) -> float | None:
        if self.lp_bound is None:
            return None
        return self.lp_bound / self.total_weight if self.total_weight > 0 else 0.0


def plan(
    demand_xy: npt.ArrayLike,
    weight: npt.ArrayLike,
    candidates_xy: npt.ArrayLike,
    *,
    radius_m: float,
    p: int,
    min_sep_m: float = 0.0,
    existing_xy: npt.ArrayLike | None = None,
    existing_min_m: float | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | None = None,
    method: MethodName = "auto",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    milp_share: float = 0.3,
    lp_relaxation: bool = False,
    reduce: bool = True,
    local_search: bool = True,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Plan:
    """Choose at most ``p`` candidate sites (indices into ``candidates_xy``); see the module docstring.

    ``method``:

    * "greedy": greedy + 1-swap local search only, with the submodular bound; returned at once;
    * "milp": greedy, then the exact MILP with the whole ``time_limit_s``; the better solution is kept;
    * "auto" (default): greedy, then the MILP for ``milp_share`` of the time budget; when that does
      not prove optimality, MILP-based large neighbourhood search (:func:`improve_lns`) for the rest.
      The bound is then the MILP's dual bound (or the LP bound, whichever is lower).

    ``lp_relaxation`` also solves the LP relaxation and reports it as ``lp_bound``. ``cancel`` is
    polled between phases (and between LNS windows) and raises :class:`PlanCancelled`;
    ``progress(phase, figures)`` is called after each phase. ``seed`` fixes the LNS randomness.
    """
    if p < 0:
        raise ValueError("p must not be negative")
    if method not in ("auto", "greedy", "milp"):
        raise ValueError(f"unknown method {method!r}")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def checkpoint(phase: str, figures: Mapping[str, float]) -> None:
        timings[phase] = time.perf_counter() - t0 - sum(v for k, v in timings.items() if k != "total")
        if progress is not None:
            progress(phase, {**figures, "elapsed_s": time.perf_counter() - t0})
        if cancel is not None and cancel():
            raise PlanCancelled(phase)

    model = build_model(
        demand_xy,
        weight,
        candidates_xy,
        radius_m=radius_m,
        min_sep_m=min_sep_m,
        existing_xy=existing_xy,
        existing_min_m=existing_min_m,
        forbidden_xy=forbidden_xy,
        forbidden_min_m=forbidden_min_m,
        reduce=reduce,
    )
    base = model.existing_weight
    checkpoint("reduce", {"rows": model.n_rows, "columns": model.n_cols})

    greedy = solve_greedy(model, p, local_search=local_search, time_limit_s=max(1.0, time_limit_s / 6))
    best_cols, best_value, bound = greedy.columns, greedy.value, greedy.bound
    result_method, status = "greedy", f"greedy, {greedy.swaps} swaps"
    checkpoint("greedy", {"covered": base + greedy.value, "bound": base + greedy.bound})

    lp_bound: float | None = None
    if lp_relaxation:
        lp_bound = base + lp_relaxation_bound(model, p)
        bound = min(bound, lp_bound - base)
        checkpoint("lp", {"lp_bound": lp_bound})

    if method != "greedy":
        remaining = time_limit_s - (time.perf_counter() - t0)
        share = 1.0 if method == "milp" else milp_share
        res = solve_milp(model, p, time_limit_s=max(remaining * share, 0.5), mip_rel_gap=mip_rel_gap)
        if res.bound is not None:
            bound = min(bound, res.bound)
        if (
            res.columns is not None
            and res.value is not None
            and res.value >= best_value - _EPS * max(best_value, 1)
        ):
            best_cols, best_value = res.columns, res.value
        result_method = "milp-optimal" if res.optimal else "milp-time-limit"
        status = res.message
        checkpoint("milp", {"covered": base + best_value, "bound": base + bound})
        if method == "auto" and not res.optimal:
            remaining = time_limit_s - (time.perf_counter() - t0)
            lns = improve_lns(model, p, best_cols, time_limit_s=max(remaining, 0.0), seed=seed, cancel=cancel)
            if lns.value > best_value:
                best_cols, best_value = lns.columns, lns.value
            status += f"; LNS: {lns.improvements} improvements in {lns.iterations} windows"
            checkpoint("lns", {"covered": base + best_value, "bound": base + bound})

    bound = max(bound, best_value)  # guard against solver tolerances
    chosen = np.sort(model.candidate[best_cols]) if len(best_cols) else np.empty(0, dtype=np.intp)
    # Independent check of the model: evaluate the chosen sites on the raw data.
    demand = _xy(demand_xy, "demand_xy")
    sites = np.vstack([_xy(existing_xy, "existing_xy"), _xy(candidates_xy, "candidates_xy")[chosen]])
    covered = covered_weight(demand, weight, sites, radius_m)
    gap = (bound - best_value) / bound if bound > 0 else 0.0
    timings["total"] = time.perf_counter() - t0
    return Plan(
        chosen=chosen.astype(np.intp),
        covered_weight=covered,
        existing_weight=base,
        total_weight=model.total_weight,
        bound=base + bound,
        lp_bound=lp_bound,
        gap=max(gap, 0.0),
        method=result_method,
        status=status,
        timings=timings,
        stats=dict(model.stats),
    )
