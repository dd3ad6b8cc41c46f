"""Coverage analysis for the layout map and report (R10.1, R8.4). Reads nothing by itself: callers pass the
district rules, the sites and the offices (read through selectors), so every figure is reproducible.

Demand model
    The census population of each district spread over a square grid inside its polygon
    (:func:`sheyin.planning.demand.grid_demand`). The grid spacing is a quarter of the district's coverage
    radius, between 200 m and 1,250 m (250 m in the six central districts with their 1,000 m radius,
    1,250 m elsewhere with 5,000 m), so that a circle of the radius holds about 50 grid points and the
    covered share is accurate to about a percent, with ~32,000 points for the whole city. Or an imported
    demand layer (sub-district populations or a population grid, :mod:`sheyin.planning.layers`); every
    page says which of the two a figure uses.

Business frequency
    Cases per outlet are shown beside the demand as their own layer (:func:`case_counts_by_outlet`); they
    never weight the demand: how many cases one outlet records says nothing about how many people live
    out of reach of every outlet (decision record 0121-layout-planning).

Existing coverage (one definition, used by the coverage page, the map, the runs and every export)
    A demand point is covered when an **operating** outlet lies within that outlet's coverage radius (the
    radius of the outlet's district), inclusive; outlets of neighbouring districts count, since nobody is
    stopped at a district line. The map draws exactly these circles. Distances are Euclidean in the
    projected plane (within 0.1 % of the geodesic in Beijing). :func:`existing_coverage` is the function.

Uncovered areas
    Uncovered grid cells joined with their eight neighbours into connected areas, cut at a tiling of
    8 x 8 cells (about twice the radius) so that an area is roughly what one new outlet could serve; each
    area is listed with its population, surface and distance to the nearest outlet, and drawn as the
    union of its cells. Imported demand points are first binned into cells of the same size.

Rule checks (R8.4)
    Every pair of operating/accepted outlets closer than the minimum distance (the larger of the two
    districts' minimums, :func:`sheyin.institutions.rules.pair_spacing_m`), and every such outlet closer to
    an SI office than its district's minimum office distance.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from sheyin.institutions.rules import pair_spacing_m

from . import demand

FloatArray = npt.NDArray[np.float64]

CENTRAL = ("110101", "110102", "110105", "110106", "110107", "110108")
MIN_SPACING_M, MAX_SPACING_M = 200.0, 1250.0
CASE_WINDOW_DAYS = 365
CIRCLE_POINTS = 32
TILE_CELLS = 8  # uncovered areas are cut at tiles of 8 x 8 grid cells (about 2 radii)
COVERING = ("operating",)  # statuses whose outlets give existing coverage (the one definition)
RULED = ("operating", "accepted")  # statuses whose outlets the minimum-distance rule checks


def spacing_for(radius_m: float) -> float:
    """Grid spacing for a coverage radius (see the module docstring)."""
    return float(min(max(round(radius_m / 4), MIN_SPACING_M), MAX_SPACING_M))


# --- inputs ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictRule:
    code: str
    name: str
    agency_id: int
    population: int
    radius_m: float
    min_outlet_m: float
    min_office_m: float


@dataclass(frozen=True)
class Site:
    """An outlet (or a hypothetical one) as the analysis sees it."""

    pk: int
    name: str
    bank: str
    status: str
    code: str  # district adcode
    lon: float
    lat: float
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True)
class Office:
    pk: int
    name: str
    lon: float
    lat: float
    x: float = 0.0
    y: float = 0.0


def with_xy(items: Sequence[Any]) -> list[Any]:
    """The same sites/offices with projected coordinates filled in (one vectorised call)."""
    if not items:
        return []
    x, y = demand.project([i.lon for i in items], [i.lat for i in items])
    return [dataclasses.replace(i, x=float(a), y=float(b)) for i, a, b in zip(items, x, y, strict=True)]


def xy_array(items: Sequence[Any]) -> FloatArray:
    """(n, 2) projected coordinates of sites or offices (already passed through :func:`with_xy`)."""
    if not items:
        return np.empty((0, 2))
    return np.array([[i.x, i.y] for i in items], dtype=np.float64)


# --- demand -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=64)
def census_grid(code: str, spacing_m: float) -> demand.DemandSet:
    """One district's census grid (cached in the process: the polygons and census never change)."""
    return demand.grid_demand([code], spacing_m)


