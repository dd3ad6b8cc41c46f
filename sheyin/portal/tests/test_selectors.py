"""Public reads: nearest outlets (order, distance, operating only), search by district/name/service (R10.3)."""

from __future__ import annotations

import random

import pytest

from sheyin.common import geo
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.portal import coords, nearest, selectors
from sheyin.portal.selectors import GuideItem
from sheyin.staffing.tests.factories import StaffFactory, active_grant

pytestmark = pytest.mark.django_db

CHAOYANG, HAIDIAN, YANQING = "110105", "110108", "110119"


@pytest.fixture
def spread(reference):  # type: ignore[no-untyped-def]
    bank = BankFactory()
    out = []
    for code in (CHAOYANG, HAIDIAN, YANQING):
        for _ in range(8):
            out.append(OutletFactory(bank=bank, district=district(code)))
    return out


def brute_force(lon: float, lat: float) -> list[tuple[int, float]]:
    rows = Outlet.objects.filter(status=OutletStatus.OPERATING).values_list("pk", "lon", "lat")
    return sorted(((pk, geo.distance_m(lon, lat, x, y)) for pk, x, y in rows), key=lambda r: r[1])


def test_nearest_outlets_come_in_haversine_order_with_geo_distance_m(spread) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(3)
    for code in (CHAOYANG, HAIDIAN, YANQING, "110101"):
        lon, lat = geo.random_points_in(code, 1, rng)[0]
        got = selectors.nearest_outlets(lon, lat, limit=10)
        want = brute_force(lon, lat)[:10]
        assert [r.outlet.pk for r in got] == [pk for pk, _ in want]
        for r, (_pk, d) in zip(got, want, strict=True):
            assert r.distance_m == pytest.approx(d, abs=0.01)
            assert r.distance_m == pytest.approx(
                geo.distance_m(lon, lat, r.outlet.lon, r.outlet.lat), abs=0.01
            )


def test_terminated_suspended_and_applying_outlets_never_appear(spread) -> None:  # type: ignore[no-untyped-def]
    here = spread[0]
    hidden = [
        OutletFactory(district=district(CHAOYANG), lon=here.lon, lat=here.lat, status=s)
        for s in (
            OutletStatus.TERMINATED,
            OutletStatus.SUSPENDED,
            OutletStatus.APPLYING,
            OutletStatus.ACCEPTED,
        )
    ]
    got = {r.outlet.pk for r in selectors.nearest_outlets(here.lon, here.lat, limit=20)}
    assert here.pk in got
    assert not got & {o.pk for o in hidden}
    assert not set(selectors.find_outlets().values_list("pk", flat=True)) & {o.pk for o in hidden}
    assert selectors.outlet_by_code(hidden[0].code) is None


