"""Names are text everywhere they are shown (R9.3): markup planted in every name that reaches a chart or a
map — outlets, banks, SI offices, districts — shows as text in the tooltips of the public finder, the
outlet page, the layout check, the layout map and the ratings charts; no <img> or <a> is ever created.

Each tooltip is opened through ECharts itself (`showTip` on the data point that carries the name), so
the test does not depend on pixel positions."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.common import geo
from sheyin.institutions.models import Agency, Bank
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.planning.tests.factories import offset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEEDLE = "<img src=x"


def mark(label: str) -> str:
    """A name carrying an image and a link (both must stay text)."""
    return f'{label}<img src=x><a href="http://evil.example/{label}">点此</a>'


BANK_MARK = "<img src=x>工行"  # a bank's short name has 20 characters at most
DISTRICT_MARK = "<img src=x>朝阳区"  # so has a district's name

FIND_POINTS = """(needles) => {
  const found = [];
  document.querySelectorAll('[_echarts_instance_]').forEach((el) => {
    const chart = window.echarts.getInstanceByDom(el);
    if (!chart || !el.id) { return; }
    const option = chart.getOption();
    (option.series || []).forEach((s, si) => (s.data || []).forEach((d, di) => {
      const text = JSON.stringify(d);
      if (needles.some((n) => text.includes(n))) { found.push([el.id, si, di]); }
    }));
    ((option.xAxis || [])[0] || {}).data?.forEach((n, di) => {
      if (needles.some((x) => String(n).includes(x))) { found.push([el.id, 0, di]); }
    });
  });
  return found;
}"""
SHOW_TIP = """([id, si, di]) => {
  window.echarts.getInstanceByDom(document.getElementById(id))
    .dispatchAction({ type: 'showTip', seriesIndex: si, dataIndex: di });
}"""
TIP_SHOWS = """([id, needle]) => document.getElementById(id).innerText.includes(needle)"""
PLANTED_MARKUP = "img[src='x'], a[href^='http://evil.example']"


def assert_names_are_text(page: Any, expected: int) -> list[str]:
    """Open the tooltip of every data point that carries planted markup; each shows the markup as text."""
    points = page.evaluate(FIND_POINTS, [NEEDLE, "&lt;img src=x"])
    assert len(points) >= expected, points
    shown = []
    for chart_id, series, index in points:
        page.evaluate(SHOW_TIP, [chart_id, series, index])
        page.wait_for_function(TIP_SHOWS, arg=[chart_id, NEEDLE], timeout=5000)
        assert page.locator(PLANTED_MARKUP).count() == 0, (chart_id, series, index)
        shown.append(page.locator(f"#{chart_id}").inner_text())
    assert page.locator(PLANTED_MARKUP).count() == 0
    return shown


def test_the_public_finder_and_outlet_page_show_planted_names_as_text(page, live_server, reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(name=mark("网点"), bank=BankFactory(short_name=BANK_MARK))
    page.goto(f"{live_server.url}/outlets/?district=110105")
    page.wait_for_selector("#portal-map canvas")
    tips = assert_names_are_text(page, 1)
    assert any(mark("网点") in t for t in tips)  # the whole name, tags and all, as text
    page.goto(f"{live_server.url}/outlets/{outlet.code}/")
    page.wait_for_selector("#portal-map canvas")
    assert_names_are_text(page, 1)


def test_the_workbench_outlet_page_map_shows_a_planted_name_as_text(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory(name=mark("网点"))
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    login_as(user.username, PASSWORD)
    page.goto(live_server.url + reverse("institutions:outlet_detail", args=[outlet.pk]))
    page.wait_for_selector("#outlet-map canvas")
    assert_names_are_text(page, 1)


def test_the_layout_check_map_shows_planted_names_as_text(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.cooperation.tests.factories import cooperating, inspected, operating

    p = cooperating()
    near = operating(p, name=mark("近邻"))
    app = inspected(p, name=mark("拟设"), lon=near.lon + 0.003, lat=near.lat)
    login_as(p.district_officer.username, PASSWORD)
    page.goto(f"{live_server.url}/cooperation/applications/{app.pk}/layout/")
    page.wait_for_selector("#layout-map canvas")
    tips = assert_names_are_text(page, 2)  # the candidate and its neighbour
    assert any(mark("拟设") in t for t in tips) and any(mark("近邻") in t for t in tips)


def test_the_layout_map_shows_planted_outlet_bank_and_office_names_as_text(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    chaoyang = district("110105")
    Agency.objects.filter(pk=chaoyang.pk).update(name=mark("朝阳社保"), district_name=DISTRICT_MARK)
    centre = geo.districts()["110105"].center
    bank = BankFactory(short_name=BANK_MARK)
    for i, (east, north) in enumerate(((-6000, 6000), (6000, -6000))):
        lon, lat = offset(*centre, east, north)
        OutletFactory(district=chaoyang, bank=bank, name=mark(f"网点{i}"), lon=lon, lat=lat)
    user = user_with_role(Role.DISTRICT_OFFICER, agency=chaoyang)
    login_as(user.username, PASSWORD)
    page.goto(live_server.url + reverse("planning:map_district", args=["110105"]))
    page.wait_for_selector("#layout-map[data-ready='1'] canvas")
    tips = assert_names_are_text(page, 3)
    assert any(BANK_MARK in t for t in tips)  # the bank's name in the outlet's tooltip
    assert any(mark("朝阳社保") in t for t in tips)  # the SI office
    assert any(DISTRICT_MARK in t for t in tips)  # the district, in an uncovered area's tooltip
    page.click("#layout-map", position={"x": 5, "y": 5})  # the point card (textContent) stays text too
    assert page.locator(PLANTED_MARKUP).count() == 0
    assert Bank.objects.get(pk=bank.pk).short_name == BANK_MARK


def test_the_ratings_charts_show_planted_outlet_bank_and_district_names_as_text(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    from sheyin.ratings.tests.factories import completed_case, good, rate

    Agency.objects.filter(pk=district("110105").pk).update(name=mark("朝阳社保"))
    bank = BankFactory(short_name=BANK_MARK)
    for i in range(2):
        o = OutletFactory(district=district("110105"), bank=bank, name=mark(f"网点{i}"))
        rate(completed_case(o), good(5 - i))
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    login_as(user.username, PASSWORD)
    for by in ("outlet", "bank", "district"):
        page.goto(f"{live_server.url}/ratings/statistics/?by={by}")
        page.wait_for_selector("#ratings-bar canvas")
        assert_names_are_text(page, 1)
