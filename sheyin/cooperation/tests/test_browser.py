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
