"""Data scope of every scoped planning model for every role (design rule 2; see accounts' test_scope_matrix).

Models walked here: DemandImport, DemandPoint, CandidateImport, CandidateSite, PlanRun. Municipal users see
all, a district sees its own district's rows only (never the city-wide ones), banks and outlets see nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.planning import selectors
from sheyin.planning.models import CandidateImport, CandidateSite, DemandImport, DemandPoint, PlanRun
from sheyin.planning.tests.factories import candidate_import, demand_import, plan_run

pytestmark = pytest.mark.django_db

MODELS = [DemandImport, DemandPoint, CandidateImport, CandidateSite, PlanRun]


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home, other = district("110105"), district("110108")
    rows = {}
    for key, d in (("home", home), ("other", other), ("city", None)):
        code = d.code if d else "110101"
        lon, lat = geo.districts()[code].center
        rows[key] = {
            "demand": demand_import(d, [(lon, lat, 5.0, code)], name=f"需求-{key}"),
            "candidate": candidate_import(d, [(lon, lat, code)], name=f"候选-{key}"),
            "run": plan_run(d),
        }
    outlet = OutletFactory(district=home, bank=BankFactory())
    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=home)
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=outlet.bank)
        else:
            users[role] = user_with_role(role, outlet=outlet)
    return {"rows": rows, "users": users}


def expected_keys(role: Role) -> set[str]:
    level = LEVEL[role]
    if level == Level.ALL:
        return {"home", "other", "city"}
    if level == Level.DISTRICT:
        return {"home"}
    return set()


def _key_of(model: type, obj: object, rows: dict) -> str:  # type: ignore[type-arg]
    for key, objs in rows.items():
        if model is DemandImport and obj == objs["demand"]:
            return key
        if model is CandidateImport and obj == objs["candidate"]:
            return key
        if model is PlanRun and obj == objs["run"]:
            return key
        if model is DemandPoint and obj.demand_import_id == objs["demand"].pk:  # type: ignore[attr-defined]
            return key
        if model is CandidateSite and obj.candidate_import_id == objs["candidate"].pk:  # type: ignore[attr-defined]
            return key
    raise AssertionError(obj)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_planning_model_returns_exactly_the_scope(world, role, model) -> None:  # type: ignore[no-untyped-def]
    seen = {_key_of(model, o, world["rows"]) for o in scoped(model.objects.all(), world["users"][role])}
    assert seen == expected_keys(role)


@pytest.mark.parametrize("role", list(Role))
def test_selectors_and_pages_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    rows = world["rows"]
    allowed = expected_keys(role)
    assert {_key_of(PlanRun, r, rows) for r in selectors.runs_for(user)} == allowed
    assert {_key_of(DemandImport, r, rows) for r in selectors.demand_imports_for(user)} == allowed
    assert {_key_of(CandidateImport, r, rows) for r in selectors.candidate_imports_for(user)} == allowed
    assert {_key_of(DemandPoint, r, rows) for r in selectors.demand_points_for(user)} == allowed
    assert {_key_of(CandidateSite, r, rows) for r in selectors.candidate_sites_for(user)} == allowed
    client.force_login(user)
    can_view = user.has_perm("planning.view")
    listing = client.get(reverse("planning:import_list"), {"kind": "demand"})
    if not can_view:
        assert listing.status_code == 403
    else:
        body = listing.content.decode()
        assert all((f"需求-{k}" in body) == (k in allowed) for k in rows)
    for key, objs in rows.items():
        pages = [
            reverse("planning:run_detail", args=[objs["run"].pk]),
            reverse("planning:import_detail", args=["demand", objs["demand"].pk]),
            reverse("planning:import_detail", args=["candidate", objs["candidate"].pk]),
            reverse("planning:import_file", args=["demand", objs["demand"].pk]),
        ]
        for url in pages:
            status = client.get(url).status_code
            if not can_view:
                assert status == 403, url
            else:
                assert status == (200 if key in allowed else 404), (key, url)


@pytest.mark.parametrize("role", list(Role))
def test_planned_sites_and_planning_settings_follow_their_scope(world, role) -> None:  # type: ignore[no-untyped-def]
    """PlannedSite: a district sees its own; municipal users and banks (who apply there) see every one;
    outlets and individuals none. PlanningSettings: one reference row every level reads."""
    from sheyin.planning.models import PlannedSite, PlanningSettings

    sites = {}
    for key in ("home", "other"):
        run = world["rows"][key]["run"]
        lon, lat = geo.districts()[run.district.code].center
        sites[key] = PlannedSite.objects.create(
            run=run, rank=1, district=run.district, name=f"点-{key}", lon=lon, lat=lat
        )
    PlanningSettings.objects.create()
    user = world["users"][role]
    level = LEVEL[role]
    want = (
        {"home", "other"}
        if level in (Level.ALL, Level.BANK)
        else {"home"}
        if level == Level.DISTRICT
        else set()
    )
    seen = {k for k, s in sites.items() if scoped(PlannedSite.objects.all(), user).filter(pk=s.pk).exists()}
    assert seen == want
    assert scoped(PlanningSettings.objects.all(), user).count() == 1
