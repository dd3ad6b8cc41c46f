"""The layout map in a real browser: it draws offline on the local boundaries and what-if answers at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.common import geo
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.planning.tests.factories import offset

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_district_map_draws_and_a_what_if_outlet_raises_the_coverage(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    chaoyang = district("110105")
    centre = geo.districts()["110105"].center
    for east, north in ((-6000, 6000), (6000, -6000)):
        lon, lat = offset(*centre, east, north)
        OutletFactory(district=chaoyang, lon=lon, lat=lat)
    user = user_with_role(Role.DISTRICT_OFFICER, agency=chaoyang)
    login_as(user.username, PASSWORD)
    page.goto(live_server.url + reverse("planning:map_district", args=["110105"]))
    page.wait_for_selector("#layout-map[data-ready='1'] canvas")
    assert page.locator("#fig-outlets").inner_text() == "2"
    before = page.locator("#fig-share").inner_text()
    page.click("#whatif-toggle")
    box = page.locator("#layout-map").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # the middle of 朝阳区
    page.wait_for_selector("#whatif-result[data-after-share]")
    after = float(page.locator("#whatif-result").get_attribute("data-after-share") or 0)
    assert after * 100 > float(before.rstrip("%"))
