"""Imports of demand and candidate points: the whole file is validated first; one bad row, nothing written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common import geo
from sheyin.institutions.tests.factories import district, municipal
from sheyin.planning import services
from sheyin.planning.models import CandidateImport, CandidateSite, DemandImport, DemandPoint
from sheyin.planning.tests.factories import csv_upload, offset, xlsx_upload

pytestmark = pytest.mark.django_db
CENTRE = geo.districts()["110105"].center


def good_rows(n: int = 3) -> list[list[object]]:
    return [[*offset(*CENTRE, 300 * i, 200 * i), 100 + i] for i in range(n)]


def test_a_valid_csv_is_imported_with_every_point_and_an_audit_event(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    imp = services.demand_import_create(
        name="街道人口", district=district("110105"), upload=csv_upload(good_rows()), by=user
    )
    assert imp.rows == 3 and imp.total_weight == 303
    assert list(imp.points.values_list("row", "adcode")) == [(2, "110105"), (3, "110105"), (4, "110105")]
    assert AuditEvent.objects.filter(action="planning.demand_import.create", object_id=str(imp.pk)).exists()


def test_one_bad_row_rejects_the_whole_file_and_names_the_row(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    rows = good_rows(4)
    rows[1][0] = "东经116"  # row 3 of the file (the header is row 1)
    with pytest.raises(services.ImportRejected) as exc:
        services.demand_import_create(
            name="人口", district=district("110105"), upload=csv_upload(rows), by=user
        )
    assert [(r.row, r.reason) for r in exc.value.rows] == [(3, "经度不是数字：“东经116”。")]
    assert not DemandImport.objects.exists() and not DemandPoint.objects.exists()
    assert AuditEvent.objects.filter(action="planning.demand_import.reject", outcome="failure").exists()


def test_every_bad_row_is_reported_not_only_the_first(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    rows = [*good_rows(2), [116.4, 39.9, -5], [39.9, 116.4, 1], ["", 39.9, 1], [116.0, 38.0, 1]]
    with pytest.raises(services.ImportRejected) as exc:
        services.demand_import_create(name="人口", district=None, upload=csv_upload(rows), by=user)
    assert [r.row for r in exc.value.rows] == [4, 5, 6, 7]
    assert "权重不能为负数" in exc.value.rows[0].reason
    assert "经度和纬度可能填反了" in exc.value.rows[1].reason
    assert not DemandPoint.objects.exists()


def test_a_point_outside_the_chosen_district_is_a_row_error(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    haidian = geo.districts()["110108"].center
    rows = [*good_rows(1), [*haidian, 1]]
    with pytest.raises(services.ImportRejected) as exc:
        services.demand_import_create(
            name="人口", district=district("110105"), upload=csv_upload(rows), by=user
        )
    assert exc.value.rows[0].row == 3 and "海淀区" in exc.value.rows[0].reason


def test_candidates_come_from_excel_with_their_names(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    upload = xlsx_upload(
        [[*offset(*CENTRE, 0, 0), "社区中心"], [*offset(*CENTRE, 900, 0), None]], ("经度", "纬度", "名称")
    )
    imp = services.candidate_import_create(name="候选", district=district("110105"), upload=upload, by=user)
    assert list(CandidateSite.objects.filter(candidate_import=imp).values_list("row", "name")) == [
        (2, "社区中心"),
        (3, ""),
    ]
    assert imp.file.name.endswith(".xlsx")


def test_a_file_without_header_is_read_as_longitude_latitude_weight(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    imp = services.demand_import_create(
        name="无表头",
        district=district("110105"),
        upload=csv_upload(good_rows(2), header=None, encoding="gb18030"),
        by=user,
    )
    assert imp.rows == 2


def test_a_header_without_coordinates_is_refused_on_the_file_field(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    with pytest.raises(ValidationError) as exc:
        services.demand_import_create(
            name="错表头",
            district=district("110105"),
            upload=csv_upload(good_rows(1), header=("x", "y", "w")),
            by=user,
        )
    assert "file" in exc.value.message_dict
    assert not DemandImport.objects.exists()


def test_a_district_cannot_import_for_another_district_or_the_city(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    with pytest.raises(NotAllowed):
        services.demand_import_create(
            name="他区", district=district("110108"), upload=csv_upload(good_rows(1)), by=user
        )
    with pytest.raises(NotAllowed):
        services.candidate_import_create(name="全市", district=None, upload=csv_upload(good_rows(1)), by=user)
    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110105"))
    with pytest.raises(NotAllowed):
        services.demand_import_create(
            name="稽核", district=district("110105"), upload=csv_upload(good_rows(1)), by=inspector
        )
    assert not DemandImport.objects.exists() and not CandidateImport.objects.exists()


def test_the_import_page_lists_the_rows_in_error_and_writes_nothing(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    rows = good_rows(3)
    rows[2][2] = "很多"
    resp = client.post(
        reverse("planning:import_create", args=["demand"]),
        {"name": "人口", "district": district("110105").pk, "file": csv_upload(rows)},
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "第4行" in body and "权重不是数字：“很多”。" in body and "未写入任何数据" in body
    assert not DemandImport.objects.exists()


def test_a_good_upload_through_the_page_leads_to_the_import(client, reference) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")))
    resp = client.post(
        reverse("planning:import_create", args=["candidate"]),
        {
            "name": "候选",
            "district": district("110105").pk,
            "file": csv_upload(good_rows(2), header=("经度", "纬度", "名称")),
        },
    )
    imp = CandidateImport.objects.get()
    assert resp.status_code == 302 and resp.url == reverse(
        "planning:import_detail", args=["candidate", imp.pk]
    )
    file_resp = client.get(reverse("planning:import_file", args=["candidate", imp.pk]))
    assert file_resp.status_code == 200 and b"".join(file_resp.streaming_content).startswith("经度".encode())


def test_an_import_used_by_a_run_cannot_be_deleted(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.planning.tests.factories import candidate_import, plan_run

    user = user_with_role(Role.DISTRICT_ADMIN, agency=district("110105"))
    imp = candidate_import(district("110105"), [(*CENTRE, "110105")])
    plan_run(district("110105"), candidate_source="import", candidate_import=imp, grid_spacing_m=None)
    with pytest.raises(ValidationError):
        services.import_delete(imp=imp, by=user)
    unused = candidate_import(district("110105"), [(*CENTRE, "110105")], name="未用")
    services.import_delete(imp=unused, by=user)
    assert list(CandidateImport.objects.values_list("name", flat=True)) == ["候选"]


def test_row_reasons_are_shown_in_english_on_english_pages() -> None:
    with translation.override("en"):
        assert services.translate_reason("经度不是数字：“abc”。") == "Longitude is not a number: “abc”."
        assert services.translate_reason("权重不能为负数。") == "The weight must not be negative."


def _geojson(features: list[dict[str, object]]) -> object:
    import json

    from django.core.files.uploadedfile import SimpleUploadedFile

    body = json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()
    return SimpleUploadedFile("jiedao.geojson", body, content_type="application/geo+json")


def _square(lon: float, lat: float, side_m: float) -> dict[str, object]:
    ring = [offset(lon, lat, e, n) for e, n in ((0, 0), (side_m, 0), (side_m, side_m), (0, side_m), (0, 0))]
    return {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}


def test_a_geojson_of_sub_district_populations_spreads_each_over_its_polygon(reference) -> None:  # type: ignore[no-untyped-def]
    """R10.1: demand where people live. A 2 km square 街道 of 50,000 people becomes lattice points inside it
    summing to 50,000; a population-grid point stays one point."""
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    grid_point = offset(*CENTRE, -2000, -2000)
    upload = _geojson([
        {"type": "Feature", "properties": {"name": "甲街道", "人口": 50000}, "geometry": _square(*CENTRE, 2000)},
        {"type": "Feature", "properties": {"population": "1,200"},
         "geometry": {"type": "Point", "coordinates": list(grid_point)}},
    ])  # fmt: skip
    imp = services.demand_import_create(name="街道人口", district=district("110105"), upload=upload, by=user)
    assert imp.total_weight == pytest.approx(51200) and imp.file.name.endswith(".geojson")
    square = list(imp.points.filter(row=1).values_list("lon", "lat", "weight"))
    assert len(square) >= 8 and sum(w for *_, w in square) == pytest.approx(50000)
    far = offset(*CENTRE, 2000, 2000)
    assert all(CENTRE[0] <= lon <= far[0] and CENTRE[1] <= lat <= far[1] for lon, lat, _w in square)
    assert list(imp.points.filter(row=2).values_list("weight", flat=True)) == [1200.0]


def test_a_geojson_with_bad_features_is_refused_whole_with_each_feature_named(reference) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    upload = _geojson([
        {"type": "Feature", "properties": {"人口": 100}, "geometry": _square(*CENTRE, 1000)},
        {"type": "Feature", "properties": {}, "geometry": _square(*CENTRE, 1000)},
        {"type": "Feature", "properties": {"人口": -5}, "geometry": _square(*CENTRE, 1000)},
        {"type": "Feature", "properties": {"人口": 5}, "geometry": {"type": "LineString", "coordinates": [[116.4, 39.9], [116.5, 39.9]]}},
        {"type": "Feature", "properties": {"人口": 5}, "geometry": {"type": "Point", "coordinates": [121.47, 31.23]}},
        {"type": "Feature", "properties": {"人口": 5}, "geometry": {"type": "Point", "coordinates": list(geo.districts()["110108"].center)}},
    ])  # fmt: skip
    with pytest.raises(services.ImportRejected) as exc:
        services.demand_import_create(name="坏文件", district=district("110105"), upload=upload, by=user)
    rows = {r.row: r.reason for r in exc.value.rows}
    assert sorted(rows) == [2, 3, 4, 5, 6]
    assert "人口" in rows[2] and "负数" in rows[3] and "LineString" in rows[4] and "北京市" in rows[5]
    assert "海淀区" in rows[6]
    assert not DemandImport.objects.exists()
    with pytest.raises(ValidationError):
        services.demand_import_create(
            name="坏文件",
            district=None,
            upload=_geojson([]),
            by=user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()),
        )
