"""The dashboards and the report pages in a real browser (Debian's chromium) at desktop size: the charts draw
from local assets, each chart's table toggles and exports (PNG, Excel), a bar drills down, a report is run
with its progress and downloaded, and axe-core finds no serious or critical violation. No request leaves
the server; a console error fails the test (conftest's `page`)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import PASSWORD, user_with_role
from sheyin.dashboards import aggregates, services
from sheyin.dashboards.models import ReportKind
from sheyin.institutions.tests.factories import BankFactory

from . import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = "vendor/axe-core/axe.min.js"
TRANSITIONS_DONE = """() => Promise.all(document.getAnimations()
    .filter((a) => a instanceof CSSTransition).map((a) => a.finished.catch(() => null)))"""
AXE_RUN = """async () => (await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})).violations
   .filter(v => v.impact === "serious" || v.impact === "critical")
   .map(v => v.id + ": " + v.nodes.slice(0, 3).map(n => n.target.join(" ")).join(" | "))"""


@pytest.fixture
def site(reference, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    bank = BankFactory(short_name="测试银行")
    o = f.outlet(bank=bank, name="望京测试网点")
    other = f.outlet("110108", name="中关村测试网点")
    for month_back in range(4):
        day = (today.replace(day=1) - dt.timedelta(days=28 * month_back)).replace(day=2)
        for outlet, n in ((o, 3 + month_back), (other, 2)):
            for _ in range(n):
                f.case(outlet, f.at(min(day, today)))
            f.rating(outlet, f.at(min(day, today)), 5)
        f.guided(o, f.at(min(day, today)), code="SY-C-004")
        f.terminal_query(o, f.at(min(day, today)))
    f.rating(o, f.at(today), 2, on_time=True)
    aggregates.refresh(since=today - dt.timedelta(days=120), until=today)
    users = f.users(o)
    users["officer"] = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    run = services.report_run_request(kind=ReportKind.CUSTOM, district=None, start=today.replace(day=1), end=today,
                                      by=None, execute=False)  # fmt: skip
    report = services.report_run_execute(run_id=run.pk)
    return {"outlet": o, "other": other, "users": users, "report": report}


def _offsite(page: Any, live_server: Any) -> list[str]:
    host = urlparse(live_server.url).netloc
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url)
            if urlparse(r.url).netloc not in ("", host) and not r.url.startswith(("data:", "blob:")) else None)  # fmt: skip
    return seen


def _axe(page: Any, live_server: Any) -> list[str]:
    # The page at rest, as a reader sees it: the pointer off the controls and no colour transition
    # still running (axe measured a button's contrast half-way through its 0.15 s hover fade).
    page.mouse.move(0, 0)
    page.evaluate(TRANSITIONS_DONE)
    # Same-origin script: allowed by the strict CSP (script-src 'self'), unlike inline injection.
    page.add_script_tag(url=f"{live_server.url}{settings.STATIC_URL}{AXE}")
    return page.evaluate(AXE_RUN)


def _open_dashboard(page: Any, live_server: Any, login_as: Any, user: Any, query: str = "") -> None:
    login_as(user.username, PASSWORD)
    page.goto(live_server.url + "/workbench/" + query)
    page.wait_for_selector("#chart-volume-trend canvas")
    page.wait_for_load_state("networkidle")


@pytest.mark.parametrize("who", ["municipal", "district", "bank", "manager"])
def test_each_dashboard_draws_toggles_its_table_and_passes_axe(
    page, live_server, login_as, site, who
) -> None:  # type: ignore[no-untyped-def]
    offsite = _offsite(page, live_server)
    _open_dashboard(page, live_server, login_as, site["users"][who])
    if who != "manager":
        page.wait_for_selector("#chart-outlet-map canvas")  # the map drew on the local boundaries
    # the table beside the chart: hidden visually (still read by screen readers), shown by the toggle
    toggle = page.locator("[data-dash-toggle=volume-trend]")
    assert "visually-hidden" in (page.locator("#table-volume-trend").get_attribute("class") or "")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.locator("#table-volume-trend").is_visible()
    assert not page.locator("#chart-volume-trend").is_visible()
    assert page.locator("#table-volume-trend tbody tr").count() == 13
    toggle.click()
    assert page.locator("#chart-volume-trend").is_visible()
    violations = _axe(page, live_server)
    assert not violations, violations
    assert not offsite, offsite


def test_a_chart_exports_as_png_and_excel(page, live_server, login_as, site) -> None:  # type: ignore[no-untyped-def]
    _open_dashboard(page, live_server, login_as, site["users"]["district"])
    with page.expect_download() as png:
        page.click("[data-dash-png=volume-trend]")
    assert png.value.suggested_filename.endswith(".png")
    with open(png.value.path(), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as xlsx:
        page.click("[data-testid=chart-volume-trend] a:has-text('导出Excel')")
    assert xlsx.value.suggested_filename.endswith(".xlsx")


def test_clicking_a_bar_drills_down_and_the_breadcrumb_goes_back(page, live_server, login_as, site) -> None:  # type: ignore[no-untyped-def]
    _open_dashboard(page, live_server, login_as, site["users"]["municipal"])
    page.wait_for_selector("#chart-volume-by[data-ready='1']")
    page.locator("#chart-volume-by").scroll_into_view_if_needed()
    box = page.locator("#chart-volume-by").bounding_box()
    x, y = page.evaluate("""() => {
        const c = window.sheyinDashboards.charts["volume-by"];
        const opt = c.getOption();
        const i = opt.xAxis[0].data.indexOf("朝阳区");
        return c.convertToPixel({xAxisIndex: 0, yAxisIndex: 0}, [i, 1]);
    }""")
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert f"district={site['outlet'].district_id}" in page.url
    page.wait_for_selector("#chart-volume-trend canvas")
    assert "朝阳区 监管看板" in page.locator("h1").inner_text()
    page.click("nav[aria-label=看板层级] a:has-text('全市')")
    page.wait_for_selector("#chart-volume-trend canvas")
    assert page.locator("h1").inner_text() == "全市社银合作驾驶舱"
    page.wait_for_load_state("networkidle")


def test_other_roles_see_their_to_dos(page, live_server, login_as, reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet()
    staff = user_with_role(Role.OUTLET_STAFF, outlet=o)
    login_as(staff.username, PASSWORD)
    page.goto(live_server.url + "/workbench/")
    page.wait_for_selector("[data-testid=todos]")
    assert page.locator("[data-testid=todo-own_grant]").is_visible()
    assert page.locator("#chart-volume-trend").count() == 0
    violations = _axe(page, live_server)
    assert not violations, violations


def test_a_district_officer_runs_a_report_follows_its_progress_and_downloads_it(
    page, live_server, login_as, site
) -> None:  # type: ignore[no-untyped-def]
    offsite = _offsite(page, live_server)
    login_as(site["users"]["officer"].username, PASSWORD)
    page.goto(live_server.url + "/workbench/reports/")
    assert not _axe(page, live_server)
    page.click("text=生成报表")
    page.wait_for_selector("#id_kind")
    assert not _axe(page, live_server)
    page.select_option("#id_kind", "custom")
    today = timezone.localdate()
    page.fill("#id_start", today.replace(day=1).isoformat())
    page.fill("#id_end", today.isoformat())
    page.click("main form button[type=submit]")
    page.wait_for_selector("[data-testid=report-progress]")
    page.wait_for_selector("[data-testid=report-link]", timeout=30000)
    assert not _axe(page, live_server)
    page.click("[data-testid=report-link]")
    page.wait_for_selector("[data-testid=report-summary]")
    assert "朝阳区社银合作" in page.locator("h1").inner_text()
    assert not _axe(page, live_server)
    with page.expect_download() as pdf:
        page.click("a:has-text('下载PDF')")
    with open(pdf.value.path(), "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert not offsite, offsite


def test_a_report_is_compared_with_another(page, live_server, login_as, site) -> None:  # type: ignore[no-untyped-def]
    admin = site["users"]["municipal"]
    services.report_run_execute(
        run_id=services.report_reissue(report=site["report"], by=admin, execute=False).pk
    )
    login_as(admin.username, PASSWORD)
    page.goto(f"{live_server.url}/workbench/reports/{site['report'].pk}/")
    page.click("main form button:has-text('对比')")
    page.wait_for_selector("[data-testid=report-compare]")
    assert page.locator("[data-testid=report-compare] tbody tr").count() >= 10
    violations = _axe(page, live_server)
    assert not violations, violations
