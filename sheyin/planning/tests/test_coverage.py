"""Coverage analysis (R10.1) and the minimum-distance rule (R8.4) on planted instances, checked independently."""

from __future__ import annotations

import random

import numpy as np
import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory, district, municipal
from sheyin.planning import coverage, demand, selectors
from sheyin.planning.tests.factories import offset

CHAOYANG = "110105"
CENTRE = geo.districts()[CHAOYANG].center


def rule(code: str = CHAOYANG, radius: float = 1000, min_outlet: float = 1500, min_office: float = 1500) -> coverage.DistrictRule:  # fmt: skip
    return coverage.DistrictRule(code, geo.districts()[code].name, 1, 0, radius, min_outlet, min_office)


def test_coverage_counts_exactly_the_weight_within_the_radius() -> None:
    """A planted instance: the share is the weight of points within 1,000 m by haversine, computed here."""
    pts = [
        (0, 0, 10.0),
        (500, 0, 20.0),
        (0, 980, 5.0),
        (1030, 0, 7.0),
        (3000, 3000, 100.0),
        (-700, -650, 3.0),
    ]
    lonlat = [(*offset(*CENTRE, e, n), w) for e, n, w in pts]
    d = coverage.imported_demand([(lon, lat, w, CHAOYANG) for lon, lat, w in lonlat], {CHAOYANG: rule()})
    site = coverage.with_xy([coverage.Site(1, "网点", "银行", "operating", CHAOYANG, *CENTRE)])
    a = coverage.analyse(d, site, [], {CHAOYANG: rule()}, [CHAOYANG])
    expected = sum(w for lon, lat, w in lonlat if geo.distance_m(lon, lat, *CENTRE) <= 1000)
    assert expected == 38.0  # 10 + 20 + 5 + 3; the points at 1,030 m and ~4.2 km are out
    assert a.districts[0].covered == pytest.approx(expected)
    assert a.share == pytest.approx(expected / 145.0)


def test_only_operating_outlets_give_coverage() -> None:
    d = coverage.imported_demand([(*CENTRE, 1.0, CHAOYANG)], {CHAOYANG: rule()})
    for status in ("accepted", "applying", "suspended", "terminated"):
        site = coverage.with_xy([coverage.Site(1, "网点", "银行", status, CHAOYANG, *CENTRE)])
        assert coverage.analyse(d, site, [], {CHAOYANG: rule()}, [CHAOYANG]).covered == 0


