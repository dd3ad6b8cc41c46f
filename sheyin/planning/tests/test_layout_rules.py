"""Site recommendations keep every district's rules (R8.4, R10.1): per-district radii in a city run, outlets
under application kept apart (as the municipal settings say), one existing-coverage figure on every page."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory, district, municipal
from sheyin.planning import demand, selectors, services
from sheyin.planning.models import CandidateSource, DemandSource, RunStatus
from sheyin.planning.tests.factories import candidate_import, demand_import, offset

pytestmark = pytest.mark.django_db
DONGCHENG, TONGZHOU, CHAOYANG = "110101", "110112", "110105"


def _run(by, **kw):  # type: ignore[no-untyped-def]
    run = services.plan_run_create(by=by, start=False, time_limit_s=20, **kw)
    assert services.plan_run_execute(run_id=run.pk) in (RunStatus.OPTIMAL, RunStatus.TIME_LIMIT)
    run.refresh_from_db()
    return run


def test_a_city_run_uses_each_districts_own_radius(reference) -> None:  # type: ignore[no-untyped-def]
    """A planted instance with a known answer. Candidate D in 东城 (radius 1,000 m) has 60 people 500 m away
    and 50 more 3 km away; candidate T in 通州 (radius 5,000 m) has 100 people 3 km away. With each district's
    own radius D covers 60 and T 100: T is the answer. With one radius for the city (5,000 m, the old
    behaviour) D would cover 110 and win; with 1,000 m, T would cover nothing."""
    dc = geo.districts()[DONGCHENG].center
    tz = geo.districts()[TONGZHOU].center
    d_site = offset(*dc, 0, -1400)
    t_site = offset(*tz, 8000, 0)
    assert geo.district_of(*d_site) == DONGCHENG and geo.district_of(*t_site) == TONGZHOU
    near_d, far_d, near_t = offset(*d_site, 500, 0), offset(*d_site, 0, 3000), offset(*t_site, 0, 3000)
    assert geo.district_of(*near_t) == TONGZHOU
    codes = [str(geo.district_of(*p)) for p in (near_d, far_d, near_t)]
    demand_layer = demand_import(
        None, [(*near_d, 60.0, codes[0]), (*far_d, 50.0, codes[1]), (*near_t, 100.0, codes[2])]
    )
    cands = candidate_import(None, [(*d_site, DONGCHENG), (*t_site, TONGZHOU)])
    muni = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    run = _run(muni, district=None, k=1, candidate_source=CandidateSource.IMPORT, candidate_import=cands,
               demand_source=DemandSource.IMPORT, demand_import=demand_layer)  # fmt: skip
    assert [s["code"] for s in run.result["sites"]] == [TONGZHOU]
    assert run.result["sites"][0]["radius"] == 5000
    assert run.result["covered"] == pytest.approx(100.0) and run.result["total"] == pytest.approx(210.0)
    assert run.rules[DONGCHENG][0] == 1000 and run.rules[TONGZHOU][0] == 5000
    assert run.radius_m is None


def _pending_instance():  # type: ignore[no-untyped-def]
    """An outlet under application at P; candidate A 500 m from it covers 1,000 people, candidate B 4 km away
    covers 300. 朝阳's minimum distance is 1,500 m."""
    centre = geo.districts()[CHAOYANG].center
    p = offset(*centre, 0, 2000)
    OutletFactory(district=district(CHAOYANG), lon=p[0], lat=p[1], status=OutletStatus.APPLYING)
    a, b = offset(*p, 500, 0), offset(*p, 4000, 0)
    pts = [(*offset(*a, 700, 0), 1000.0, CHAOYANG), (*b, 300.0, CHAOYANG)]
    return demand_import(district(CHAOYANG), pts), candidate_import(
        district(CHAOYANG), [(*a, CHAOYANG), (*b, CHAOYANG)]
    )


def test_a_site_within_the_spacing_of_a_pending_application_is_never_recommended(reference) -> None:  # type: ignore[no-untyped-def]
    layer, cands = _pending_instance()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district(CHAOYANG))
    args = {"district": district(CHAOYANG), "k": 2, "candidate_source": CandidateSource.IMPORT,
            "candidate_import": cands, "demand_source": DemandSource.IMPORT, "demand_import": layer}  # fmt: skip
    run = _run(officer, **args)
    assert [s["name"] for s in run.result["sites"]] == ["点1"]  # B only: A is 500 m from the pending outlet
    assert run.result["committed_counts"].get("applying") == 1 and "applying" in run.spacing_statuses
    assert run.greedy_result is not None and [s["name"] for s in run.greedy_result["sites"]] == ["点1"]
    # The municipal center may decide otherwise (design rule 8); the run records what it counted.
    muni = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    services.settings_update(space_from_applying=False, space_from_planned=True, by=muni)
    run2 = _run(officer, **args)
    assert sorted(s["name"] for s in run2.result["sites"]) == ["点0", "点1"]
    assert "applying" not in run2.spacing_statuses


