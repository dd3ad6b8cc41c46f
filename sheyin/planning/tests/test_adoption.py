"""From recommendation to application (R10.1, R4.2): a district adopts a recommended site, the layout map
shows it, later runs keep apart from it, and a bank starts an outlet application there (linked both ways)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.cooperation import services as cooperation
from sheyin.cooperation.tests.factories import application_data, cooperating, files
from sheyin.institutions.tests.factories import district
from sheyin.planning import selectors, services, views
from sheyin.planning.models import CandidateSource, DemandSource, PlannedSite, PlannedSiteStatus, RunStatus
from sheyin.planning.tests.factories import candidate_import, demand_import, offset

pytestmark = pytest.mark.django_db
CHAOYANG = "110105"


@pytest.fixture
def finished(reference):  # type: ignore[no-untyped-def]
    """A finished 朝阳 run recommending one imported candidate far from every office."""
    centre = geo.districts()[CHAOYANG].center
    site = offset(*centre, 3000, 3000)
    layer = demand_import(district(CHAOYANG), [(*offset(*site, 300, 0), 500.0, CHAOYANG)])
    cands = candidate_import(district(CHAOYANG), [(*site, CHAOYANG)])
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district(CHAOYANG))
    run = services.plan_run_create(
        district=district(CHAOYANG), k=1, candidate_source=CandidateSource.IMPORT, candidate_import=cands,
        demand_source=DemandSource.IMPORT, demand_import=layer, by=officer, start=False,
    )  # fmt: skip
    services.plan_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.OPTIMAL and len(run.result["sites"]) == 1
    return {"run": run, "officer": officer, "site": site}


def test_adoption_creates_the_planned_site_and_the_application_link(client, finished) -> None:  # type: ignore[no-untyped-def]
    run, officer = finished["run"], finished["officer"]
    planned = services.planned_site_adopt(run=run, rank=1, note="拟设于商业区", by=officer)
    assert planned.status == PlannedSiteStatus.PLANNED and planned.district.code == CHAOYANG
    assert (planned.lon, planned.lat) == (run.result["sites"][0]["lon"], run.result["sites"][0]["lat"])
    # The layout map shows it; a later run keeps apart from it (as an existing site).
    layout = selectors.layout(officer, district(CHAOYANG), with_areas=False)
    assert [p["name"] for p in views.map_payload(layout)["planned"]] == [planned.name]
    assert "planned" in selectors.spacing_statuses()
    with pytest.raises(ValidationError):
        services.planned_site_adopt(run=run, rank=1, by=officer)  # adopted once

    # A bank with a municipal agreement opens the form from the planned site: place and district filled in.
    p = cooperating(CHAOYANG)
    client.force_login(p.bank_admin)
    listing = client.get(reverse("planning:planned_list")).content.decode()
    assert f"?planned_site={planned.pk}" in listing
    form = client.get(reverse("cooperation:application_create"), {"planned_site": planned.pk})
    assert form.status_code == 200 and form.context["planned"] == planned
    assert (
        form.context["form"].initial["lon"] == planned.lon
        and form.context["form"].initial["district"] == planned.district
    )
    # The service links the application to the site (and so to its run).
    data = application_data(CHAOYANG, lon=planned.lon, lat=planned.lat, planned_site=planned)
    app = cooperation.outlet_application_create(bank=p.bank, data=data, files=files(), by=p.bank_admin)
    assert app.planned_site == planned and app.planned_site.run == run
    detail = client.get(reverse("cooperation:application_detail", args=[app.pk])).content.decode()
    assert 'data-testid="planned-site-link"' in detail and planned.name in detail
    # Taken: no second application at the site, and the district cannot withdraw it while the application lives.
    assert not selectors.open_planned_sites_for(p.bank_admin).filter(pk=planned.pk).exists()
    with pytest.raises(ValidationError):
        cooperation.outlet_application_create(
            bank=p.bank, data=application_data(CHAOYANG, planned_site=planned), files=files(), by=p.bank_admin
        )
    with pytest.raises(ValidationError):
        services.planned_site_withdraw(site=planned, reason="调整规划", by=officer)


def test_an_application_from_a_planned_site_goes_to_the_sites_district(finished) -> None:  # type: ignore[no-untyped-def]
    planned = services.planned_site_adopt(run=finished["run"], rank=1, by=finished["officer"])
    p = cooperating("110108")
    with pytest.raises(ValidationError) as exc:
        cooperation.outlet_application_create(
            bank=p.bank, data=application_data("110108", planned_site=planned), files=files(), by=p.bank_admin
        )
    assert "district" in exc.value.message_dict


def test_a_withdrawn_site_leaves_the_map_and_cannot_be_applied_at(finished) -> None:  # type: ignore[no-untyped-def]
    officer = finished["officer"]
    planned = services.planned_site_adopt(run=finished["run"], rank=1, by=officer)
    with pytest.raises(ValidationError):
        services.planned_site_withdraw(site=planned, reason="", by=officer)
    services.planned_site_withdraw(site=planned, reason="规划调整", by=officer)
    planned.refresh_from_db()
    assert planned.status == PlannedSiteStatus.WITHDRAWN and planned.withdraw_reason == "规划调整"
    assert selectors.planned_site_points() == []
    p = cooperating(CHAOYANG)
    with pytest.raises(ValidationError):
        cooperation.outlet_application_create(
            bank=p.bank, data=application_data(CHAOYANG, planned_site=planned), files=files(), by=p.bank_admin
        )


def test_who_may_adopt_and_withdraw(finished) -> None:  # type: ignore[no-untyped-def]
    run = finished["run"]
    for role, kw in (
        (Role.DISTRICT_INSPECTOR, {"agency": district(CHAOYANG)}),
        (Role.DISTRICT_OFFICER, {"agency": district("110108")}),
    ):
        with pytest.raises(NotAllowed):
            services.planned_site_adopt(run=run, rank=1, by=user_with_role(role, **kw))
    assert not PlannedSite.objects.exists()
    with pytest.raises(ValidationError):
        services.planned_site_adopt(run=run, rank=9, by=finished["officer"])  # no such recommended site


def test_a_site_that_is_now_too_close_to_an_outlet_cannot_be_adopted(finished) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.models import OutletStatus
    from sheyin.institutions.tests.factories import OutletFactory

    lon, lat = finished["site"]
    near = offset(lon, lat, 400, 0)
    OutletFactory(district=district(CHAOYANG), lon=near[0], lat=near[1], status=OutletStatus.APPLYING)
    with pytest.raises(ValidationError) as exc:
        services.planned_site_adopt(run=finished["run"], rank=1, by=finished["officer"])
    assert "最小间距" in " ".join(exc.value.messages)


def test_the_adopt_button_goes_through_the_service(client, finished) -> None:  # type: ignore[no-untyped-def]
    run = finished["run"]
    client.force_login(finished["officer"])
    url = reverse("planning:planned_site_adopt", args=[run.pk, 1])
    assert client.get(url).status_code == 405
    client.post(url, {"note": "商圈"})
    planned = PlannedSite.objects.get()
    assert planned.note == "商圈" and planned.run == run
    page = client.get(reverse("planning:run_detail", args=[run.pk])).content.decode()
    assert 'data-testid="adopted"' in page
    client.post(url)  # twice: refused with a message, nothing new
    assert PlannedSite.objects.count() == 1
