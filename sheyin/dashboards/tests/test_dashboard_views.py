"""The dashboards as each role sees them: the key figures, the charts with their tables, drill-down, the
month, exports, to-dos with counts that link to the filtered lists, and names that never become markup."""

from __future__ import annotations

import datetime as dt
import io
import json
import re

import pytest
from django.urls import resolve, reverse
from django.utils import timezone
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.dashboards import aggregates, charts, selectors
from sheyin.dashboards.todos import todos_for
from sheyin.institutions.tests.factories import BankFactory, district, municipal

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(reference):  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    bank = BankFactory(short_name="测试银行")
    o = f.outlet(bank=bank, name="望京测试网点")
    other = f.outlet("110108", name="海淀测试网点")
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    for _ in range(3):
        f.case(o, f.at(last_month.replace(day=1)))
    f.case(o, f.at(today))
    f.case(other, f.at(today))
    f.terminal_query(o, f.at(today))
    f.guided(o, f.at(today))
    f.rating(o, f.at(today), 5)
    f.rating(o, f.at(today), 2, on_time=True)
    aggregates.refresh(since=last_month.replace(day=1), until=today)
    return {"outlet": o, "other": other, "bank": bank, "users": f.users(o), "today": today}


def kpis(resp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k.label: k.value for k in resp.context["board"].kpis}