@dataclass
class Demand:
    """Demand points of one or more districts, with the district of each point."""

    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    weight: FloatArray
    code: npt.NDArray[np.str_]
    spacing: dict[str, float]
    method: str  # "census" | "census+cases" | "import"

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @property
    def xy(self) -> FloatArray:
        return np.column_stack([self.x, self.y])

    def select(self, mask: npt.NDArray[np.bool_]) -> Demand:
        return Demand(
            self.lon[mask], self.lat[mask], self.x[mask], self.y[mask], self.weight[mask], self.code[mask],
            self.spacing, self.method,
        )  # fmt: skip


def _concat(parts: list[demand.DemandSet], spacing: dict[str, float], method: str) -> Demand:
    if not parts:
        e = np.empty(0)
        return Demand(e, e, e, e, e, np.empty(0, dtype="<U6"), spacing, method)
    return Demand(
        lon=np.concatenate([p.lon for p in parts]),
        lat=np.concatenate([p.lat for p in parts]),
        x=np.concatenate([p.x for p in parts]),
        y=np.concatenate([p.y for p in parts]),
        weight=np.concatenate([p.weight for p in parts]).astype(np.float64),
        code=np.concatenate([p.adcode for p in parts]).astype("<U6"),
        spacing=spacing,
        method=method,
    )


def census_demand(rules: dict[str, DistrictRule], codes: Iterable[str]) -> Demand:
    """The census grid of the given districts (spacing: a quarter of each district's radius)."""
    codes = list(codes)
    spacing = {c: spacing_for(rules[c].radius_m) for c in codes}
    parts = [census_grid(c, spacing[c]) for c in codes]
    return _concat(parts, spacing, "census")


def imported_demand(
    points: Sequence[tuple[float, float, float, str]], rules: dict[str, DistrictRule]
) -> Demand:
    """Demand from imported points (lon, lat, weight, adcode)."""
    if not points:
        return _concat([], {}, "import")
    lon = np.array([p[0] for p in points], dtype=np.float64)
    lat = np.array([p[1] for p in points], dtype=np.float64)
    x, y = demand.project(lon, lat)
    code = np.array([p[3] for p in points], dtype="<U6")
    spacing = {str(c): spacing_for(rules[str(c)].radius_m) for c in np.unique(code) if str(c) in rules}
    return Demand(lon, lat, x, y, np.array([p[2] for p in points], dtype=np.float64), code, spacing, "import")


# --- business frequency (casework, when it exists) ----------------------------------------------------

_case_cache: dict[str, Any] = {}
_case_lock = threading.Lock()
CASE_CACHE_SECONDS = 600


def case_counts_by_outlet() -> dict[int, int] | None:
    """Cases per outlet over the last year, or None when casework has no Case model (checked at call time).

    An aggregate over all cases (no personal data), used only to weight demand. Cached for ten minutes.
    """
    with _case_lock:
        hit = _case_cache.get("counts")
        if hit is not None and time.monotonic() - hit[0] < CASE_CACHE_SECONDS:
            return hit[1]
    counts = _read_case_counts()
    with _case_lock:
        _case_cache["counts"] = (time.monotonic(), counts)
    return counts


