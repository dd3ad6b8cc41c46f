"""The lifecycle in a real browser (Debian's chromium): the tablet inspection form, the layout map, the
public plaque page. Console errors fail the test (conftest's `page`)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sheyin.accounts.tests.factories import PASSWORD
from sheyin.cooperation import services
from sheyin.cooperation.models import SiteInspection

from .factories import cooperating, inspected, operating, png_bytes, submitted

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_inspector_fills_the_checklist_on_a_tablet(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    app = services.outlet_application_admit(application=submitted(p), by=p.district_officer)
    page.set_viewport_size({"width": 1024, "height": 768})
    login_as(p.inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/cooperation/applications/{app.pk}/")
    page.click("text=开始/继续现场检查")
    page.wait_for_selector("#inspection-form")
    insp = SiteInspection.objects.get()
    for r in insp.results.all():
        page.click(f"label[for=r{r.item_id}p]")
    assert page.locator("#coop-answered").inner_text() == str(insp.results.count())
    first = insp.results.first()
    page.set_input_files(
        f"#p{first.item_id}", files=[{"name": "door.png", "mimeType": "image/png", "buffer": png_bytes()}]
    )
    page.fill(f"#n{first.item_id}", "标牌已悬挂")
    page.on("dialog", lambda d: d.accept())
    page.click("button[name=complete]")
    page.wait_for_selector("text=检查已完成")
    # Let the photo thumbnails finish loading before this thread reads the database: with SQLite the test
    # server's threads share one connection with the test.
    page.wait_for_load_state("networkidle")
    insp.refresh_from_db()
    assert insp.passed is True and first.photos.count() == 1
    assert page.locator("img.coop-photo-thumb").count() == 1


def test_the_layout_map_and_the_public_plaque_page(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    near = operating(p, name="近邻网点")
    app = inspected(p, name="拟设网点", lon=near.lon + 0.003, lat=near.lat)
    login_as(p.district_officer.username, PASSWORD)
    page.goto(f"{live_server.url}/cooperation/applications/{app.pk}/layout/")
    page.wait_for_selector("#layout-map canvas")
    assert "距网点“近邻网点”" in page.locator("main").inner_text()
    plaque = near.plaques.get()
    page.goto(f"{live_server.url}/verify/plaque/{plaque.number}/")
    assert page.locator("[data-testid=verdict]").inner_text() == "有效"
    services.termination_propose(
        outlet=near,
        kind="unilateral",
        ground="violation",
        reason="违规",
        notice_date=timezone.localdate(),
        effective_date=timezone.localdate(),
        by=p.district_officer,
    )
    services.termination_approve(termination=near.terminations.get(), by=p.district_admin)
    page.goto(f"{live_server.url}/verify/plaque/{plaque.number}/")
    assert "已失效" in page.locator("[data-testid=verdict]").inner_text()


def test_the_site_picker_checks_the_layout_as_the_site_is_entered(
    page, live_server, login_as, reference
) -> None:  # type: ignore[no-untyped-def]
    """Issue 18 item 5: the map (local boundaries, no tiles) with nearby outlets, offices and the district's
    minimum-distance circle; the check runs as the site moves; names are shown as text."""
    import math

    from .factories import far_point, operating_outlet_direct

    p = cooperating()
    near = operating_outlet_direct(p.bank, point=far_point(p.district), name="近邻<i>网点</i>")
    login_as(p.bank_admin.username, PASSWORD)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live_server.url}/cooperation/applications/new/")
    page.wait_for_selector("#site-map canvas")
    page.select_option("#id_district", str(p.district.pk))
    lon = near.lon + 600 / (111320 * math.cos(math.radians(near.lat)))
    page.fill("#id_lon", f"{lon:.6f}")
    page.fill("#id_lat", f"{near.lat:.6f}")
    page.wait_for_selector("#site-result .alert-danger")
    result = page.locator("#site-result").inner_text()
    assert "不符合最小间距要求" in result and "近邻<i>网点</i>" in result  # text, not HTML
    assert "朝阳区最小间距" in result
    kinds = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('site-map')).getOption().series.map(s => s.type)"
    )
    assert "custom" in kinds and "scatter" in kinds  # the circle, the outlets and the site
    far = far_point(p.district)
    page.fill("#id_lon", f"{far[0]:.6f}")
    page.fill("#id_lat", f"{far[1]:.6f}")
    page.wait_for_selector("#site-result .alert-success")  # the stale result is gone with the old site
    assert "近邻" not in page.locator("#site-result").inner_text()
    box = page.locator("#site-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function(f"document.getElementById('id_lon').value !== '{far[0]:.6f}'")
    assert 115.3 < float(page.input_value("#id_lon")) < 117.6
    assert all(r.startswith(live_server.url) for r in requests), "no request may leave the site"
