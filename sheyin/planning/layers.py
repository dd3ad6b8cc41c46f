"""Imported demand layers in GeoJSON: sub-district (街道) populations as polygons, or a population grid as
points (R10.1: plan from where people live, not from a uniform density per district).

A FeatureCollection whose features carry a population (``population``, ``人口``, ``常住人口``, ``weight`` or
``权重``) and a geometry:

* **Point** — one demand point (a grid cell's centre, a 街道 centroid);
* **Polygon / MultiPolygon** — the population spread evenly over a square lattice inside the polygon (in
  projected metres, :func:`sheyin.planning.demand.project`; at most :data:`POLYGON_SPACING_M` apart and at
  least :data:`MIN_POINTS` points, or the polygon's representative point when it is too small), so that a
  街道 weighs where it lies.

Every feature is checked and every problem returned with its feature number (1-based) and a reason in
Chinese (plain constants, wrapped with gettext by the caller), like :func:`demand.validate_points`. Points
outside Beijing are refused; for a polygon, the lattice points outside Beijing are dropped and its
population kept on the rest. This module imports no Django.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape

from sheyin.common import geo

from . import demand

POLYGON_SPACING_M = 250.0
MIN_POINTS = 8
MAX_FEATURES = 50_000
POPULATION_KEYS = ("population", "人口", "常住人口", "pop", "weight", "权重")

E_NOT_JSON = "文件不是有效的GeoJSON（JSON格式错误）。"
E_NOT_COLLECTION = "GeoJSON应为FeatureCollection（要素集合）。"
E_NO_FEATURES = "GeoJSON中没有要素。"
E_TOO_MANY = "要素超过%(max)d个，之后的要素未读取。"
E_NO_GEOMETRY = "该要素没有几何图形。"
E_GEOMETRY_TYPE = "不支持的几何类型“%(kind)s”，应为点（Point）或面（Polygon、MultiPolygon）。"
E_GEOMETRY_INVALID = "几何图形无效（坐标缺失、不闭合或自相交）。"
E_NO_POPULATION = "缺少人口属性（population、人口或常住人口）。"
E_POPULATION_NOT_NUMBER = "人口不是数字：“%(value)s”。"
E_POPULATION_NEGATIVE = "人口不能为负数。"
E_OUTSIDE = "该要素不在北京市范围内。"


def looks_like_geojson(content: bytes) -> bool:
    head = content[:200].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"{")


def _population(props: Any) -> float | str:
    """The population of a feature, or an error reason."""
    if not isinstance(props, dict):
        return E_NO_POPULATION
    lowered = {str(k).strip().lower(): v for k, v in props.items()}
    key = next((k for k in POPULATION_KEYS if k in lowered and lowered[k] not in (None, "")), None)
    if key is None:
        return E_NO_POPULATION
    value = lowered[key]
    try:
        number = float(str(value).strip().replace(",", "")) if not isinstance(value, bool) else math.nan
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        return E_POPULATION_NOT_NUMBER % {"value": str(value)[:30]}
    if number < 0:
        return E_POPULATION_NEGATIVE
    return number


def _polygon_points(geom: Any) -> list[tuple[float, float]]:
    """Lattice points (lon/lat) inside a polygon, in Beijing; the representative point when none."""
    projected = shapely.transform(geom, lambda c: np.column_stack(demand.project(c[:, 0], c[:, 1])))
    area = float(projected.area)
    spacing = min(POLYGON_SPACING_M, math.sqrt(area / MIN_POINTS)) if area > 0 else POLYGON_SPACING_M
    spacing = max(spacing, 20.0)
    minx, miny, maxx, maxy = projected.bounds
    xs = np.arange(minx + spacing / 2, maxx, spacing)
    ys = np.arange(miny + spacing / 2, maxy, spacing)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(projected, gx, gy) if len(gx) else np.zeros(0, dtype=bool)
    if not inside.any():
        rp = projected.representative_point()
        gx, gy, inside = np.array([rp.x]), np.array([rp.y]), np.array([True])
    lon, lat = demand.unproject(gx[inside], gy[inside])
    return [(round(float(a), 6), round(float(b), 6)) for a, b in zip(lon, lat, strict=True)]


def read_features(content: bytes) -> tuple[list[demand.ImportedPoint], list[demand.RowError]]:
    """Demand points and every feature error of a GeoJSON file (``row`` = feature number). Never raises."""
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return [], [demand.RowError(1, E_NOT_JSON)]
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        return [], [demand.RowError(1, E_NOT_COLLECTION)]
    features = data.get("features")
    if not isinstance(features, list) or not features:
        return [], [demand.RowError(1, E_NO_FEATURES)]
    points: list[demand.ImportedPoint] = []
    errors: list[demand.RowError] = []
    for number, feature in enumerate(features, start=1):
        if number > MAX_FEATURES:
            errors.append(demand.RowError(number, E_TOO_MANY % {"max": MAX_FEATURES}))
            break
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict):
            errors.append(demand.RowError(number, E_NO_GEOMETRY))
            continue
        kind = str(geometry.get("type", ""))
        if kind not in ("Point", "Polygon", "MultiPolygon"):
            errors.append(demand.RowError(number, E_GEOMETRY_TYPE % {"kind": kind[:20]}))
            continue
        population = _population(feature.get("properties"))
        if isinstance(population, str):
            errors.append(demand.RowError(number, population))
            continue
        try:
            geom = shape(geometry)
            valid = not geom.is_empty and geom.is_valid
        except Exception:
            valid = False
        if not valid:
            errors.append(demand.RowError(number, E_GEOMETRY_INVALID))
            continue
        spots = [(geom.x, geom.y)] if kind == "Point" else _polygon_points(geom)
        located = [(lon, lat, code) for lon, lat in spots if (code := geo.district_of(lon, lat)) is not None]
        if not located:
            errors.append(demand.RowError(number, E_OUTSIDE))
            continue
        share = population / len(located)
        points += [demand.ImportedPoint(number, lon, lat, share, code) for lon, lat, code in located]
    return points, errors