def _read_case_counts() -> dict[int, int] | None:
    import datetime as dt

    from django.apps import apps
    from django.db import DatabaseError
    from django.db.models import Count
    from django.utils import timezone

    if not apps.is_installed("sheyin.casework"):
        return None
    try:
        model = apps.get_model("casework", "Case")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if "outlet" not in names:
        return None
    qs = model._default_manager.all()
    if "status" in names:  # drafts and cancelled visits are not business done
        qs = qs.exclude(status__in=("draft", "cancelled"))
    when = next((f for f in ("called_at", "accepted_at", "created_at") if f in names), None)
    if when:
        qs = qs.filter(**{f"{when}__gte": timezone.now() - dt.timedelta(days=CASE_WINDOW_DAYS)})
    try:
        rows = qs.values("outlet_id").annotate(n=Count("pk")).values_list("outlet_id", "n")
        return {int(o): int(n) for o, n in rows if o is not None}
    except DatabaseError:
        return None


def clear_caches() -> None:
    with _case_lock:
        _case_cache.clear()


# --- coverage ---------------------------------------------------------------------------------------


def site_radii(sites: Sequence[Site], rules: dict[str, DistrictRule], default: float = 5000.0) -> FloatArray:
    """Each site's coverage radius: the radius of the site's own district."""
    return np.array([rules[s.code].radius_m if s.code in rules else default for s in sites], dtype=np.float64)


def covered_mask(d: Demand, sites_xy: FloatArray, radii: FloatArray | float) -> npt.NDArray[np.bool_]:
    """Which demand points lie within the radius of at least one site (inclusive; one radius per site)."""
    out = np.zeros(len(d), dtype=bool)
    if len(d) == 0 or len(sites_xy) == 0:
        return out
    r = np.broadcast_to(np.asarray(radii, dtype=np.float64), (len(sites_xy),))
    for radius in np.unique(r):  # one query per distinct radius (a few: one per kind of district)
        group = sites_xy[r == radius]
        dist, _ = cKDTree(group).query(d.xy, k=1, distance_upper_bound=float(np.nextafter(radius, np.inf)))
        out |= dist <= radius
    return out


def sites_covered_mask(
    d: Demand, sites: Sequence[Site], rules: dict[str, DistrictRule]
) -> npt.NDArray[np.bool_]:
    """Which demand points the given sites cover, each at its own district's radius."""
    return covered_mask(d, xy_array(sites), site_radii(sites, rules))


@dataclass
class Area:
    """A connected uncovered area."""

    rank: int
    code: str
    population: float
    cells: int
    area_km2: float
    lon: float
    lat: float
    nearest_outlet_m: float | None
    rings: list[list[list[float]]] = field(default_factory=list)  # lon/lat rings for drawing


@dataclass
class DistrictCoverage:
    code: str
    name: str
    radius_m: float
    population: float
    covered: float
    outlets: int
    areas: int = 0
    violations: int = 0

    @property
    def share(self) -> float:
        return self.covered / self.population if self.population > 0 else 0.0

    @property
    def share_pct(self) -> float:
        return self.share * 100

    @property
    def uncovered(self) -> float:
        return self.population - self.covered


@dataclass
class Violation:
    kind: str  # "outlet" | "office"
    a: Site
    b: Site | Office
    distance_m: float
    limit_m: float


@dataclass
class Analysis:
    codes: list[str]
    districts: list[DistrictCoverage]
    areas: list[Area]
    violations: list[Violation]
    method: str
    demand_points: int

    @property
    def population(self) -> float:
        return sum(d.population for d in self.districts)

    @property
    def covered(self) -> float:
        return sum(d.covered for d in self.districts)

    @property
    def share(self) -> float:
        return self.covered / self.population if self.population > 0 else 0.0

    @property
    def share_pct(self) -> float:
        return self.share * 100

    @property
    def uncovered(self) -> float:
        return self.population - self.covered


