"""The census demand grid, the projection and the validation of imported points."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from sheyin.common import geo
from sheyin.planning import demand
from sheyin.planning.demand import RowError, grid_demand, validate_points

TIANANMEN = (116.3975, 39.9087)


@pytest.fixture(scope="module")
def coarse_grid() -> demand.DemandSet:
    return grid_demand(spacing_m=2000.0)


def test_grid_weights_sum_to_each_district_population(coarse_grid: demand.DemandSet) -> None:
    for code, district in geo.districts().items():
        in_district = coarse_grid.adcode == code
        assert in_district.any()
        assert coarse_grid.weight[in_district].sum() == pytest.approx(district.population)
    assert coarse_grid.total_weight == pytest.approx(21_893_095)


def test_grid_points_lie_inside_their_district_polygons(coarse_grid: demand.DemandSet) -> None:
    for code, geom in geo.boundaries().items():
        mask = coarse_grid.adcode == code
        # Exactly inside the projected polygon; within ~1 m of the lon/lat polygon after unprojecting.
        assert shapely.contains_xy(
            demand.projected_boundaries()[code], coarse_grid.x[mask], coarse_grid.y[mask]
        ).all()
        gaps = shapely.distance(geom, shapely.points(coarse_grid.lon[mask], coarse_grid.lat[mask]))
        assert float(np.max(gaps)) < 1e-5


def test_grid_spacing_is_regular_and_shared_by_all_districts(coarse_grid: demand.DemandSet) -> None:
    offsets = np.concatenate([coarse_grid.x, coarse_grid.y]) / 2000.0 - 0.5
    assert np.allclose(offsets, np.round(offsets))


def test_a_district_too_small_for_the_grid_still_carries_its_population() -> None:
    grid = grid_demand(["110101"], spacing_m=50_000.0)
    assert len(grid) == 1
    assert grid.weight[0] == geo.districts()["110101"].population
    assert geo.district_of(float(grid.lon[0]), float(grid.lat[0])) == "110101"


def test_target_points_gives_about_that_many_points() -> None:
    grid = grid_demand(["110105"], target_points=2000)
    assert abs(len(grid) - 2000) <= 20
    assert grid.spacing_m is not None and 400 < grid.spacing_m < 550


def test_centre_decay_keeps_district_totals_and_weights_the_centre_more() -> None:
    flat = grid_demand(["110108"], spacing_m=1000.0)
    peaked = grid_demand(["110108"], spacing_m=1000.0, centre_decay_m=5000.0)
    assert peaked.total_weight == pytest.approx(flat.total_weight)
    cx, cy = demand.project(*geo.districts()["110108"].center)
    near = np.hypot(peaked.x - cx, peaked.y - cy) < 3000
    assert peaked.weight[near].mean() > flat.weight[near].mean()


def test_unknown_adcode_is_rejected() -> None:
    with pytest.raises(ValueError, match="999999"):
        grid_demand(["999999"])


def test_projected_distances_match_geodesics_within_half_a_percent() -> None:
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(115.4, 117.5, 400), rng.uniform(39.4, 41.1, 400)
    x, y = demand.project(lon, lat)
    i, j = rng.integers(0, 400, 2000), rng.integers(0, 400, 2000)
    keep = i != j
    i, j = i[keep], j[keep]
    planar = np.hypot(x[i] - x[j], y[i] - y[j])
    _, _, geodesic = Geod(ellps="WGS84").inv(lon[i], lat[i], lon[j], lat[j])
    assert float(np.max(np.abs(planar / geodesic - 1))) < 0.001  # < 0.1 % against the ellipsoid
    haversine = np.array(
        [geo.distance_m(lon[a], lat[a], lon[b], lat[b]) for a, b in zip(i[:200], j[:200], strict=True)]
    )
    assert float(np.max(np.abs(planar[:200] / haversine - 1))) < 0.005  # the sphere itself is off by ~0.3 %


def test_project_is_centred_on_tiananmen_and_round_trips() -> None:
    x, y = demand.project(*TIANANMEN)
    assert abs(float(x)) < 1e-6 and abs(float(y)) < 1e-6
    lon = np.array([115.5, 116.4, 117.4])
    lat = np.array([39.5, 39.9, 41.0])
    back_lon, back_lat = demand.unproject(*demand.project(lon, lat))
    assert np.allclose(back_lon, lon, atol=1e-9) and np.allclose(back_lat, lat, atol=1e-9)


def _reasons(errors: list[RowError]) -> dict[int, str]:
    return {e.row: e.reason for e in errors}


def test_validate_points_names_each_bad_row_with_a_chinese_reason() -> None:
    rows = [
        ["116.40", "39.90", "120"],
        ["东经116", "39.90", "1"],
        [121.47, 31.23, 5],
        [116.40, 39.90, -3],
        [116.41, 39.91, "many"],
        [116.42, 39.92],
    ]
    points, errors = validate_points(rows, first_row=2)
    reasons = _reasons(errors)
    assert set(reasons) == {3, 4, 5, 6}
    assert "经度不是数字" in reasons[3] and "东经116" in reasons[3]
    assert "不在北京市范围内" in reasons[4]
    assert reasons[5] == demand.E_WEIGHT_NEGATIVE
    assert "权重不是数字" in reasons[6]
    assert [(p.row, p.weight, p.adcode) for p in points] == [(2, 120.0, "110101"), (7, 1.0, "110101")]


def test_validate_points_hints_at_swapped_coordinates_and_rejects_nan() -> None:
    _, errors = validate_points([[39.9, 116.4, 1], [float("nan"), 39.9, 1], [116.4, 39.9, float("inf")]])
    reasons = _reasons(errors)
    assert reasons[1] == demand.E_OUTSIDE_BEIJING_SWAPPED
    assert reasons[2] == demand.E_COORDS_INVALID
    assert "权重不是数字" in reasons[3]


def test_validate_points_accepts_mappings_decimals_and_full_width_digits() -> None:
    rows = [
        {"经度": "116.4", "纬度": "39.9", "权重": Decimal("2.5")},
        {"Longitude": 116.3, "Latitude": 40.0},
        ["１１６.４", "３９.９", "１"],
        ["", None, ""],  # blank row: skipped
    ]
    points, errors = validate_points(rows)
    assert errors == []
    assert [p.weight for p in points] == [2.5, 1.0, 1.0]
    ds = demand.demand_from_points(points)
    assert len(ds) == 3 and ds.total_weight == 4.5 and np.isfinite(ds.xy).all()


class _Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no")


def _exploding_rows():  # type: ignore[no-untyped-def]
    yield [116.4, 39.9, 1]
    raise OSError("disk gone")


@pytest.mark.parametrize(
    "rows",
    [
        None,
        "",
        "116.4,39.9,1",
        42,
        {},
        {"经度": 116.4},
        [None, "", {}, {"x": 1}, [], [None], 7, b"bytes", object(), [_Unprintable(), 39.9, 1]],
        [[116.4, 39.9, 1, "extra"], [True, 39.9, 1], [[116.4], 39.9], [116.4, 39.9, {}]],
        _exploding_rows(),
    ],
)
def test_validate_points_never_raises_on_garbage(rows: object) -> None:
    points, errors = validate_points(rows)
    assert isinstance(points, list) and isinstance(errors, list)
    assert points or errors  # something is always said about a file


def test_validate_points_reports_an_empty_file_and_caps_the_row_count() -> None:
    assert _reasons(validate_points([])[1]) == {1: demand.E_NO_ROWS}
    points, errors = validate_points([[116.4, 39.9, 1]] * 5, max_rows=3)
    assert len(points) == 3 and [e.row for e in errors] == [4]


cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.decimals(allow_nan=True),
    st.floats(115.3, 117.6),
    st.floats(39.3, 41.2),
)
row = st.one_of(cell, st.lists(cell, max_size=5), st.dictionaries(st.text(max_size=4), cell, max_size=4))


@settings(max_examples=30, deadline=None)
@given(st.lists(row, max_size=12))
def test_validate_points_partitions_any_rows_into_points_and_errors(rows: list[object]) -> None:
    points, errors = validate_points(rows)
    assert len({p.row for p in points} & {e.row for e in errors}) == 0
    assert all(p.weight >= 0 and geo.in_beijing(p.lon, p.lat) for p in points)
    assert all(isinstance(e.reason, str) and e.reason for e in errors)
