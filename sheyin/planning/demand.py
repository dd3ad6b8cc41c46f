"""Demand model for outlet site planning: where the people to be served are, in metres.

Projection
    Coordinates are GCJ-02 lon/lat (as in :mod:`sheyin.common.geo`). They are projected with pyproj
    to an azimuthal equidistant plane centred on Tian'anmen (116.3975 E, 39.9087 N) on the WGS 84
    ellipsoid. Within Beijing (at most ~170 km from the centre) the scale error of this projection is
    below 0.1 % in any direction, so a Euclidean distance between two projected points is within 0.1 %
    of the ellipsoidal geodesic (the tests check < 0.5 % against ``pyproj.Geod`` and the haversine
    distance of ``geo.distance_m``, whose sphere itself differs from the ellipsoid by up to ~0.3 %).
    GCJ-02 differs from WGS 84 by a smoothly varying offset of a few hundred metres; over a coverage
    radius of kilometres that offset is a near-constant translation and does not affect distances.

Demand grid
    Each district's 2020 census population is spread evenly over a regular square grid (lattice
    ``((i + ½)·s, (j + ½)·s)`` in projected metres, the same lattice for every district) clipped to
    the district polygon: every grid point of a district weighs ``population / points``. A district
    too small to hold a grid point gets one point at its representative point, so the weights of a
    district always sum to its population. Optionally (``centre_decay_m``) weights fall off
    exponentially with the distance to the district centre, ``exp(-d / decay)``, renormalised to the
    district population: a crude way to put more people in the urban core of the large outer
    districts. Without it the model is uniform density per district, which overstates demand in the
    mountains of the outer districts; it is the documented baseline, not a population map.

Imported points
    :func:`validate_points` checks user-uploaded rows (longitude, latitude, weight) as a whole file
    and returns every row error with its row number and a reason in Chinese. It never raises.
    The reasons are plain ``str`` constants (``%(name)s`` placeholders) to be wrapped with gettext
    by the Django layer; this module imports no Django so that it stays fast and testable alone.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from sheyin.common import geo

FloatArray = npt.NDArray[np.float64]

# Centre of the projection: Tian'anmen Square.
PROJ_CENTER = (116.3975, 39.9087)
PROJ_STRING = (
    f"+proj=aeqd +lat_0={PROJ_CENTER[1]} +lon_0={PROJ_CENTER[0]} +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
)
DEFAULT_SPACING_M = 500.0
MAX_IMPORT_ROWS = 200_000

# Row error reasons (Chinese, to be wrapped with gettext by the caller).
E_NO_ROWS = "文件中没有数据行。"
E_UNREADABLE_FILE = "无法读取文件内容。"
E_TOO_MANY_ROWS = "数据行超过%(max)d行，之后的行未读取。"
E_ROW_FORMAT = "无法识别该行，应依次填写经度、纬度、权重。"
E_LON_MISSING = "缺少经度。"
E_LAT_MISSING = "缺少纬度。"
E_LON_NOT_NUMBER = "经度不是数字：“%(value)s”。"
E_LAT_NOT_NUMBER = "纬度不是数字：“%(value)s”。"
E_WEIGHT_NOT_NUMBER = "权重不是数字：“%(value)s”。"
E_WEIGHT_NEGATIVE = "权重不能为负数。"
E_COORDS_INVALID = "经纬度数值无效。"
E_OUTSIDE_BEIJING = "该坐标不在北京市范围内（经度%(lon).6f，纬度%(lat).6f）。"
E_OUTSIDE_BEIJING_SWAPPED = "该坐标不在北京市范围内，经度和纬度可能填反了。"

_LON_KEYS = ("longitude", "lon", "lng", "经度")
_LAT_KEYS = ("latitude", "lat", "纬度")
_WEIGHT_KEYS = ("weight", "w", "权重", "人口")


@functools.cache
def _transformer() -> Transformer:
    return Transformer.from_crs("EPSG:4326", PROJ_STRING, always_xy=True)


def project(lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Project lon/lat (degrees, scalars or arrays) to planar metres around Beijing; vectorised."""
    lon_a = np.asarray(lon, dtype=np.float64)
    lat_a = np.asarray(lat, dtype=np.float64)
    x, y = _transformer().transform(lon_a, lat_a)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def unproject(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`project`: planar metres back to lon/lat degrees."""
    lon, lat = _transformer().transform(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), direction="INVERSE"
    )
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def _project_coords(coords: FloatArray) -> FloatArray:
    x, y = project(coords[:, 0], coords[:, 1])
    return np.column_stack([x, y])


@functools.cache
def projected_boundaries() -> dict[str, BaseGeometry]:
    """District polygons in projected metres (prepared for fast point-in-polygon tests)."""
    out: dict[str, BaseGeometry] = {}
    for code, geom in geo.boundaries().items():
        g = shapely.transform(geom, _project_coords)
        shapely.prepare(g)
        out[code] = g
    return out


@dataclass(frozen=True)
class DemandSet:
    """Weighted demand points; all arrays have the same length."""

    lon: FloatArray
    lat: FloatArray
    x: FloatArray
    y: FloatArray
    weight: FloatArray
    adcode: npt.NDArray[np.str_]
    spacing_m: float | None = None

    def __len__(self) -> int:
        return int(self.weight.shape[0])

    @property
    def xy(self) -> FloatArray:
        """(n, 2) array of projected coordinates, as the optimizer takes them."""
        return np.column_stack([self.x, self.y])

    @property
    def total_weight(self) -> float:
        return float(self.weight.sum())


def _lattice_in(geom: BaseGeometry, spacing_m: float) -> tuple[FloatArray, FloatArray]:
    minx, miny, maxx, maxy = geom.bounds
    i = np.arange(math.floor(minx / spacing_m - 0.5), math.ceil(maxx / spacing_m - 0.5) + 1)
    j = np.arange(math.floor(miny / spacing_m - 0.5), math.ceil(maxy / spacing_m - 0.5) + 1)
    mesh_x, mesh_y = np.meshgrid((i + 0.5) * spacing_m, (j + 0.5) * spacing_m)
    gx, gy = mesh_x.ravel(), mesh_y.ravel()
    inside = shapely.contains_xy(geom, gx, gy)
    return gx[inside], gy[inside]


def _spacing_for(codes: Sequence[str], target_points: int) -> float:
    """Grid spacing whose grid over ``codes`` holds about ``target_points`` points."""
    polys = projected_boundaries()
    area = sum(polys[c].area for c in codes)
    spacing = math.sqrt(area / max(target_points, 1))
    best, best_err = spacing, math.inf
    for _ in range(6):
        count = sum(len(_lattice_in(polys[c], spacing)[0]) for c in codes)
        err = abs(count - target_points)
        if err < best_err:
            best, best_err = spacing, err
        if err <= max(1, target_points // 1000) or count == 0:
            break
        spacing *= math.sqrt(count / target_points)
    return best


def grid_demand(
    adcodes: Iterable[str] | None = None,
    spacing_m: float = DEFAULT_SPACING_M,
    *,
    target_points: int | None = None,
    centre_decay_m: float | None = None,
) -> DemandSet:
    """Census population of the given districts (default: all 16) spread over a regular grid.

    ``target_points``, when given, overrides ``spacing_m`` with the spacing whose grid holds about
    that many points in total. ``centre_decay_m`` turns on the exponential centre weighting described
    in the module docstring.
    """
    info = geo.districts()
    polys = projected_boundaries()
    codes = list(info) if adcodes is None else list(dict.fromkeys(adcodes))
    unknown = [c for c in codes if c not in polys or c not in info]
    if unknown:
        raise ValueError(f"unknown district adcode(s): {', '.join(unknown)}")
    if target_points is not None:
        spacing_m = _spacing_for(codes, target_points)
    if not (spacing_m > 0 and math.isfinite(spacing_m)):
        raise ValueError("spacing_m must be a positive number")
    if centre_decay_m is not None and not centre_decay_m > 0:
        raise ValueError("centre_decay_m must be positive")

    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    ws: list[FloatArray] = []
    cs: list[npt.NDArray[np.str_]] = []
    for code in codes:
        geom = polys[code]
        gx, gy = _lattice_in(geom, spacing_m)
        if gx.size == 0:
            rp = geom.representative_point()
            gx, gy = np.array([rp.x]), np.array([rp.y])
        if centre_decay_m is None:
            raw = np.ones(gx.size)
        else:
            cx, cy = project(*info[code].center)
            raw = np.exp(-np.hypot(gx - cx, gy - cy) / centre_decay_m)
        ws.append(raw * (info[code].population / raw.sum()))
        xs.append(gx)
        ys.append(gy)
        cs.append(np.full(gx.size, code))
    x = np.concatenate(xs) if xs else np.empty(0)
    y = np.concatenate(ys) if ys else np.empty(0)
    lon, lat = unproject(x, y)
    return DemandSet(
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        weight=np.concatenate(ws) if ws else np.empty(0),
        adcode=np.concatenate(cs) if cs else np.empty(0, dtype=np.str_),
        spacing_m=spacing_m,
    )


# --- imported points ---------------------------------------------------------------------------


class RowError(NamedTuple):
    """One problem in an imported file: ``row`` is the 1-based row number as the user sees it."""

    row: int
    reason: str


@dataclass(frozen=True)
class ImportedPoint:
    row: int
    lon: float
    lat: float
    weight: float
    adcode: str


def _is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(value: object) -> float | None:
    """A finite-or-not float from a cell, or None when the cell is not a number at all."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal | np.integer | np.floating):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip().replace("．", ".")
        # Full-width digits and minus sign, as typed with a Chinese IME.
        text = text.translate({0xFF0D: "-", 0x2212: "-", **{0xFF10 + d: str(d) for d in range(10)}})
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _shown(value: object) -> str:
    try:
        text = str(value)
    except Exception:
        text = "?"
    return text if len(text) <= 30 else text[:29] + "…"


def _cells(row: object) -> tuple[object, object, object] | None:
    """(lon, lat, weight) cells of a row, or None when the row has no recognisable shape."""
    if isinstance(row, Mapping):
        lowered: dict[str, object] = {}
        for key, val in row.items():
            if isinstance(key, str):
                lowered.setdefault(key.strip().lower(), val)

        def pick(keys: tuple[str, ...]) -> object:
            return next((lowered[k] for k in keys if k in lowered), None)

        if not any(k in lowered for k in _LON_KEYS + _LAT_KEYS):
            return None
        return pick(_LON_KEYS), pick(_LAT_KEYS), pick(_WEIGHT_KEYS)
    if isinstance(row, Sequence) and not isinstance(row, str | bytes | bytearray):
        cells = list(row)
        if not len(cells) >= 2 or any(not _is_blank(c) for c in cells[3:]):
            return None
        return cells[0], cells[1], cells[2] if len(cells) > 2 else None
    return None


def _check_row(number: int, row: object) -> ImportedPoint | RowError | None:
    """An ImportedPoint, a RowError, or None for a blank row (skipped)."""
    if row is None or (isinstance(row, str) and not row.strip()):
        return None
    if isinstance(row, Sequence) and not isinstance(row, str | bytes) and all(_is_blank(c) for c in row):
        return None
    cells = _cells(row)
    if cells is None:
        return RowError(number, E_ROW_FORMAT)
    raw_lon, raw_lat, raw_w = cells
    if _is_blank(raw_lon):
        return RowError(number, E_LON_MISSING)
    if _is_blank(raw_lat):
        return RowError(number, E_LAT_MISSING)
    lon = _number(raw_lon)
    if lon is None:
        return RowError(number, E_LON_NOT_NUMBER % {"value": _shown(raw_lon)})
    lat = _number(raw_lat)
    if lat is None:
        return RowError(number, E_LAT_NOT_NUMBER % {"value": _shown(raw_lat)})
    weight = 1.0 if _is_blank(raw_w) else _number(raw_w)
    if weight is None or not math.isfinite(weight):
        return RowError(number, E_WEIGHT_NOT_NUMBER % {"value": _shown(raw_w)})
    if weight < 0:
        return RowError(number, E_WEIGHT_NEGATIVE)
    code = geo.district_of(lon, lat)
    if code is None:
        if geo.in_beijing(lat, lon):
            return RowError(number, E_OUTSIDE_BEIJING_SWAPPED)
        if not geo.valid_coordinates(lon, lat):
            return RowError(number, E_COORDS_INVALID)
        return RowError(number, E_OUTSIDE_BEIJING % {"lon": lon, "lat": lat})
    return ImportedPoint(row=number, lon=lon, lat=lat, weight=weight, adcode=code)


def validate_points(
    rows: Any, *, first_row: int = 1, max_rows: int = MAX_IMPORT_ROWS
) -> tuple[list[ImportedPoint], list[RowError]]:
    """Check every row of an imported file; return the good points and all row errors.

    A row is a sequence ``(longitude, latitude[, weight])`` or a mapping with keys such as
    ``longitude``/``经度``, ``latitude``/``纬度``, ``weight``/``权重``. A blank weight counts as 1;
    blank rows are skipped. ``first_row`` is the number the user sees for the first row (2 when the
    file has a header line). Never raises, whatever ``rows`` is; the caller decides whether a file
    with errors is rejected as a whole.
    """
    points: list[ImportedPoint] = []
    errors: list[RowError] = []
    seen = 0
    if isinstance(rows, str | bytes | bytearray | Mapping):
        return [], [RowError(first_row, E_UNREADABLE_FILE)]  # a file's text is not a list of rows
    try:
        iterator = iter(rows)
    except TypeError:
        return [], [RowError(first_row, E_UNREADABLE_FILE)]
    number = first_row - 1
    try:
        for row in iterator:
            number += 1
            if seen >= max_rows:
                errors.append(RowError(number, E_TOO_MANY_ROWS % {"max": max_rows}))
                break
            try:
                checked = _check_row(number, row)
            except Exception:
                checked = RowError(number, E_ROW_FORMAT)
            if checked is None:
                continue
            seen += 1
            if isinstance(checked, RowError):
                errors.append(checked)
            else:
                points.append(checked)
    except Exception:
        errors.append(RowError(number + 1, E_UNREADABLE_FILE))
    if seen == 0 and not errors:
        errors.append(RowError(first_row, E_NO_ROWS))
    return points, errors


def demand_from_points(points: Sequence[ImportedPoint]) -> DemandSet:
    """A DemandSet from validated imported points."""
    lon = np.array([p.lon for p in points], dtype=np.float64)
    lat = np.array([p.lat for p in points], dtype=np.float64)
    x, y = project(lon, lat)
    return DemandSet(
        lon=lon,
        lat=lat,
        x=x,
        y=y,
        weight=np.array([p.weight for p in points], dtype=np.float64),
        adcode=np.array([p.adcode for p in points], dtype=np.str_),
    )