def _cell_components(
    ix: npt.NDArray[np.int64], iy: npt.NDArray[np.int64]
) -> tuple[int, npt.NDArray[np.int32]]:
    """Connected components of occupied cells with 8-connectivity (cells are unique)."""
    n = len(ix)
    if n == 0:
        return 0, np.empty(0, dtype=np.int32)
    big = np.int64(1 << 32)
    keys = (ix + (1 << 31)) * big + (iy + (1 << 31))
    order = np.argsort(keys)
    sorted_keys = keys[order]
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):
        nk = (ix + dx + (1 << 31)) * big + (iy + dy + (1 << 31))
        pos = np.searchsorted(sorted_keys, nk)
        pos = np.minimum(pos, n - 1)
        hit = sorted_keys[pos] == nk
        rows.append(np.flatnonzero(hit))
        cols.append(order[pos[hit]])
    r = np.concatenate(rows)
    c = np.concatenate(cols)
    graph = sparse.coo_array((np.ones(len(r)), (r, c)), shape=(n, n))
    count, labels = connected_components(graph, directed=False)
    return int(count), labels.astype(np.int32)


def uncovered_areas(
    d: Demand,
    covered: npt.NDArray[np.bool_],
    sites_xy: FloatArray,
    *,
    draw: int = 200,
    min_population: float = 0.0,
) -> list[Area]:
    """Uncovered demand joined into connected areas of grid cells, largest population first.

    Rings (lon/lat) are computed for the ``draw`` most populous areas only; the others are listed.
    """
    areas: list[Area] = []
    tree = cKDTree(sites_xy) if len(sites_xy) else None
    for code in np.unique(d.code):
        code = str(code)
        mask = (d.code == code) & ~covered & (d.weight > 0)
        if not mask.any():
            continue
        s = d.spacing.get(code) or spacing_for(5000)
        ix = np.floor(d.x[mask] / s).astype(np.int64)
        iy = np.floor(d.y[mask] / s).astype(np.int64)
        cells, inverse = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        cell_w = np.bincount(inverse, weights=d.weight[mask], minlength=len(cells))
        count, labels = _cell_components(cells[:, 0], cells[:, 1])
        # Cut areas at a tiling of side 8 cells (about twice the radius): one area is then about what one
        # new outlet could serve, instead of one huge area spanning a poorly served district.
        tiles = np.column_stack(
            [labels, np.floor_divide(cells[:, 0], TILE_CELLS), np.floor_divide(cells[:, 1], TILE_CELLS)]
        )
        _, inv = np.unique(tiles, axis=0, return_inverse=True)
        labels = inv.reshape(-1).astype(np.int32)
        count = int(labels.max()) + 1 if len(labels) else 0
        pop = np.bincount(labels, weights=cell_w, minlength=count)
        ncell = np.bincount(labels, minlength=count)
        cx = (cells[:, 0] + 0.5) * s
        cy = (cells[:, 1] + 0.5) * s
        wx = np.bincount(labels, weights=cell_w * cx, minlength=count)
        wy = np.bincount(labels, weights=cell_w * cy, minlength=count)
        for k in range(count):
            if pop[k] <= min_population:
                continue
            mx, my = (
                (wx[k] / pop[k], wy[k] / pop[k]) if pop[k] > 0 else (cx[labels == k][0], cy[labels == k][0])
            )
            near = None
            if tree is not None:
                near = float(tree.query([mx, my], k=1)[0])
            lon, lat = demand.unproject(mx, my)
            a = Area(
                0,
                code,
                float(pop[k]),
                int(ncell[k]),
                float(ncell[k] * s * s / 1e6),
                float(lon),
                float(lat),
                near,
            )
            a._cells = (cells[labels == k], s)  # type: ignore[attr-defined]
            areas.append(a)
    areas.sort(key=lambda a: -a.population)
    for i, a in enumerate(areas, start=1):
        a.rank = i
        if i <= draw:
            a.rings = _rings(*a._cells)  # type: ignore[attr-defined]
        del a._cells  # type: ignore[attr-defined]
    return areas


def _rings(cells: npt.NDArray[np.int64], s: float) -> list[list[list[float]]]:
    """Exterior rings (lon/lat) of the union of grid cells."""
    x0 = cells[:, 0] * s
    y0 = cells[:, 1] * s
    shape = shapely.coverage_union_all(shapely.box(x0, y0, x0 + s, y0 + s))
    polys = list(getattr(shape, "geoms", [shape]))
    rings = []
    for p in polys:
        if p.is_empty or not hasattr(p, "exterior"):
            continue
        coords = np.asarray(p.exterior.coords)
        lon, lat = demand.unproject(coords[:, 0], coords[:, 1])
        rings.append([[round(float(a), 5), round(float(b), 5)] for a, b in zip(lon, lat, strict=True)])
    return rings