def test_the_city_cockpit_shows_city_figures_and_every_chart(client, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(site["users"]["municipal"])
    resp = client.get(reverse("dashboards:home"))
    board = resp.context["board"]
    assert board.focus.level == "city" and board.title == "全市社银合作驾驶舱"
    assert kpis(resp)["本月业务量"] == "4"  # 2 window cases, 1 terminal service, 1 guided session
    assert kpis(resp)["满意率"] == "50.0%" and kpis(resp)["差评按期整改率"] == "100.0%"
    ids = [c.id for c in board.charts]
    for wanted in ("outlet-map", "volume-trend", "volume-by", "volume-by-2", "volume-items", "staffing",
                   "ratings-trend", "ratings-by", "tickets", "inspections", "rectifications", "appraisal-grades",
                   "appraisal-ranking", "coverage"):  # fmt: skip
        assert wanted in ids, wanted
    trend = board.chart("volume-trend")
    assert trend.rows[-1][:5] == [site["today"].strftime("%Y-%m"), 2, 1, 1, 4]
    assert trend.rows[-2][4] == 3
    body = resp.content.decode()
    assert 'id="dashboard-data"' in body and 'id="table-volume-trend"' in body
    inline = re.findall(r"<script(?![^>]*(?:src=|application/json))[^>]*>", body)
    assert not inline and ' style="' not in body  # strict CSP: no inline script or style


def test_month_on_month_compares_the_same_days_while_the_month_runs(client, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(site["users"]["municipal"])
    resp = client.get(reverse("dashboards:home"))
    figures = charts.Figures(site["users"]["municipal"], resp.context["board"].focus)
    now, prev, _year = figures.like_for_like()
    assert now == 4
    assert prev == 3  # last month's cases were on its first day, within the same days


def test_a_past_month_is_chosen_with_the_month_parameter(client, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(site["users"]["municipal"])
    last_month = (site["today"].replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    resp = client.get(reverse("dashboards:home"), {"month": last_month})
    assert resp.context["board"].focus.month.strftime("%Y-%m") == last_month
    assert kpis(resp)["当月业务量"] == "3"
    # nonsense and the future fall back to this month
    for value in ("2026-13", "abc", "2999-01"):
        focus = client.get(reverse("dashboards:home"), {"month": value}).context["board"].focus
        assert focus.month == site["today"].replace(day=1)


def test_a_municipal_user_drills_down_to_a_district_a_bank_and_an_outlet(client, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(site["users"]["municipal"])
    o = site["outlet"]
    resp = client.get(reverse("dashboards:home"), {"district": o.district_id})
    assert resp.context["board"].focus.level == "district" and kpis(resp)["本月业务量"] == "3"
    assert [c[0] for c in resp.context["board"].crumbs] == ["全市", "朝阳区"]
    assert not resp.context["show_todos"]  # a drill-down is not the user's own desk
    resp = client.get(reverse("dashboards:home"), {"district": o.district_id, "bank": o.bank_id})
    assert [c[0] for c in resp.context["board"].crumbs] == ["全市", "朝阳区", "测试银行"]
    links = resp.context["board"].chart("volume-by").data["links"]
    assert links == [f"/workbench/?outlet={o.pk}&month={site['today']:%Y-%m}"]
    resp = client.get(reverse("dashboards:home"), {"outlet": o.pk})
    assert resp.context["board"].focus.level == "outlet" and "望京测试网点" in resp.context["board"].title


def test_the_district_bank_and_outlet_dashboards(client, site) -> None:  # type: ignore[no-untyped-def]
    users = site["users"]
    client.force_login(users["district"])
    resp = client.get(reverse("dashboards:home"))
    assert resp.context["board"].focus.level == "district" and resp.context["show_todos"]
    assert kpis(resp)["本月业务量"] == "3"
    client.force_login(users["bank"])
    resp = client.get(reverse("dashboards:home"))
    board = resp.context["board"]
    assert board.focus.level == "bank" and board.title == "测试银行 · 全市 看板"
    assert "coverage" not in [c.id for c in board.charts] and "inspections" not in [
        c.id for c in board.charts
    ]
    client.force_login(users["manager"])
    resp = client.get(reverse("dashboards:home"))
    board = resp.context["board"]
    assert board.focus.level == "outlet"
    assert kpis(resp)["今日受理"] == "1"
    assert [c.id for c in board.charts] == ["volume-daily", "volume-trend", "ratings-trend", "rating-levels"]
    assert 'data-testid="queue"' in resp.content.decode() and 'data-testid="roster"' in resp.content.decode()


def test_a_chart_exports_its_table_to_excel(client, site) -> None:  # type: ignore[no-untyped-def]
    client.force_login(site["users"]["municipal"])
    resp = client.get(reverse("dashboards:home"), {"export": "xlsx", "chart": "volume-by"})
    assert resp["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("所在区", "人工窗口", "自助终端", "网厅自助", "合计")
    assert ("朝阳区", 1, 1, 1, 3) in rows


def test_names_are_data_in_the_page_never_markup(client, reference) -> None:  # type: ignore[no-untyped-def]
    o = f.outlet(name="<img src=x onerror=alert(1)>网点")
    f.case(o, f.at(timezone.localdate()))
    aggregates.current()
    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    body = client.get(reverse("dashboards:home")).content.decode()
    assert "<img src=x" not in body
    data = json.loads(re.search(r'id="dashboard-data"[^>]*>(.*?)</script>', body, re.S).group(1))
    names = [p[1] for c in data["charts"] if c["kind"] == "map" for p in c["points"]]
    assert "<img src=x onerror=alert(1)>网点" in names  # kept as text for the chart, escaped when shown


def test_no_data_shows_an_empty_state_not_an_empty_chart(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=district("110101")))
    resp = client.get(reverse("dashboards:home"))
    assert resp.status_code == 200
    assert "所选期间暂无数据。" in resp.content.decode()
    assert "统计数据尚未生成" in resp.content.decode()


def test_selectors_can_be_called_without_a_request(site) -> None:  # type: ignore[no-untyped-def]
    """What a benchmark does: resolve the focus and build the dashboard for a user."""
    for user in site["users"].values():
        focus = selectors.focus_for(user)
        assert focus is not None
        board = charts.dashboard(user, focus)
        assert board.kpis and board.charts


@pytest.mark.parametrize("role", list(Role))
def test_every_role_gets_its_to_dos_with_links_to_the_lists(client, reference, role) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import LEVEL, Level

    o = f.outlet()
    level = LEVEL[role]
    kw = {Level.ALL: {"agency": municipal()}, Level.DISTRICT: {"agency": o.district}, Level.BANK: {"bank": o.bank},
          Level.OUTLET: {"outlet": o}, Level.SELF: {"outlet": o}}[level]  # fmt: skip
    user = user_with_role(role, **kw)
    items = todos_for(user)
    assert items, role  # every role has something to watch
    client.force_login(user)
    body = client.get(reverse("dashboards:home")).content.decode()
    assert 'data-testid="todos"' in body
    for item in items:
        assert f'data-testid="todo-{item.key}"' in body
        path = item.url.split("?")[0]
        resolve(path)  # a real page
        assert client.get(item.url).status_code == 200, item.url


def test_to_do_counts_follow_the_scope_and_the_state(reference) -> None:  # type: ignore[no-untyped-def]
    today = timezone.localdate()
    o, other = f.outlet(), f.outlet("110108")
    for outlet in (o, other):
        f.rectification(outlet, f.at(today - dt.timedelta(days=20)), due=today - dt.timedelta(days=1))
    f.rectification(o, f.at(today), due=today + dt.timedelta(days=9))
    f.ticket(o, f.at(today), close_due=today + dt.timedelta(days=2))
    counts = {i.key: i.count for i in todos_for(user_with_role(Role.DISTRICT_ADMIN, agency=o.district))}
    assert counts["rect_overdue"] == 1 and counts["tickets_open"] == 1 and counts["tickets_due_soon"] == 1
    city = {i.key: i.count for i in todos_for(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))}
    assert city["rect_overdue"] == 2
    mine = {i.key: i.count for i in todos_for(user_with_role(Role.OUTLET_MANAGER, outlet=o))}
    assert mine["rect_answer"] == 2 and "rect_overdue" not in mine
