"""Maximal covering location with minimum-distance constraints, for siting new outlets.

Problem
    Given weighted demand points ``i``, candidate sites ``j``, existing outlets and other points to
    keep away from (e.g. social-insurance offices), choose at most ``p`` candidates to maximise the
    demand weight within the radius of an existing outlet or a chosen site, such that

    * no two chosen sites are closer than the larger of their two minimum distances;
    * no chosen site is closer to an existing outlet than the larger of its own and the outlet's
      minimum, nor closer than its ``forbidden_min_m`` to a forbidden point.

    Every distance rule is one number or one per site (each site carries its district's rules, so a
    city-wide run keeps every district's radius and minimum distances; the larger-of-two rule is
    :func:`sheyin.institutions.rules.pair_spacing_m`, vectorised). Coverage is inclusive (distance <=
    the site's radius); separation is strict (distance < minimum is a conflict). All coordinates are
    planar metres (see :func:`sheyin.planning.demand.project`).

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
    * :func:`solve_milp` — HiGHS through highspy (decision record 0121):
      ``max sum w_i y_i`` s.t. ``y_i <= sum_{j in C(i)} x_j`` (``C(i)``: candidates covering ``i``),
      ``sum x_j <= p``,
      ``x_j + x_k <= 1`` for each conflicting pair (pairwise; HiGHS finds cliques itself),
      ``x`` binary, ``0 <= y <= 1`` continuous (integral at any optimum). It starts from a given
      answer (``setSolution``), stops at an absolute gap or a time limit and returns its incumbent
      and dual bound; a cancel is polled from HiGHS's MIP-interrupt callback.
    * :func:`improve_lns` — large neighbourhood search: re-solve spatial windows (a few chosen sites
      and the candidates around them, most windows centred on uncovered demand) exactly with HiGHS,
      the rest fixed; a fallback when HiGHS stops early without a proof.
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
from scipy.spatial import cKDTree

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]
ProgressFn = Callable[[str, Mapping[str, float]], None]
CancelFn = Callable[[], bool]
MethodName = Literal["auto", "greedy", "milp"]

_EPS = 1e-9
LP_STEP_S = 6.0  # at most this long for the LP relaxation step of plan()
LP_STEP_COLUMNS = 4000  # the LP step runs on models with at most this many columns


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


def per_site(value: float | npt.ArrayLike | None, n: int, name: str, default: float = 0.0) -> FloatArray:
    """A per-site array of metres from a scalar (the same for every site) or an array of length ``n``."""
    if value is None:
        return np.full(n, float(default))
    arr = np.asarray(value, dtype=np.float64).reshape(-1)
    if arr.size == 1:
        arr = np.full(n, float(arr[0]))
    if arr.shape[0] != n:
        raise ValueError(f"{name} must be one number or one per site ({n})")
    if not (np.isfinite(arr).all() and (arr >= 0).all()):
        raise ValueError(f"{name} must be finite and non-negative")
    return arr


def _strictly_below(distance: float) -> float:
    """The largest float below ``distance``: cKDTree radius queries are inclusive (<=)."""
    return float(np.nextafter(distance, 0.0))


def too_close(
    points: FloatArray,
    others: FloatArray,
    min_m: float | FloatArray,
    others_min_m: float | FloatArray = 0.0,
) -> npt.NDArray[np.bool_]:
    """Mask of ``points`` strictly closer to one of ``others`` than the pair's minimum distance.

    The minimum of a pair is the larger of the two sites' own minimums (``min_m`` per point,
    ``others_min_m`` per other site): the cross-district rule of R8.4, see
    :func:`sheyin.institutions.selectors.pair_spacing_m`.
    """
    own = per_site(min_m, len(points), "min_m")
    theirs = per_site(others_min_m, len(others), "others_min_m")
    reach = max(float(own.max(initial=0.0)), float(theirs.max(initial=0.0)))
    if reach <= 0 or len(points) == 0 or len(others) == 0:
        return np.zeros(len(points), dtype=bool)
    pairs = cKDTree(points).sparse_distance_matrix(
        cKDTree(others), _strictly_below(reach), output_type="ndarray"
    )
    out = np.zeros(len(points), dtype=bool)
    if len(pairs):
        i, j, d = pairs["i"], pairs["j"], pairs["v"]
        hit = d < np.maximum(own[i], theirs[j])
        out[i[hit]] = True
    return out


def within(points: FloatArray, sites: FloatArray, radius: float | FloatArray) -> npt.NDArray[np.bool_]:
    """Mask of ``points`` within the radius (inclusive; one, or one per site) of any of ``sites``."""
    if len(points) == 0 or len(sites) == 0:
        return np.zeros(len(points), dtype=bool)
    radii = per_site(radius, len(sites), "radius_m")
    out = np.zeros(len(points), dtype=bool)
    for r in np.unique(radii):  # a few distinct radii (one per district): one query each
        group = sites[radii == r]
        dist, _ = cKDTree(group).query(points, k=1, distance_upper_bound=float(np.nextafter(r, np.inf)))
        out |= np.asarray(dist <= r)
    return out


def conflict_pairs(xy: FloatArray, min_m: float | FloatArray) -> IntArray:
    """Index pairs (a < b) of sites closer than the larger of their two minimum distances."""
    spacing = per_site(min_m, len(xy), "min_sep_m")
    reach = float(spacing.max(initial=0.0))
    if reach <= 0 or len(xy) < 2:
        return np.empty((0, 2), dtype=np.intp)
    pairs = np.asarray(cKDTree(xy).query_pairs(_strictly_below(reach), output_type="ndarray"), dtype=np.intp)
    pairs = pairs.reshape(-1, 2)
    if len(pairs) and spacing.min() < reach:
        d = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
        pairs = pairs[d < np.maximum(spacing[pairs[:, 0]], spacing[pairs[:, 1]])]
    return pairs


def covered_weight(
    demand_xy: npt.ArrayLike, weight: npt.ArrayLike, sites_xy: npt.ArrayLike, radius_m: float | npt.ArrayLike
) -> float:
    """Total weight of the demand within the radius (one, or one per site) of at least one site."""
    d = _xy(demand_xy, "demand_xy")
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    sites = _xy(sites_xy, "sites_xy")
    return float(w[within(d, sites, per_site(radius_m, len(sites), "radius_m"))].sum())


def separation_violations(
    sites_xy: npt.ArrayLike,
    *,
    min_sep_m: float | npt.ArrayLike,
    existing_xy: npt.ArrayLike | None = None,
    existing_min_m: float | npt.ArrayLike | None = None,
    existing_own_min_m: float | npt.ArrayLike | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | npt.ArrayLike | None = None,
) -> list[str]:
    """Human-readable (English) list of the separation rules that ``sites_xy`` breaks; empty if none.

    Minimums are one number or one per site, as :func:`plan` takes them."""
    sites = _xy(sites_xy, "sites_xy")
    existing = _xy(existing_xy, "existing_xy")
    forbidden = _xy(forbidden_xy, "forbidden_xy")
    own = per_site(min_sep_m, len(sites), "min_sep_m")
    out: list[str] = []
    for a, b in conflict_pairs(sites, own):
        out.append(f"sites {a} and {b} are closer than {max(own[a], own[b]):g} m")
    to_existing = own if existing_min_m is None else per_site(existing_min_m, len(sites), "existing_min_m")
    theirs = per_site(existing_own_min_m, len(existing), "existing_own_min_m")
    for j in np.flatnonzero(too_close(sites, existing, to_existing, theirs)):
        out.append(f"site {j} is too close to an existing outlet")
    to_forbidden = (
        own if forbidden_min_m is None else per_site(forbidden_min_m, len(sites), "forbidden_min_m")
    )
    for j in np.flatnonzero(too_close(sites, forbidden, to_forbidden)):
        out.append(f"site {j} is closer than {to_forbidden[j]:g} m to a forbidden point")
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
    spacing: FloatArray = field(default_factory=lambda: np.empty(0))  # column minimum distances

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
    radius_m: float | npt.ArrayLike,
    min_sep_m: float | npt.ArrayLike = 0.0,
    existing_xy: npt.ArrayLike | None = None,
    existing_radius_m: float | npt.ArrayLike | None = None,
    existing_min_m: float | npt.ArrayLike | None = None,
    existing_own_min_m: float | npt.ArrayLike | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | npt.ArrayLike | None = None,
    reduce: bool = True,
) -> Model:
    """Build the covering model.

    Every distance rule is one number or one per site: ``radius_m``, ``min_sep_m``,
    ``existing_min_m`` and ``forbidden_min_m`` per candidate (the rules of the candidate's
    district), ``existing_radius_m`` and ``existing_own_min_m`` per existing outlet (its own
    district's). A candidate covers the demand within its own radius; two candidates conflict when
    closer than the larger of their minimums; a candidate is too close to an existing outlet when
    closer than the larger of its ``existing_min_m`` and the outlet's ``existing_own_min_m``.
    ``existing_min_m`` and ``forbidden_min_m`` default to ``min_sep_m``, ``existing_radius_m`` to
    ``radius_m`` when that is one number.
    """
    demand = _xy(demand_xy, "demand_xy")
    cands = _xy(candidates_xy, "candidates_xy")
    existing = _xy(existing_xy, "existing_xy")
    forbidden = _xy(forbidden_xy, "forbidden_xy")
    w = np.asarray(weight, dtype=np.float64).reshape(-1)
    if w.shape[0] != demand.shape[0]:
        raise ValueError("weight must have one value per demand point")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise ValueError("weights must be finite and non-negative")
    radius = per_site(radius_m, len(cands), "radius_m")
    if np.ndim(radius_m) == 0 and not (float(radius_m) > 0 and math.isfinite(float(radius_m))):  # type: ignore[arg-type]
        raise ValueError("radius_m must be a positive number")
    if len(radius) and not (radius > 0).all():
        raise ValueError("radius_m must be positive")
    spacing = per_site(min_sep_m, len(cands), "min_sep_m")
    existing_min = (
        spacing if existing_min_m is None else per_site(existing_min_m, len(cands), "existing_min_m")
    )
    forbidden_min = (
        spacing if forbidden_min_m is None else per_site(forbidden_min_m, len(cands), "forbidden_min_m")
    )
    if existing_radius_m is None:
        if np.ndim(radius_m) != 0 and len(existing):
            raise ValueError("existing_radius_m is needed when radius_m differs per candidate")
        existing_radius = per_site(
            radius_m if np.ndim(radius_m) == 0 else 0.0, len(existing), "existing_radius_m"
        )
    else:
        existing_radius = per_site(existing_radius_m, len(existing), "existing_radius_m")
    existing_own = per_site(existing_own_min_m, len(existing), "existing_own_min_m")
    stats: dict[str, int] = {"demand_points": len(demand), "candidates": len(cands)}

    # 1. Problem definition: existing coverage, forbidden candidates.
    pre_covered = within(demand, existing, existing_radius)
    existing_weight = float(w[pre_covered].sum())
    rows = np.flatnonzero(~pre_covered)
    stats["demand_covered_by_existing"] = int(pre_covered.sum())
    blocked = too_close(cands, existing, existing_min, existing_own) | too_close(
        cands, forbidden, forbidden_min
    )
    stats["candidates_too_close"] = int(blocked.sum())
    cols = np.flatnonzero(~blocked)

    # Coverage matrix, columns = feasible candidates, each with its own radius.
    if len(rows) and len(cols):
        hits = cKDTree(demand[rows]).query_ball_point(cands[cols], radius[cols], return_sorted=True)
        lengths = np.fromiter((len(h) for h in hits), dtype=np.intp, count=len(hits))
        indices = np.fromiter((i for h in hits for i in h), dtype=np.intp, count=int(lengths.sum()))
    else:
        lengths = np.zeros(len(cols), dtype=np.intp)
        indices = np.empty(0, dtype=np.intp)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    cover = sparse.csc_array((np.ones(len(indices)), indices, indptr), shape=(len(rows), len(cols)))
    row_w = w[rows]
    row_src = rows  # a demand point standing for each row (its location guides the LNS)

    def col_conflicts(col_idx: IntArray) -> IntArray:
        return conflict_pairs(cands[col_idx], spacing[col_idx])

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
        conflicts = col_conflicts(cols)
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
        conflicts = col_conflicts(cols)
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
        spacing=spacing[cols],
        row_xy=demand[row_src].reshape(-1, 2),
        radius_m=float(radius[cols].max(initial=0.0)),
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
    model: Model,
    p: int,
    *,
    local_search: bool = True,
    time_limit_s: float = 10.0,
    cancel: CancelFn | None = None,
) -> HeuristicResult:
    """Greedy + 1-swap local search; every returned set respects the separation constraints. ``cancel`` is
    polled between swaps (at most every half second) and raises :class:`PlanCancelled`."""
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
    stop = _Interrupt(cancel)
    while local_search and chosen.any() and time.perf_counter() - start < time_limit_s:
        if stop.due():
            raise PlanCancelled("greedy")
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
    x: FloatArray | None = None  # the LP relaxation's column values (``relax=True``)


def _milp_matrix(model: Model, p: int) -> tuple[Any, FloatArray]:
    """Constraint matrix (CSC) over [x (columns) | y (rows)] and the row upper bounds (lower: -inf)."""
    m, n = model.n_cols, model.n_rows
    cover = sparse.csr_array(model.cover)
    blocks: list[Any] = [sparse.hstack([-cover, sparse.eye_array(n, format="csr")], format="csr")]
    ubs: list[FloatArray] = [np.zeros(n)]
    blocks.append(sparse.hstack([sparse.csr_array(np.ones((1, m))), sparse.csr_array((1, n))], format="csr"))
    ubs.append(np.array([float(p)]))
    k = len(model.conflicts)
    if k:
        r = np.repeat(np.arange(k), 2)
        pair = sparse.csr_array((np.ones(2 * k), (r, model.conflicts.reshape(-1))), shape=(k, m))
        blocks.append(sparse.hstack([pair, sparse.csr_array((k, n))], format="csr"))
        ubs.append(np.ones(k))
    return sparse.csc_array(sparse.vstack(blocks, format="csr")), np.concatenate(ubs)


class _Interrupt:
    """Polls ``cancel`` at most every ``every_s`` seconds (a database read in the job), from HiGHS's
    MIP-interrupt callback and between local-search swaps, so that a cancel stops within about a second."""

    def __init__(self, cancel: CancelFn | None, every_s: float = 0.5) -> None:
        self.cancel, self.every_s = cancel, every_s
        self.last = -math.inf  # the first callback polls at once
        self.cancelled = False

    def due(self) -> bool:
        """True when a cancel was asked (polled at most every ``every_s`` seconds)."""
        if self.cancel is None:
            return False
        now = time.monotonic()
        if not self.cancelled and now - self.last >= self.every_s:
            self.last = now
            self.cancelled = bool(self.cancel())
        return self.cancelled

    def __call__(self, event: Any) -> None:
        if self.due():
            event.interrupt()


def solve_milp(
    model: Model,
    p: int,
    *,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    mip_abs_gap: float = 0.0,
    start: npt.ArrayLike | None = None,
    cancel: CancelFn | None = None,
    relax: bool = False,
) -> MilpResult:
    """Exact MCLP with HiGHS (highspy); ``optimal`` means proven within the gap tolerances.

    ``start`` (model columns) is handed to HiGHS as its first incumbent, so that the search prunes
    from the start and never returns worse; ``cancel`` is polled from HiGHS's interrupt callback and
    raises :class:`PlanCancelled`. ``relax`` solves the LP relaxation instead (its optimum is a bound).
    """
    import highspy

    m, n = model.n_cols, model.n_rows
    if p <= 0 or m == 0 or n == 0:
        return MilpResult(np.empty(0, dtype=np.intp), 0.0, 0.0, True, 0, "trivial", 0)
    a, ub = _milp_matrix(model, p)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(float(time_limit_s), 0.05))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("mip_abs_gap", max(float(mip_abs_gap), 1e-6))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = m + n, a.shape[0]
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.col_cost_ = np.concatenate([np.zeros(m), model.weight])
    lp.col_lower_ = np.zeros(m + n)
    lp.col_upper_ = np.ones(m + n)
    lp.row_lower_ = np.full(a.shape[0], -highspy.kHighsInf)
    lp.row_upper_ = ub
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = m + n, a.shape[0]
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(np.float64)
    if not relax:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [highspy.HighsVarType.kContinuous] * n
    h.passModel(lp)
    if start is not None and not relax:
        x = np.zeros(m)
        x[np.asarray(start, dtype=np.intp)] = 1.0
        y = np.minimum(np.asarray(sparse.csr_array(model.cover) @ x).reshape(-1), 1.0)
        sol = highspy.HighsSolution()
        sol.col_value = np.concatenate([x, y]).tolist()
        sol.value_valid = True
        h.setSolution(sol)
    stop = _Interrupt(cancel)
    if cancel is not None and not relax:
        h.cbMipInterrupt.subscribe(stop)
    h.run()
    if stop.cancelled:
        raise PlanCancelled("milp")
    status = h.getModelStatus()
    info = h.getInfo()
    if relax:
        ok = status == highspy.HighsModelStatus.kOptimal
        lp_value = float(info.objective_function_value) if ok else None
        lp_x = np.asarray(h.getSolution().col_value[:m], dtype=np.float64) if ok else None
        return MilpResult(None, lp_value, lp_value, ok, int(status), h.modelStatusToString(status), 0, lp_x)
    cols: IntArray | None = None
    value: float | None = None
    if info.primal_solution_status == 2:  # feasible
        xs = np.asarray(h.getSolution().col_value[:m])
        cols = np.flatnonzero(xs > 0.5).astype(np.intp)
        value = model.value(cols)
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):
        bound = None  # type: ignore[assignment]
    optimal = status == highspy.HighsModelStatus.kOptimal
    return MilpResult(cols, value, bound, optimal, int(status), h.modelStatusToString(status),
                      int(info.mip_node_count))  # fmt: skip


def restricted(model: Model, cols: npt.ArrayLike) -> Model:
    """The model on a subset of its columns (rows no kept column covers are dropped); ``candidate`` maps the
    sub-model's columns back to the model's."""
    keep = np.unique(np.asarray(cols, dtype=np.intp))
    sub = sparse.csr_array(model.cover[:, keep])
    rows = np.flatnonzero(np.diff(sub.indptr) > 0)
    remap = np.full(model.n_cols, -1, dtype=np.intp)
    remap[keep] = np.arange(len(keep))
    conf = remap[model.conflicts] if len(model.conflicts) else model.conflicts
    conf = conf[(conf >= 0).all(axis=1)] if len(conf) else conf.reshape(-1, 2)
    return Model(
        cover=sparse.csc_array(sub[rows]), weight=model.weight[rows], candidate=keep, conflicts=conf,
        existing_weight=0.0, total_weight=0.0, xy=model.xy[keep] if len(model.xy) else model.xy,
        radius_m=model.radius_m, spacing=model.spacing[keep] if len(model.spacing) else model.spacing,
    )  # fmt: skip


def lp_relaxation_bound(model: Model, p: int) -> float:
    """Optimum of the LP relaxation: an upper bound on the model optimum."""
    if p <= 0 or model.n_cols == 0 or model.n_rows == 0:
        return 0.0
    res = solve_milp(model, p, relax=True, time_limit_s=600.0)
    return float(model.weight.sum()) if res.value is None else float(res.value)


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
    radius of an existing outlet or a chosen site; ``bound`` is a proven upper bound on it (never
    above ``total_weight``). ``gap`` is the relative gap on the whole covered weight,
    ``(bound - covered) / bound``: how far the answer can at most be from the optimum.
    ``method`` is "greedy", "milp-optimal" (proven within the requested gap) or "milp-time-limit"
    (the time ran out first, or the run was not asked to prove). ``proven`` is True exactly when the
    gap is within the requested tolerance.
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
    proven: bool = False

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
    radius_m: float | npt.ArrayLike,
    p: int,
    min_sep_m: float | npt.ArrayLike = 0.0,
    existing_xy: npt.ArrayLike | None = None,
    existing_radius_m: float | npt.ArrayLike | None = None,
    existing_min_m: float | npt.ArrayLike | None = None,
    existing_own_min_m: float | npt.ArrayLike | None = None,
    forbidden_xy: npt.ArrayLike | None = None,
    forbidden_min_m: float | npt.ArrayLike | None = None,
    method: MethodName = "auto",
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 1e-4,
    lp_relaxation: bool = False,
    reduce: bool = True,
    local_search: bool = True,
    seed: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
) -> Plan:
    """Choose at most ``p`` candidate sites (indices into ``candidates_xy``); see the module docstring
    and :func:`build_model` for the per-site distance rules.

    ``mip_rel_gap`` is the target gap on the whole covered weight: the search stops as soon as the
    answer is proven within it. ``method``:

    * "greedy": greedy + 1-swap local search only, with the submodular bound; returned at once;
    * "milp" and "auto" (default): greedy; on district-size models the LP relaxation and an exact
      solve restricted to its support (a near-optimal start, often enough to prove the target gap
      at once); then HiGHS, started from the best answer so far, for the rest of the time, stopping
      as soon as the target gap is proven. "auto" falls back on MILP-based large neighbourhood
      search (:func:`improve_lns`) if HiGHS stops early without a proof. The bound is the best of
      HiGHS's dual bound, the LP bound and the greedy bound.

    ``cancel`` is polled between phases, between LNS windows and from inside HiGHS (within about a
    second) and raises :class:`PlanCancelled`; ``progress(phase, figures)`` is called after each
    phase. ``seed`` fixes the LNS randomness.
    """
    if p < 0:
        raise ValueError("p must not be negative")
    if method not in ("auto", "greedy", "milp"):
        raise ValueError(f"unknown method {method!r}")
    if not 0.0 <= mip_rel_gap < 1.0:
        raise ValueError("mip_rel_gap must be in [0, 1)")
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
        existing_radius_m=existing_radius_m,
        existing_min_m=existing_min_m,
        existing_own_min_m=existing_own_min_m,
        forbidden_xy=forbidden_xy,
        forbidden_min_m=forbidden_min_m,
        reduce=reduce,
    )
    base = model.existing_weight
    checkpoint("reduce", {"rows": model.n_rows, "columns": model.n_cols})

    def remaining() -> float:
        return time_limit_s - (time.perf_counter() - t0)

    def proven(value: float, bound_value: float) -> bool:
        return (base + bound_value) - (base + value) <= mip_rel_gap * (base + bound_value) + 1e-9

    def abs_gap(value: float) -> float:
        # HiGHS's gap is on the model's part only; the target is on the whole covered weight.
        return mip_rel_gap * (base + value)

    greedy = solve_greedy(
        model, p, local_search=local_search, time_limit_s=max(1.0, time_limit_s / 6), cancel=cancel
    )
    best_cols, best_value, bound = greedy.columns, greedy.value, greedy.bound
    result_method, status = "greedy", f"greedy, {greedy.swaps} swaps"
    checkpoint("greedy", {"covered": base + greedy.value, "bound": base + greedy.bound})

    lp_bound: float | None = None
    if lp_relaxation:
        lp_value = lp_relaxation_bound(model, p)
        lp_bound = base + lp_value
        bound = min(bound, lp_value)
        checkpoint("lp", {"lp_bound": lp_bound})

    def exact(start: IntArray, seconds: float) -> None:
        nonlocal best_cols, best_value, bound, status
        res = solve_milp(
            model, p, time_limit_s=max(seconds, 0.2), mip_rel_gap=0.0, mip_abs_gap=abs_gap(best_value),
            start=start, cancel=cancel,
        )  # fmt: skip
        if res.bound is not None:
            bound = min(bound, res.bound)
        if res.columns is not None and res.value is not None and res.value > best_value:
            best_cols, best_value = res.columns, res.value
        status = f"HiGHS: {res.message}, {res.nodes or 0} nodes"

    if (
        method != "greedy"
        and not proven(best_value, bound)
        and remaining() > 0.5
        and model.n_cols <= LP_STEP_COLUMNS
    ):
        # The LP relaxation: a bound at once, and its support guides a small exact problem whose answer
        # is usually (near) optimal, so that the full MILP starts from it and proves quickly. Only on
        # district-size models: on city-size ones HiGHS's presolved root is faster than the plain LP.
        relaxed = solve_milp(model, p, relax=True, time_limit_s=min(max(remaining() * 0.15, 0.2), LP_STEP_S))
        if relaxed.value is not None and relaxed.x is not None:
            bound = min(bound, relaxed.value)
            support = np.flatnonzero(relaxed.x > 1e-6)
            if len(support) < model.n_cols:
                sub = restricted(model, np.concatenate([support, best_cols]))
                in_sub = np.searchsorted(sub.candidate, best_cols)
                res = solve_milp(
                    sub, p, time_limit_s=max(remaining() * 0.25, 0.2), mip_rel_gap=0.0,
                    mip_abs_gap=abs_gap(best_value), start=in_sub, cancel=cancel,
                )  # fmt: skip
                if res.columns is not None:
                    cols = sub.candidate[res.columns]
                    value = model.value(cols)
                    if value > best_value:
                        best_cols, best_value = cols.astype(np.intp), value
            status = (
                f"HiGHS: LP relaxation and the MILP on its support ({len(support)} of {model.n_cols} columns)"
            )
        checkpoint("lp", {"covered": base + best_value, "bound": base + bound})
    if method != "greedy" and not proven(best_value, bound):
        # One MILP for the rest of the time (a restart would lose its root cuts and search tree); it stops
        # as soon as the target gap is proven, or is interrupted by a cancel.
        exact(best_cols, remaining())
        checkpoint("milp", {"covered": base + best_value, "bound": base + bound})
        if method == "auto" and not proven(best_value, bound) and remaining() > 1.0:
            # HiGHS stopped early without a proof (e.g. out of memory for its tree): search on.
            lns = improve_lns(model, p, best_cols, time_limit_s=remaining(), seed=seed, cancel=cancel)
            if lns.value > best_value:
                best_cols, best_value = lns.columns, lns.value
            status += f"; LNS: {lns.improvements} improvements in {lns.iterations} windows"
            checkpoint("lns", {"covered": base + best_value, "bound": base + bound})
    done = proven(best_value, bound)
    if method != "greedy":
        result_method = "milp-optimal" if done else "milp-time-limit"

    bound = max(bound, best_value)  # guard against solver tolerances
    chosen = np.sort(model.candidate[best_cols]) if len(best_cols) else np.empty(0, dtype=np.intp)
    # Independent check of the model: evaluate the chosen sites on the raw data.
    demand = _xy(demand_xy, "demand_xy")
    cands = _xy(candidates_xy, "candidates_xy")
    existing = _xy(existing_xy, "existing_xy")
    if existing_radius_m is None:
        ex_radius = per_site(radius_m if np.ndim(radius_m) == 0 else 0.0, len(existing), "existing_radius_m")
    else:
        ex_radius = per_site(existing_radius_m, len(existing), "existing_radius_m")
    cand_radius = per_site(radius_m, len(cands), "radius_m")
    covered = covered_weight(
        demand, weight, np.vstack([existing, cands[chosen]]), np.concatenate([ex_radius, cand_radius[chosen]])
    )
    total = model.total_weight
    bound_total = min(base + bound, total)
    bound_total = max(bound_total, covered)
    gap = (bound_total - covered) / bound_total if bound_total > 0 else 0.0
    timings["total"] = time.perf_counter() - t0
    return Plan(
        chosen=chosen.astype(np.intp),
        covered_weight=covered,
        existing_weight=base,
        total_weight=total,
        bound=bound_total,
        lp_bound=None if lp_bound is None else min(lp_bound, total),
        gap=max(gap, 0.0),
        method=result_method,
        status=status,
        timings=timings,
        stats=dict(model.stats),
        proven=done or gap <= mip_rel_gap,
    )