def violations(
    sites: Sequence[Site],
    offices: Sequence[Office],
    rules: dict[str, DistrictRule],
    codes: Iterable[str] | None = None,
) -> list[Violation]:
    """Every outlet pair and outlet–office pair breaking R8.4; only pairs touching ``codes`` when given."""
    ruled = [s for s in sites if s.status in RULED]
    wanted = set(codes) if codes is not None else None
    out: list[Violation] = []
    if len(ruled) > 1:
        limit_of = {c: r.min_outlet_m for c, r in rules.items()}
        reach = max([limit_of.get(s.code, 0) for s in ruled] + [0])
        if reach > 0:
            pts = xy_array(ruled)
            for i, j in sorted(cKDTree(pts).query_pairs(float(np.nextafter(reach, 0)))):
                a, b = ruled[i], ruled[j]
                if wanted is not None and a.code not in wanted and b.code not in wanted:
                    continue
                limit = pair_spacing_m(limit_of.get(a.code, 0), limit_of.get(b.code, 0))
                dist = float(math.hypot(a.x - b.x, a.y - b.y))
                if dist < limit:
                    out.append(Violation("outlet", a, b, dist, limit))
    if ruled and offices:
        otree = cKDTree(xy_array(offices))
        for s in ruled:
            if wanted is not None and s.code not in wanted:
                continue
            limit = rules[s.code].min_office_m if s.code in rules else 0
            if limit <= 0:
                continue
            for j in otree.query_ball_point([s.x, s.y], float(np.nextafter(limit, 0))):
                o = offices[j]
                dist = float(math.hypot(s.x - o.x, s.y - o.y))
                if dist < limit:
                    out.append(Violation("office", s, o, dist, limit))
    out.sort(key=lambda v: (v.kind != "outlet", v.distance_m / v.limit_m if v.limit_m else 0))
    return out


def analyse(
    d: Demand,
    sites: Sequence[Site],
    offices: Sequence[Office],
    rules: dict[str, DistrictRule],
    codes: Sequence[str],
    *,
    with_areas: bool = True,
    with_violations: bool = True,
    draw: int = 200,
) -> Analysis:
    """Coverage per district and for all ``codes``, uncovered areas and R8.4 violations."""
    cover_sites = [s for s in sites if s.status in COVERING]
    sxy = xy_array(cover_sites)
    covered = covered_mask(d, sxy, site_radii(cover_sites, rules))
    rows = []
    for code in codes:
        mask = d.code == code
        rows.append(
            DistrictCoverage(
                code=code,
                name=rules[code].name,
                radius_m=rules[code].radius_m,
                population=float(d.weight[mask].sum()),
                covered=float(d.weight[mask & covered].sum()),
                outlets=sum(1 for s in cover_sites if s.code == code),
            )
        )
    areas = uncovered_areas(d, covered, sxy, draw=draw) if with_areas else []
    viol = violations(sites, offices, rules, codes) if with_violations else []
    by_code = {r.code: r for r in rows}
    for a in areas:
        if a.code in by_code:
            by_code[a.code].areas += 1
    for v in viol:
        seen = {v.a.code} | ({v.b.code} if isinstance(v.b, Site) else set())
        for c in seen:
            if c in by_code:
                by_code[c].violations += 1
    return Analysis(list(codes), rows, areas, viol, d.method, len(d))


def existing_coverage(
    d: Demand, sites: Sequence[Site], rules: dict[str, DistrictRule], codes: Sequence[str]
) -> Analysis:
    """Existing coverage (operating outlets, each at its district's radius) of ``codes``: the one
    definition every page, run and export shows. No areas, no rule checks: just the figures."""
    return analyse(d, sites, [], rules, codes, with_areas=False, with_violations=False)