def test_an_outlet_terminated_after_the_index_was_built_never_shows(spread, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    here = spread[0]
    assert selectors.nearest_outlets(here.lon, here.lat, limit=3)[0].outlet.pk == here.pk
    monkeypatch.setattr(nearest, "CHECK_SECONDS", 3600.0)  # the index will not look at the table by itself
    # A raw update: no updated_at change, so only the read-back with status=operating can catch it (R6.4).
    Outlet.objects.filter(pk=here.pk).update(status=OutletStatus.TERMINATED)
    got = selectors.nearest_outlets(here.lon, here.lat, limit=3)
    assert here.pk not in {r.outlet.pk for r in got}
    assert len(got) == 3


def test_a_newly_operating_outlet_is_found_once_the_table_changes(spread) -> None:  # type: ignore[no-untyped-def]
    lon, lat = 116.55, 39.95
    selectors.nearest_outlets(lon, lat)
    new = OutletFactory(district=district(CHAOYANG), lon=lon, lat=lat)
    assert selectors.nearest_outlets(lon, lat)[0].outlet.pk == new.pk


def test_items_needing_the_card_machine_or_a_channel_skip_outlets_without_them(reference) -> None:  # type: ignore[no-untyped-def]
    lon, lat = 116.45, 39.93
    no_machine = OutletFactory(lon=lon, lat=lat, card_machines=0)
    no_terminal = OutletFactory(lon=lon + 0.001, lat=lat, terminals=0)
    full = OutletFactory(lon=lon + 0.01, lat=lat)
    for o in (no_machine, no_terminal, full):
        active_grant(StaffFactory(outlet=o))  # R9.1: their windows are staffed
    card = GuideItem(code="X-C", name="即时制卡", channels=("W",), needs_card_machine=True)
    terminal_only = GuideItem(code="X-T", name="终端打印", channels=("T",))
    assert [r.outlet.pk for r in selectors.nearest_outlets(lon, lat, item=card)] == [no_terminal.pk, full.pk]
    assert [r.outlet.pk for r in selectors.nearest_outlets(lon, lat, item=terminal_only)] == [
        no_machine.pk,
        full.pk,
    ]
    assert set(selectors.find_outlets(item=card).values_list("pk", flat=True)) == {no_terminal.pk, full.pk}
    assert set(selectors.find_outlets(item=terminal_only).values_list("pk", flat=True)) == {
        no_machine.pk,
        full.pk,
    }
    assert [i.code for i in selectors.items_offered_at(no_machine) if i.needs_card_machine] == []


def test_find_outlets_by_district_name_or_address(spread) -> None:  # type: ignore[no-untyped-def]
    named = OutletFactory(
        district=district(HAIDIAN), name="工商银行中关村社保服务网点", address="北京市海淀区中关村大街1号"
    )
    in_haidian = set(selectors.find_outlets(district=HAIDIAN).values_list("pk", flat=True))
    assert named.pk in in_haidian and len(in_haidian) == 9
    assert list(selectors.find_outlets(q="中关村大街")) == [named]
    assert list(selectors.find_outlets(q="中关村社保")) == [named]
    assert selectors.find_outlets(q="不存在的地方").count() == 0


def test_district_counts_list_every_district_with_operating_outlets_only(spread) -> None:  # type: ignore[no-untyped-def]
    OutletFactory(district=district(YANQING), status=OutletStatus.TERMINATED)
    counts = {c["code"]: c["n"] for c in selectors.district_counts()}
    assert len(counts) == 16
    assert counts[YANQING] == 8 and counts[CHAOYANG] == 8 and counts["110101"] == 0


def test_browser_coordinates_are_moved_to_gcj02_by_a_few_hundred_metres_in_beijing() -> None:
    lon, lat = 116.391, 39.907  # Tiananmen, WGS-84
    g_lon, g_lat = coords.wgs84_to_gcj02(lon, lat)
    shift = geo.distance_m(lon, lat, g_lon, g_lat)
    assert 300 < shift < 800
    assert g_lon > lon and g_lat > lat  # the offset in Beijing points east-north-east
    assert coords.wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)  # outside China: unchanged


def test_the_catalogue_in_force_reads_channels_and_materials(reference) -> None:  # type: ignore[no-untyped-def]
    items = selectors.guide_items()
    assert items, "the reference catalogue is in force"
    assert all(set(i.channels) <= {"T", "O", "W"} and i.channels for i in items)
    assert any(i.needs_card_machine and i.channels == ("W",) for i in items)
    assert selectors.guide_item(items[0].code) == items[0]
    assert selectors.guide_item("NO-SUCH") is None


def test_guide_html_is_cleaned_of_scripts_and_images() -> None:
    html = selectors.clean_html('<p onclick="x()">hi<script>alert(1)</script><img src="http://x/y.png"></p>')
    assert html == "<p>hi</p>"


def test_window_services_wait_for_an_authorised_person_r9_1(reference) -> None:  # type: ignore[no-untyped-def]
    """R9.1: until an outlet has at least one authorised staff member (an active grant), the portal does not
    offer its staffed windows — not in the nearest finder, the search or the outlet's item list — while its
    terminals and online counters still serve."""
    lon, lat = 116.45, 39.93
    unstaffed = OutletFactory(lon=lon, lat=lat)
    window_only = GuideItem(code="X-W", name="柜台办理", channels=("W",))
    terminal_only = GuideItem(code="X-T", name="终端打印", channels=("T",))
    assert selectors.nearest_outlets(lon, lat, item=window_only) == []
    assert [r.outlet.pk for r in selectors.nearest_outlets(lon, lat, item=terminal_only)] == [unstaffed.pk]
    assert not selectors.find_outlets(item=window_only).filter(pk=unstaffed.pk).exists()
    assert selectors.find_outlets(item=terminal_only).filter(pk=unstaffed.pk).exists()
    assert selectors.outlet_by_code(unstaffed.code).window_open is False
    offered = selectors.items_offered_at(unstaffed)
    assert offered and all(set(i.channels) - {"W"} for i in offered)
    assert not any(i.needs_card_machine for i in offered)

    grant = active_grant(StaffFactory(outlet=unstaffed))
    assert [r.outlet.pk for r in selectors.nearest_outlets(lon, lat, item=window_only)] == [unstaffed.pk]
    assert selectors.find_outlets(item=window_only).filter(pk=unstaffed.pk).exists()
    assert selectors.outlet_by_code(unstaffed.code).window_open is True
    assert any(
        i.needs_card_machine for i in selectors.items_offered_at(selectors.outlet_by_code(unstaffed.code))
    )

    # the grant ends: the window closes to the public again at the next look-up
    grant.status = "revoked"
    grant.save()
    assert selectors.nearest_outlets(lon, lat, item=window_only) == []