def test_only_the_municipal_admin_changes_what_runs_count_as_existing(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.permissions import NotAllowed

    for role, agency in ((Role.MUNICIPAL_OFFICER, municipal()), (Role.DISTRICT_ADMIN, district(CHAOYANG))):
        with pytest.raises(NotAllowed):
            services.settings_update(
                space_from_applying=False, space_from_planned=False, by=user_with_role(role, agency=agency)
            )
    assert selectors.planning_settings().space_from_applying is True


def _number_after(label: str, text: str) -> str:
    m = re.search(re.escape(label) + r"\D*([\d,]+)", text)
    assert m, label
    return m.group(1)


def test_the_coverage_page_the_run_page_and_the_pdf_show_the_same_existing_coverage(
    client, reference, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    chaoyang = district(CHAOYANG)
    centre = geo.districts()[CHAOYANG].center
    for east, north in ((0, 0), (4000, 2000), (-5000, -3000)):
        lon, lat = offset(*centre, east, north)
        OutletFactory(district=chaoyang, lon=lon, lat=lat)
    pending = offset(*centre, 2500, -4000)
    OutletFactory(district=chaoyang, lon=pending[0], lat=pending[1], status=OutletStatus.APPLYING)
    admin = user_with_role(Role.DISTRICT_ADMIN, agency=chaoyang)
    run = _run(admin, district=chaoyang, k=3, candidate_source=CandidateSource.GRID, grid_spacing_m=2000)
    figure = selectors.existing_coverage(admin, chaoyang).covered
    shown, plain = f"{round(figure):,}", str(round(figure))  # the PDF groups digits; pages follow the locale
    assert run.result["existing"] == pytest.approx(figure, abs=0.1)
    assert run.result["committed"] > run.result["existing"]  # the pending outlet's area counts as served
    client.force_login(admin)
    page = client.get(reverse("planning:coverage"), {"district": CHAOYANG}).content.decode()
    assert (
        re.search(r'data-testid="coverage-share">([\d.]+)%', page).group(1)
        == f"{figure / chaoyang.population * 100:.1f}"
    )
    assert re.search(r"覆盖 ([\d,]+) /", page).group(1).replace(",", "") == plain
    run_page = client.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert re.search(r'data-testid="run-existing">([\d,]+)<', run_page).group(1).replace(",", "") == plain
    pdf = client.get(reverse("planning:run_export", args=[run.pk, "pdf"])).content
    (tmp_path / "run.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "run.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    assert "运营中" in text and shown in text
    assert _number_after("现有覆盖（运营中网点）", text.replace("\n", " ")) == shown
    # The city scope: the coverage page and the selector agree too.
    muni = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    city = selectors.existing_coverage(muni, None)
    assert city.covered == pytest.approx(sum(d.covered for d in city.districts))
    assert next(d for d in city.districts if d.code == CHAOYANG).covered == pytest.approx(figure)


def test_existing_coverage_is_refused_outside_the_users_scope(reference) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import PermissionDenied

    admin = user_with_role(Role.DISTRICT_ADMIN, agency=district(CHAOYANG))
    with pytest.raises(PermissionDenied):
        selectors.existing_coverage(admin, district("110108"))
    with pytest.raises(PermissionDenied):
        selectors.existing_coverage(admin, None)
    assert selectors.existing_coverage(admin, district(CHAOYANG)).population == pytest.approx(
        district(CHAOYANG).population
    )


def test_the_acceptance_check_and_the_coverage_report_apply_one_cross_district_rule(reference) -> None:  # type: ignore[no-untyped-def]
    """Decision 0121: the larger of the two districts' minimums. An applicant in 东城 (1,000 m) 1,200 m from a
    朝阳 outlet (1,500 m) breaks 朝阳's rule: both the acceptance check and the report say so."""
    from sheyin.cooperation import layout as acceptance

    dc = district(DONGCHENG)
    line = next(
        p for p in geo.random_points_in(DONGCHENG, 3000, __import__("random").Random(5))
        if geo.district_of(*offset(*p, 1200, 0)) == CHAOYANG
    )  # fmt: skip
    other = offset(*line, 1200, 0)
    neighbour = OutletFactory(district=district(CHAOYANG), lon=other[0], lat=other[1])
    result = acceptance.check(lon=line[0], lat=line[1], district=dc)
    assert [(v.pk, v.limit_m) for v in result.violations if v.kind == "outlet"] == [(neighbour.pk, 1500)]
    OutletFactory(district=dc, lon=line[0], lat=line[1])
    muni = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    report = selectors.layout(muni, None, with_areas=False).analysis.violations
    assert [(v.kind, v.limit_m) for v in report if v.kind == "outlet"] == [("outlet", 1500)]
    xy = np.column_stack(demand.project([line[0], other[0]], [line[1], other[1]]))
    assert 1150 < float(np.hypot(*(xy[0] - xy[1]))) < 1250