# --- the site recommendation's arguments --------------------------------------------------------------


def plan_arguments(
    rules: dict[str, DistrictRule],
    candidate_codes: Sequence[str],
    committed: Sequence[Site],
    offices: Sequence[Office],
) -> dict[str, Any]:
    """Keyword arguments of :func:`sheyin.planning.optimizer.plan` that carry every district's rules.

    Each candidate gets its own district's radius, minimum outlet distance and minimum office distance;
    each committed site (operating, accepted, suspended, and, as the planning settings say, outlets
    under application and adopted sites) covers at its own district's radius and keeps new sites at the
    larger of the two districts' minimums (:func:`sheyin.institutions.rules.pair_spacing_m`, applied by
    the optimizer, vectorised). City runs and district runs, the job and the benchmark all build their
    arguments here.
    """

    def rule(code: str) -> DistrictRule:
        return rules[code]

    return {
        "radius_m": np.array([rule(c).radius_m for c in candidate_codes], dtype=np.float64),
        "min_sep_m": np.array([rule(c).min_outlet_m for c in candidate_codes], dtype=np.float64),
        "existing_xy": xy_array(committed),
        "existing_radius_m": site_radii(committed, rules),
        "existing_own_min_m": np.array(
            [rules[s.code].min_outlet_m if s.code in rules else 0.0 for s in committed], dtype=np.float64
        ),
        "forbidden_xy": xy_array(offices),
        "forbidden_min_m": np.array([rule(c).min_office_m for c in candidate_codes], dtype=np.float64),
    }


# --- drawing helpers --------------------------------------------------------------------------------


def circles(items: Sequence[Any], radius_of: Any, n: int = CIRCLE_POINTS) -> list[list[list[float]]]:
    """Closed polygons of ``n`` points (lon/lat) approximating each item's coverage circle.

    Computed in the projected plane, so they are true circles on the ground; ``radius_of(item)`` in metres.
    """
    if not items:
        return []
    theta = np.linspace(0, 2 * math.pi, n + 1)
    cx = np.array([i.x for i in items])[:, None]
    cy = np.array([i.y for i in items])[:, None]
    r = np.array([float(radius_of(i)) for i in items])[:, None]
    lon, lat = demand.unproject(cx + r * np.cos(theta), cy + r * np.sin(theta))
    return [
        [[round(float(a), 5), round(float(b), 5)] for a, b in zip(lo, la, strict=True)]
        for lo, la in zip(lon, lat, strict=True)
    ]


def heat(d: Demand, cell_m: float) -> list[list[float]]:
    """Demand binned into square cells of ``cell_m`` for the heat layer: [lon, lat, weight] per cell."""
    if len(d) == 0:
        return []
    ix = np.floor(d.x / cell_m).astype(np.int64)
    iy = np.floor(d.y / cell_m).astype(np.int64)
    cells, inverse = np.unique(np.column_stack([ix, iy]), axis=0, return_inverse=True)
    w = np.bincount(inverse.reshape(-1), weights=d.weight, minlength=len(cells))
    keep = w > 0
    lon, lat = demand.unproject((cells[keep, 0] + 0.5) * cell_m, (cells[keep, 1] + 0.5) * cell_m)
    return [
        [round(float(a), 5), round(float(b), 5), round(float(c), 1)]
        for a, b, c in zip(lon, lat, w[keep], strict=True)
    ]


def bbox(codes: Sequence[str], pad: float = 0.02) -> list[float]:
    """[min lon, min lat, max lon, max lat] of the districts' polygons, padded (degrees)."""
    from sheyin.common import geo

    bounds = [geo.boundaries()[c].bounds for c in codes]
    return [
        round(min(b[0] for b in bounds) - pad, 5),
        round(min(b[1] for b in bounds) - pad, 5),
        round(max(b[2] for b in bounds) + pad, 5),
        round(max(b[3] for b in bounds) + pad, 5),
    ]
