"""The outlet's site as it is entered (R8.4): the live layout check behind the map picker, every error of
the application form in one round, and a stored layout result cleared when the site moves."""

from __future__ import annotations

import math

import pytest
from django.urls import reverse

from sheyin.cooperation import services
from sheyin.cooperation.models import OutletApplication
from sheyin.institutions.models import Outlet

from .factories import application_data, cooperating, district, far_point, files, operating_outlet_direct

pytestmark = pytest.mark.django_db
CHECK = "cooperation:layout_check"


def test_the_live_check_reports_the_violations_and_the_districts_minimum_distances(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    near = operating_outlet_direct(p.bank, point=far_point(p.district), name="近邻<b>网点</b>")
    client.force_login(p.bank_admin)
    lon = near.lon + 596 / (111320 * math.cos(math.radians(near.lat)))
    body = client.get(reverse(CHECK), {"lon": lon, "lat": near.lat, "district": p.district.pk}).json()
    assert body["checked"] and not body["ok"]
    assert (body["min_outlet_m"], body["district"]) == (1500, "朝阳区")
    assert any("近邻<b>网点</b>" in v and "小于最小间距1500米" in v for v in body["violations"])
    assert any(o["bad"] and o["name"] == "近邻<b>网点</b>" for o in body["outlets"])  # text for the script


def test_the_live_check_names_every_problem_of_the_site_at_once(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    client.force_login(p.bank_admin)
    outside = client.get(reverse(CHECK), {"lon": "121.47", "lat": "31.23", "district": p.district.pk}).json()
    assert "不在北京市范围内" in outside["errors"]["lon"] and not outside["checked"]
    haidian = far_point(district("110108"))
    wrong = client.get(
        reverse(CHECK), {"lon": haidian[0], "lat": haidian[1], "district": p.district.pk}
    ).json()
    assert "坐标位于海淀区" in wrong["errors"]["district"]
    nothing = client.get(reverse(CHECK), {"lon": "abc", "lat": "nan", "district": "x"}).json()
    assert set(nothing["errors"]) == {"lon", "district"}


def test_the_live_check_is_scoped_and_needs_a_login(client, reference) -> None:  # type: ignore[no-untyped-def]
    p, other = cooperating(), cooperating()
    theirs = operating_outlet_direct(other.bank, point=far_point(other.district))
    url = reverse(CHECK)
    params = {"lon": theirs.lon, "lat": theirs.lat, "district": theirs.district_id, "outlet": theirs.pk}
    assert client.get(url, params).status_code == 302  # to the login page
    client.force_login(p.bank_admin)
    assert client.get(url, params).status_code == 404  # another bank's outlet does not exist here
    client.force_login(other.bank_admin)
    assert client.get(url, params).json()["checked"]


def test_the_application_form_shows_every_error_in_one_round_and_writes_nothing(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    client.force_login(p.bank_admin)
    data = application_data()
    form = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items()}
    form.update(lon="121.47", lat="31.23", phone="电话：请拨打", terminals="两台")
    resp = client.post(reverse("cooperation:application_create"), form)
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "不在北京市范围内" in body  # the site
    assert "电话号码格式不正确" in body  # the phone
    assert 'id="id_terminals-err"' in body  # the field the form could not read
    assert 'id="site-map"' in body
    assert not OutletApplication.objects.exists() and not Outlet.objects.exists()


def test_moving_the_site_of_a_returned_application_clears_its_stale_layout_result(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = services.outlet_application_create(
        bank=p.bank, data=application_data(), files=files(), by=p.bank_admin
    )
    app = services.outlet_application_submit(application=app, by=p.bank_admin)
    assert app.layout_result is not None
    app = services.outlet_application_return(application=app, reason="补充照片", by=p.district_officer)
    lon, lat = far_point(p.district)
    app = services.outlet_application_update(application=app, data={"lon": lon, "lat": lat}, by=p.bank_admin)
    assert app.layout_result is None and app.layout_checked_at is None
    app = services.outlet_application_submit(application=app, by=p.bank_admin)
    assert app.layout_result["lon"] == lon  # checked again, at the new site