@pytest.mark.django_db
def test_the_district_coverage_equals_a_brute_force_count_over_the_census_grid(reference) -> None:  # type: ignore[no-untyped-def]
    """Census grid of 朝阳区 (250 m), an outlet inside it and one in 东城区 near the line: every grid point's
    distance to every outlet, in numpy, against the analysis (KD-tree, per-district radius)."""
    chaoyang = district(CHAOYANG)
    inner = offset(*CENTRE, 2000, 1500)
    OutletFactory(district=chaoyang, lon=inner[0], lat=inner[1])
    rng = random.Random(3)
    polys = demand.projected_boundaries()
    near = next(
        p for p in geo.random_points_in("110101", 400, rng)
        if polys[CHAOYANG].distance(__import__("shapely").Point(*demand.project(*p))) < 600
    )  # fmt: skip
    OutletFactory(district=district("110101"), lon=near[0], lat=near[1])
    OutletFactory(district=chaoyang, lon=CENTRE[0], lat=CENTRE[1], status=OutletStatus.APPLYING)
    user = user_with_role(Role.DISTRICT_ADMIN, agency=chaoyang)
    layout = selectors.layout(user, chaoyang)

    grid = demand.grid_demand([CHAOYANG], 250.0)
    sites = np.column_stack(demand.project([inner[0], near[0]], [inner[1], near[1]]))
    dist = np.sqrt(((grid.xy[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    expected = float(grid.weight[dist <= 1000].sum())
    row = layout.analysis.districts[0]
    assert expected > 0 and row.covered == pytest.approx(expected)
    assert row.population == pytest.approx(geo.districts()[CHAOYANG].population)
    assert row.outlets == 1  # the 东城区 outlet covers across the line but is not counted as 朝阳's
    # Every uncovered person lies in exactly one listed area.
    assert sum(a.population for a in layout.analysis.areas) == pytest.approx(row.population - row.covered)
    assert [a.population for a in layout.analysis.areas] == sorted(
        (a.population for a in layout.analysis.areas), reverse=True
    )


@pytest.mark.django_db
def test_violations_list_exactly_the_pairs_closer_than_the_minimum_distances(reference) -> None:  # type: ignore[no-untyped-def]
    """R8.4: A–B 1,000 m apart (minimum 1,500 m) and D 800 m from the 朝阳 office; nothing else."""
    chaoyang = district(CHAOYANG)
    office = (chaoyang.lon, chaoyang.lat)
    p = offset(*CENTRE, 0, 9000)
    a = OutletFactory(district=chaoyang, name="甲", lon=p[0], lat=p[1])
    b = OutletFactory(district=chaoyang, name="乙", lon=offset(*p, 1000, 0)[0], lat=offset(*p, 1000, 0)[1],
                      status=OutletStatus.ACCEPTED)  # fmt: skip
    OutletFactory(district=chaoyang, name="丙", lon=offset(*p, 0, 4000)[0], lat=offset(*p, 0, 4000)[1])
    dd = offset(*office, 800, 0)
    d = OutletFactory(district=chaoyang, name="丁", lon=dd[0], lat=dd[1])
    e = offset(*p, 0, -500)
    OutletFactory(
        district=chaoyang, name="戊", lon=e[0], lat=e[1], status=OutletStatus.APPLYING
    )  # not yet sited
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    viol = selectors.layout(user, chaoyang).analysis.violations
    found = {(v.kind, v.a.pk, v.b.pk) for v in viol}
    assert found == {("outlet", a.pk, b.pk), ("office", d.pk, chaoyang.pk)}
    by_kind = {v.kind: v for v in viol}
    assert by_kind["outlet"].distance_m == pytest.approx(1000, rel=0.01)
    assert by_kind["outlet"].limit_m == 1500
    assert by_kind["office"].distance_m == pytest.approx(800, rel=0.01)


def test_a_pair_across_a_district_line_takes_the_stricter_minimum() -> None:
    rules = {CHAOYANG: rule(min_outlet=1500), "110101": rule("110101", min_outlet=1000)}
    p = offset(*CENTRE, 0, 0)
    q = offset(*CENTRE, 1200, 0)
    sites = coverage.with_xy([
        coverage.Site(1, "甲", "", "operating", CHAOYANG, *p), coverage.Site(2, "乙", "", "operating", "110101", *q)
    ])  # fmt: skip
    assert [(v.a.pk, v.b.pk, v.limit_m) for v in coverage.violations(sites, [], rules)] == [(1, 2, 1500)]


@pytest.mark.django_db
def test_the_coverage_of_a_district_does_not_change_when_cases_are_added_at_one_outlet(
    reference, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """R10.1: the census is the demand model. 13 cases at one outlet once halved demand near every other one;
    now they appear in their own layer and every coverage figure stays the census figure."""
    from sheyin.planning import views

    chaoyang = district(CHAOYANG)
    busy = OutletFactory(district=chaoyang, lon=CENTRE[0], lat=CENTRE[1])
    far = offset(*CENTRE, 6000, 0)
    OutletFactory(district=chaoyang, lon=far[0], lat=far[1])
    user = user_with_role(Role.DISTRICT_ADMIN, agency=chaoyang)
    monkeypatch.setattr(coverage, "case_counts_by_outlet", lambda: None)
    before = selectors.existing_coverage(user, chaoyang)
    layout_before = selectors.layout(user, chaoyang)
    monkeypatch.setattr(coverage, "case_counts_by_outlet", lambda: {busy.pk: 13})
    after = selectors.existing_coverage(user, chaoyang)
    layout_after = selectors.layout(user, chaoyang)
    assert after.covered == pytest.approx(before.covered) and after.share == pytest.approx(before.share)
    assert layout_after.analysis.covered == pytest.approx(layout_before.analysis.covered)
    assert layout_after.demand.method == "census"
    assert np.array_equal(layout_after.demand.weight, layout_before.demand.weight)
    # The census figure, counted independently: grid points within 1,000 m of either outlet.
    grid = demand.grid_demand([CHAOYANG], 250.0)
    sites = np.column_stack(demand.project([CENTRE[0], far[0]], [CENTRE[1], far[1]]))
    dist = np.sqrt(((grid.xy[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    assert after.covered == pytest.approx(float(grid.weight[dist <= 1000].sum()))
    # Business frequency is shown as its own layer.
    payload = views.map_payload(layout_after)
    assert [a[2] for a in payload["activity"]] == [13]


def test_coverage_is_counted_at_each_outlets_own_radius_as_the_map_draws_it() -> None:
    """A 5 km outlet of 通州 next to 朝阳 (1 km) covers 朝阳 people within 5 km: the circle drawn."""
    rules = {CHAOYANG: rule(radius=1000), "110112": rule("110112", radius=5000)}
    pts = [(*offset(*CENTRE, 3000, 0), 1.0, CHAOYANG), (*offset(*CENTRE, 800, 0), 1.0, CHAOYANG)]
    d = coverage.imported_demand(pts, rules)
    tongzhou = coverage.with_xy([coverage.Site(1, "通州网点", "", "operating", "110112", *CENTRE)])
    chaoyang = coverage.with_xy([coverage.Site(2, "朝阳网点", "", "operating", CHAOYANG, *CENTRE)])
    assert coverage.analyse(d, tongzhou, [], rules, [CHAOYANG]).covered == 2.0
    assert coverage.analyse(d, chaoyang, [], rules, [CHAOYANG]).covered == 1.0


@pytest.mark.django_db
def test_without_a_case_model_the_demand_is_census_only(reference, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Casework is built separately: if it has no Case model the analysis degrades to census and says so."""
    from django.apps import apps

    real = apps.get_model

    def no_case(app_label: str, model_name: str | None = None, require_ready: bool = True):  # type: ignore[no-untyped-def]
        if app_label == "casework":
            raise LookupError("no Case model")
        return real(app_label, model_name, require_ready)

    monkeypatch.setattr(apps, "get_model", no_case)
    assert coverage.case_counts_by_outlet() is None
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district(CHAOYANG))
    layout = selectors.layout(user, district(CHAOYANG))
    assert layout.demand.method == "census" and not layout.cases_available


def test_coverage_circles_are_true_circles_on_the_ground() -> None:
    site = coverage.with_xy([coverage.Site(1, "网点", "", "operating", CHAOYANG, *CENTRE)])
    ring = coverage.circles(site, lambda s: 1000)[0]
    assert len(ring) == coverage.CIRCLE_POINTS + 1 and ring[0] == ring[-1]
    assert all(geo.distance_m(lon, lat, *CENTRE) == pytest.approx(1000, rel=0.005) for lon, lat in ring)
