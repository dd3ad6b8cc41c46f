"""Geometry on Beijing's district boundaries (GCJ-02 lon/lat), with shapely; no GDAL needed."""

from __future__ import annotations

import csv
import functools
import json
import math
import random
from dataclasses import dataclass
from pathlib import Path

from shapely import prepared
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

DATA = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_M = 6_371_008.8

# A generous box around Beijing (the municipality spans ~115.4–117.5 E, ~39.4–41.1 N).
BEIJING_BBOX = (115.3, 39.3, 117.6, 41.2)


@dataclass(frozen=True)
class District:
    adcode: str
    name: str
    name_en: str
    population: int
    area_km2: float
    center: tuple[float, float]


@functools.cache
def districts() -> dict[str, District]:
    with (DATA / "beijing_districts.csv").open(encoding="utf-8") as fh:
        return {
            row["adcode"]: District(
                adcode=row["adcode"],
                name=row["name"],
                name_en=row["name_en"],
                population=int(row["population_2020"]),
                area_km2=float(row["area_km2"]),
                center=(float(row["center_lng"]), float(row["center_lat"])),
            )
            for row in csv.DictReader(fh)
        }


@functools.cache
def geojson_text() -> str:
    return (DATA / "beijing_districts.geojson").read_text(encoding="utf-8")


@functools.cache
def boundaries() -> dict[str, BaseGeometry]:
    data = json.loads(geojson_text())
    return {f["properties"]["adcode"]: shape(f["geometry"]) for f in data["features"]}


@functools.cache
def _prepared() -> dict[str, prepared.PreparedGeometry]:
    return {code: prepared.prep(geom) for code, geom in boundaries().items()}


def valid_coordinates(lon: float, lat: float) -> bool:
    return all(math.isfinite(v) for v in (lon, lat)) and -180 <= lon <= 180 and -90 <= lat <= 90


def district_of(lon: float, lat: float) -> str | None:
    """The adcode of the district containing the point, or None outside Beijing."""
    if not valid_coordinates(lon, lat):
        return None
    pt = Point(lon, lat)
    for code, geom in _prepared().items():
        if geom.covers(pt):
            return code
    return None


def in_beijing(lon: float, lat: float) -> bool:
    return district_of(lon, lat) is not None


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def random_points_in(adcode: str, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """`n` points drawn uniformly inside the district polygon (rejection sampling)."""
    geom = boundaries()[adcode]
    prep = _prepared()[adcode]
    minx, miny, maxx, maxy = geom.bounds
    out: list[tuple[float, float]] = []
    while len(out) < n:
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if prep.contains(Point(lon, lat)):
            out.append((round(lon, 6), round(lat, 6)))
    return out
