"""District, bank and outlet filters offered from the user's scope; exports named in Chinese, formatted and
scoped; an export above the threshold runs as a job with a download only its owner gets (issue 18 item 3)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.models import ExportJob
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b = BankFactory(short_name="本行"), BankFactory(short_name="他行")
    outlets = [
        OutletFactory(bank=home_b, district=home_d, name="本行本区网点"),
        OutletFactory(bank=home_b, district=other_d, name="本行他区网点"),
        OutletFactory(bank=other_b, district=home_d, name="他行本区网点"),
        OutletFactory(bank=other_b, district=other_d, name="他行他区网点"),
    ]
    return {"home_d": home_d, "other_d": other_d, "home_b": home_b, "other_b": other_b, "outlets": outlets}


def shown_filters(client, url: str) -> set[str]:  # type: ignore[no-untyped-def]
    resp = client.get(url)
    assert resp.status_code == 200
    return {name for name in ("district", "bank", "outlet") if f'name="{name}"' in resp.content.decode()}


def test_the_municipal_case_list_offers_district_bank_and_outlet(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    assert shown_filters(client, reverse("casework:case_list")) == {"district", "bank", "outlet"}
    resp = client.get(
        reverse("casework:case_list"), {"district": world["other_d"].pk, "bank": world["other_b"].pk}
    )
    assert resp.status_code == 200


def test_a_district_officer_gets_no_district_filter_and_a_foreign_district_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home_d"]))
    shown = shown_filters(client, reverse("casework:case_list"))
    assert "district" not in shown and "outlet" in shown
    page = client.get(reverse("casework:case_list")).content.decode()
    assert "他行本区网点" in page and "本行他区网点" not in page  # outlet options: the district's only
    assert client.get(reverse("casework:case_list"), {"district": world["other_d"].pk}).status_code == 400
    other_outlet = world["outlets"][1]
    assert client.get(reverse("casework:case_list"), {"outlet": other_outlet.pk}).status_code == 400
    assert (
        client.get(reverse("casework:case_list"), {"outlet": other_outlet.pk, "export": "xlsx"}).status_code
        == 400
    )


def test_a_bank_admin_gets_outlet_but_no_bank_filter_and_a_foreign_bank_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=world["home_b"]))
    for name in (
        "casework:case_list",
        "support:ticket_list",
        "ratings:list",
        "supervision:rectification_list",
    ):
        shown = shown_filters(client, reverse(name))
        assert "bank" not in shown and "outlet" in shown, name
        assert client.get(reverse(name), {"bank": world["other_b"].pk}).status_code == 400, name


@pytest.mark.parametrize(
    "name,title", [("supervision:rectification_list", "整改"), ("supervision:appraisal_list", "考核结果")]
)
def test_new_exports_have_a_chinese_name_a_formatted_frozen_header(client, world, name, title) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    resp = client.get(reverse(name), {"export": "xlsx"})
    assert resp.status_code == 200
    disposition = resp["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    from urllib.parse import quote

    assert quote(title) in disposition
    ws = load_workbook(io.BytesIO(resp.content)).active
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.bold
    assert ws["A1"].value in ("网点", "年度")


def test_an_export_above_the_threshold_runs_as_a_job_only_its_owner_downloads(
    client, world, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_EXPORT_JOB_ROWS = 1
    owner = user_with_role(Role.DISTRICT_OFFICER, agency=world["home_d"])
    client.force_login(owner)
    small = client.get(reverse("institutions:outlet_list"), {"export": "xlsx", "bank": world["other_b"].pk})
    assert small.status_code == 200 and not ExportJob.objects.exists()  # one row: answered at once
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.get(reverse("institutions:outlet_list"), {"export": "xlsx"})
    assert resp.status_code == 302
    job = ExportJob.objects.filter(user=owner).latest("pk")
    assert resp["Location"] == reverse("exports:job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and job.total == 2 and job.done == 2
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert reverse("exports:download", args=[job.pk]) in page
    file = client.get(reverse("exports:download", args=[job.pk]))
    assert file.status_code == 200 and "filename*=UTF-8''" in file["Content-Disposition"]
    rows = list(
        load_workbook(io.BytesIO(b"".join(file.streaming_content))).active.iter_rows(values_only=True)
    )
    names = {r[1] for r in rows[1:]}
    assert names == {"本行本区网点", "他行本区网点"}  # every row of the scope, nothing outside it
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
