"""The portal in a real browser (Debian's chromium), on a phone-sized and a desktop screen: each public flow,
and axe-core finding no serious or critical accessibility violation on any public page (WCAG 2.1 AA),
in normal and elderly-friendly mode. No request may leave the server."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.portal import coords, selectors, services
from sheyin.portal.demo import leaflet_pdf
from sheyin.portal.tests.factories import notice
from sheyin.staffing.tests.factories import StaffFactory, active_grant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": (390, 844), "desktop": (1280, 900)}
HOME = (116.4551, 39.9087)  # WGS-84, near Jianguomen (Chaoyang/Dongcheng)
AXE = "vendor/axe-core/axe.min.js"


@pytest.fixture
def site(reference, media):  # type: ignore[no-untyped-def]
    bank = BankFactory(short_name="工商银行")
    outlets = [OutletFactory(bank=bank, district=district(c)) for c in ("110105",) * 6 + ("110108",) * 4]
    for o in outlets:
        active_grant(StaffFactory(outlet=o))  # R9.1: their windows are staffed
    leaflet = services.material_create(
        data={"title": "社银合作网点服务指南", "summary": "在网点能办什么", "kind": "leaflet",
              "file": SimpleUploadedFile("a.pdf", leaflet_pdf("社银合作网点服务指南", [("说明", ["一行"])]))},
        by=None,
    )  # fmt: skip
    services.material_publish(material=leaflet, by=None)
    notice("outlet_opened", "新设网点公示：工商银行测试网点", days_ago=1)
    return {"outlets": outlets, "leaflet": leaflet}


@contextmanager
def browser(
    chromium, live_server, size: str, *, elderly: bool = False, here: tuple[float, float] | None = None
) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    w, h = SIZES[size]
    opts: dict[str, Any] = {"viewport": {"width": w, "height": h}, "locale": "zh-CN"}
    if here:
        opts.update(geolocation={"longitude": here[0], "latitude": here[1]}, permissions=["geolocation"])
    ctx = chromium.new_context(**opts)
    if elderly:
        ctx.add_cookies([{"name": "sheyin_elderly", "value": "1", "url": live_server.url}])
    page = ctx.new_page()
    problems: list[str] = []
    host = urlparse(live_server.url).netloc
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: problems.append(f"off-site request {r.url}")
            if urlparse(r.url).netloc not in ("", host) and not r.url.startswith("data:") else None)  # fmt: skip
    try:
        yield page
    finally:
        ctx.close()
    assert not problems, problems


@pytest.mark.parametrize("size", list(SIZES))
def test_a_citizen_finds_an_outlet_reads_a_guide_and_checks_things(chromium, live_server, site, size) -> None:  # type: ignore[no-untyped-def]
    url = live_server.url
    with browser(chromium, live_server, size, here=HOME) as page:
        # 1. Nearest outlets from the browser's location (asked only on the button press).
        page.goto(url + "/")
        with page.expect_navigation():
            page.get_by_role("button", name="查找离我最近的网点").click()
        q = parse_qs(urlparse(page.url).query)
        assert q["datum"] == ["wgs84"]
        want = selectors.nearest_outlets(*coords.wgs84_to_gcj02(*HOME))
        rows = page.locator("[data-testid=nearest-list] [data-testid=outlet-row]")
        assert rows.count() == len(want) == 10
        assert want[0].outlet.name in rows.first.inner_text()
        assert rows.first.locator("[data-testid=distance]").inner_text().endswith(("米", "公里"))

        # 2. By district, then the outlet's page with its hours and services.
        page.goto(url + "/outlets/")
        page.select_option("#f-district", "110108")
        with page.expect_navigation():
            page.get_by_role("button", name="查询").click()
        names = page.locator("[data-testid=outlet-row] h3").all_inner_texts()
        assert len(names) == 4
        with page.expect_navigation():
            page.locator("[data-testid=outlet-row] h3 a").first.click()
        assert page.get_by_text("营业时间").is_visible()
        assert page.get_by_role("heading", name="可办理的事项").is_visible()

        # 3. A point picked on the map lists the outlets nearest to it.
        page.goto(url + "/outlets/nearest/")
        page.wait_for_selector("#portal-map canvas")
        page.wait_for_load_state("networkidle")
        box = page.locator("#portal-map").bounding_box()
        with page.expect_navigation():
            page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.8)
        assert "/outlets/" in page.url
        if "/outlets/nearest/" in page.url:  # an empty spot (not an outlet's marker) was clicked
            assert parse_qs(urlparse(page.url).query)["datum"] == ["gcj02"]
            assert page.locator("[data-testid=outlet-row]").count() == 10

        # 4. The service guide: what to bring and where to go.
        item = next(i for i in selectors.guide_items() if i.needs_card_machine)
        page.goto(url + "/services/")
        with page.expect_navigation():
            page.get_by_role("link", name=item.name, exact=True).click()
        assert page.get_by_role("heading", name="需要带的材料").is_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="在地图上查看所有可办网点").click()
        assert page.locator("[data-testid=outlet-row]").count() == 10

        # 5. Policy: the leaflet is a real PDF served by this site.
        page.goto(url + "/policy/")
        with page.expect_navigation():
            page.get_by_role("link", name="社银合作网点服务指南").click()
        href = page.get_by_test_id("download").get_attribute("href")
        pdf = page.request.get(url + href)
        assert (
            pdf.status == 200
            and pdf.headers["content-type"] == "application/pdf"
            and pdf.body()[:5] == b"%PDF-"
        )

        # 6. Notices and their Atom feed.
        page.goto(url + "/notices/")
        with page.expect_navigation():
            page.get_by_role("link", name="新设网点公示：工商银行测试网点").click()
        assert page.get_by_role("heading", name="新设网点公示：工商银行测试网点").is_visible()
        feed = page.request.get(url + "/notices/feed.atom")
        assert feed.status == 200 and b"<feed" in feed.body()

        # 7. Verify a plaque: forwarded to the lifecycle's page, or told clearly that it is not there yet.
        from sheyin.cooperation.tests.factories import operating_outlet_direct

        number = operating_outlet_direct().plaques.get().number
        page.goto(url + "/verify/")
        page.fill("#id_number", number)
        page.get_by_role("button", name="核验标牌").click()
        page.wait_for_load_state()
        assert f"/verify/plaque/{number}/" in page.url
        assert page.get_by_test_id("verdict").inner_text() == "有效"

        # 8. Rate from a receipt: until ratings exist the page says so plainly.
        page.goto(url + "/rate/")
        if "sheyin.ratings" not in settings.INSTALLED_APPS:
            assert page.get_by_test_id("rate-unavailable").is_visible()

        # 9. Elderly-friendly mode: larger type, and it stays on across pages.
        page.goto(url + "/services/")
        with page.expect_navigation():
            page.get_by_test_id("elderly-toggle").click()
        for path in ("/services/", "/outlets/", "/"):
            page.goto(url + path)
            assert "elderly" in (page.locator("body").get_attribute("class") or "")
            root_px = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
            assert root_px >= 16 * 1.25
        with page.expect_navigation():
            page.get_by_test_id("elderly-toggle").click()
        assert "elderly" not in (page.locator("body").get_attribute("class") or "")


def public_pages(site) -> list[str]:  # type: ignore[no-untyped-def]
    item = selectors.guide_items()[0].code
    outlet = site["outlets"][0]
    note = selectors.notices()[0]  # type: ignore[index]
    return [
        "/", "/search/?q=社保卡", "/outlets/", "/outlets/nearest/", f"/outlets/nearest/?lon={outlet.lon}&lat={outlet.lat}",
        f"/outlets/{outlet.code}/", "/services/", f"/services/{item}/", "/policy/", f"/policy/{site['leaflet'].pk}/",
        "/notices/", f"/notices/{note.pk}/", "/verify/", "/verify/?number=x", "/rate/",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("size", "elderly"),
    [("phone", False), ("desktop", False), ("phone", True)],
    ids=["phone", "desktop", "elderly"],
)
def test_axe_finds_no_serious_violation_on_any_public_page(
    chromium, live_server, site, size, elderly
) -> None:  # type: ignore[no-untyped-def]
    found = {}
    with browser(chromium, live_server, size, elderly=elderly) as page:
        for path in public_pages(site):
            page.goto(live_server.url + path)
            # Same-origin script: allowed by the strict CSP (script-src 'self'), unlike inline injection.
            page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}{AXE}")
            violations = page.evaluate(
                """async () => (await axe.run(document, {runOnly: {type: "tag",
                     values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
                   .filter(v => v.impact === "serious" || v.impact === "critical")
                   .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))"""
            )
            if violations:
                found[path] = violations
    assert not found, found
