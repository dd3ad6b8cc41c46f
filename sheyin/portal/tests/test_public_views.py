"""Public pages (R10.3): open to anyone, filters and empty states, operating outlets only, no personal data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.portal import coords, selectors, views
from sheyin.portal.tests.factories import MaterialFactory, notice
from sheyin.staffing.tests.factories import StaffFactory, active_grant

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    open_ = OutletFactory(
        name="工商银行建国路社保服务网点", address="北京市朝阳区建国路88号", phone="010-65550000"
    )
    haidian = OutletFactory(district=district("110108"), name="建设银行中关村社保服务网点")
    closed = OutletFactory(name="已终止网点", status=OutletStatus.TERMINATED)
    for o in (open_, haidian):
        active_grant(StaffFactory(outlet=o))  # R9.1: their windows are staffed
    material = MaterialFactory(title="社保卡即时制卡指南")
    item = next(i for i in selectors.guide_items() if i.needs_card_machine)
    material.item_links.create(item_code=item.code)
    notice(title="新设网点：工商银行建国路社保服务网点")
    return {"open": open_, "haidian": haidian, "closed": closed, "material": material, "item": item}


def public_pages(w) -> list[str]:  # type: ignore[no-untyped-def]
    return [
        "/", "/search/?q=建国", "/outlets/", f"/outlets/?district=110108&service={w['item'].code}",
        "/outlets/nearest/", "/outlets/nearest/?lon=116.46&lat=39.92", f"/outlets/{w['open'].code}/",
        "/services/", f"/services/{w['item'].code}/", "/policy/", f"/policy/{w['material'].pk}/",
        "/notices/", "/verify/", "/rate/",
    ]  # fmt: skip


def test_every_public_page_opens_without_logging_in(client, world) -> None:  # type: ignore[no-untyped-def]
    for path in public_pages(world):
        resp = client.get(path)
        assert resp.status_code == 200, path
        assert "public" in resp.content.decode().split("<body", 1)[1][:80], path


def test_staff_who_open_the_root_still_see_the_portal_with_a_workbench_link(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    page = client.get("/").content.decode()
    assert "社保业务，就近到银行网点办理" in page
    assert reverse("dashboards:home") in page


def test_outlet_list_filters_by_district_name_and_service(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"district": "110108"}).content.decode()
    assert world["haidian"].name in page and world["open"].name not in page
    page = client.get("/outlets/", {"q": "建国路"}).content.decode()
    assert world["open"].name in page and world["haidian"].name not in page
    page = client.get("/outlets/", {"service": world["item"].code}).content.decode()
    assert world["item"].name in page  # the filter says which service it keeps


def test_outlet_list_shows_an_empty_state(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/outlets/", {"q": "火星"}).content.decode()
    assert 'data-testid="empty"' in page


def test_a_terminated_outlet_has_no_page_and_no_map_point(client, world) -> None:  # type: ignore[no-untyped-def]
    assert client.get(f"/outlets/{world['closed'].code}/").status_code == 404
    points = client.get(reverse("portal:outlet_points")).json()["points"]
    codes = {p[2] for p in points}
    assert world["open"].code in codes and world["closed"].code not in codes
    assert world["closed"].name not in client.get("/outlets/").content.decode()


def test_outlet_page_shows_hours_windows_services_and_no_personal_data(client, world) -> None:  # type: ignore[no-untyped-def]
    staff = user_with_role(
        Role.OUTLET_MANAGER,
        outlet=world["open"],
        display_name="欧阳锋",
        phone_masked="139****1111",
        email="x@y.cn",
    )
    page = client.get(f"/outlets/{world['open'].code}/").content.decode()
    assert world["open"].opening_hours in page and "010-65550000" in page
    assert world["item"].name in page  # the services it offers
    for private in (staff.display_name, staff.phone_masked, staff.username, staff.email):
        assert private not in page


def test_nearest_page_converts_a_browser_position_from_wgs84(client, world) -> None:  # type: ignore[no-untyped-def]
    lon, lat = 116.46, 39.91
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    resp = client.get("/outlets/nearest/", {"lon": lon, "lat": lat, "datum": "wgs84"})
    want = selectors.nearest_outlets(g_lon, g_lat)
    assert [r.outlet.pk for r in resp.context["results"]] == [r.outlet.pk for r in want]
    assert resp.context["point"] == {"lon": round(g_lon, 6), "lat": round(g_lat, 6)}
    assert world["closed"].name not in resp.content.decode()


def test_nearest_page_refuses_impossible_coordinates_without_error(client, world) -> None:  # type: ignore[no-untyped-def]
    for params in ({"lon": "abc", "lat": "39"}, {"lon": "500", "lat": "39"}, {"lon": "nan", "lat": "inf"}):
        resp = client.get("/outlets/nearest/", params)
        assert resp.status_code == 200
        assert "results" not in resp.context
        assert "位置坐标无效" in resp.content.decode()


def test_nearest_page_warns_when_the_point_is_outside_beijing(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/outlets/nearest/", {"lon": 121.47, "lat": 31.23}).content.decode()
    assert "不在北京市内" in page


def test_service_guide_lists_the_catalogue_and_the_item_page_says_where_to_go(client, world) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/services/").content.decode()
    assert world["item"].name in page
    resp = client.get(f"/services/{world['item'].code}/")
    page = resp.content.decode()
    assert "去哪里办" in page and world["material"].title in page
    assert resp.context["offering_total"] == 2  # the two operating outlets, not the terminated one
    assert client.get("/services/NO-SUCH-1/").status_code == 404


def test_service_guide_filters_and_its_empty_states(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert 'data-testid="empty"' in client.get("/services/", {"q": "不存在的事项"}).content.decode()
    only_terminal = client.get("/services/", {"channel": "T"}).context["groups"]
    assert all("T" in i.channels for items in only_terminal.values() for i in items)
    monkeypatch.setattr(selectors, "catalogue_in_force", lambda: None)  # before the catalogue is published
    page = client.get("/services/").content.decode()
    assert "服务事项清单尚未发布" in page


def test_policy_pages_show_only_published_materials(client, world) -> None:  # type: ignore[no-untyped-def]
    draft = MaterialFactory(title="草稿资料", status="draft", published_at=None)
    page = client.get("/policy/").content.decode()
    assert world["material"].title in page and draft.title not in page
    assert client.get(f"/policy/{draft.pk}/").status_code == 404
    assert world["item"].name in client.get(f"/policy/{world['material'].pk}/").content.decode()
    assert 'data-testid="empty"' in client.get("/policy/", {"kind": "video"}).content.decode()


def test_search_finds_services_outlets_and_materials(client, world) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/search/", {"q": "社保卡"})
    assert resp.context["items"] and world["material"] in resp.context["materials"]
    resp = client.get("/search/", {"q": "中关村"})
    assert resp.context["outlets"] == [world["haidian"]]


def test_verify_forwards_a_plaque_number_or_a_printout_code_when_those_pages_exist(
    client, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(views, "path_exists", lambda path: True)
    resp = client.get("/verify/", {"number": " BJ-110105-0001 "})
    assert resp.status_code == 302 and resp["Location"] == "/verify/plaque/BJ-110105-0001/"
    resp = client.get("/verify/", {"number": "https://example.cn/verify/plaque/BJ-9/"})  # a scanned QR link
    assert resp["Location"] == "/verify/plaque/BJ-9/"
    resp = client.get("/verify/", {"code": "AB12-CD34"})
    assert resp.status_code == 302 and resp["Location"] == "/verify/record/AB12-CD34/"


def test_verify_refuses_a_malformed_number_and_says_when_a_check_is_not_available(
    client, world, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/verify/", {"number": "<script>"})
    assert resp.status_code == 200 and "标牌编号应为" in resp.content.decode()
    monkeypatch.setattr(views, "path_exists", lambda path: False)
    page = client.get("/verify/", {"code": "AB12-CD34"}).content.decode()
    assert "打印件核验服务暂未开通" in page


def test_rate_page_says_clearly_when_online_rating_is_not_available(client, world, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(views.apps, "is_installed", lambda name: False)
    resp = client.get("/rate/", {"code": "ABCD-1234"})
    assert resp.status_code == 200
    assert 'data-testid="rate-unavailable"' in resp.content.decode()


def test_rate_page_forwards_the_receipt_code_to_the_rating_page(client, world) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/rate/", {"code": "ABCD-1234"})
    assert resp.status_code == 302 and resp["Location"] == "/rate/ABCD-1234/"


def test_the_boundaries_are_public_for_the_map(client, reference) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse("portal:boundaries"))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/geo+json"


def test_pages_are_complete_in_english(client, world) -> None:  # type: ignore[no-untyped-def]
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    assert "Find the nearest outlet" in page and "Haidian" in page
    assert "查找离我最近的网点" not in page
