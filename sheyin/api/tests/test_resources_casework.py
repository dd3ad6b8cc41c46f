"""Cases and archive handover over the API (R9.2, Annex 10): a bank reads its own outlets' cases with the
applicant masked, and its batches with their items; another bank's do not exist for it; nothing is written."""

from __future__ import annotations

import pytest
from django.test import Client

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for, token_for
from sheyin.casework import services
from sheyin.casework.models import ArchiveRecord
from sheyin.casework.tests.factories import completed, world
from sheyin.common.masking import mask_name
from sheyin.institutions.tests.factories import district

pytestmark = pytest.mark.django_db

BASE = "/api/v1/casework"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


@pytest.fixture
def cases(reference):  # type: ignore[no-untyped-def]
    home, other, haidian = world(), world(), world(code="110108")
    mine, theirs, far = completed(home), completed(other), completed(haidian)
    batch = services.handover_create(records=[ArchiveRecord.objects.get(case=mine)], by=home.manager)
    services.handover_send(batch=batch, by=home.manager)
    foreign_batch = services.handover_create(
        records=[ArchiveRecord.objects.get(case=theirs)], by=other.manager
    )
    client, secret = api_client_for(home.outlet.bank)
    return {
        "api": SignedClient(client, secret),
        "home": home,
        "mine": mine,
        "theirs": theirs,
        "far": far,
        "batch": batch,
        "foreign_batch": foreign_batch,
    }


def test_a_bank_client_lists_its_own_outlets_cases_with_the_applicant_masked(cases) -> None:  # type: ignore[no-untyped-def]
    r = cases["api"].get(f"{BASE}/cases")
    items = r.json()["items"]
    assert [c["receipt_no"] for c in items] == [cases["mine"].receipt_no]
    row = items[0]
    assert row["applicant_name"] == mask_name(cases["home"].applicant.name) != cases["home"].applicant.name
    assert "*" in row["applicant_id_masked"]
    assert cases["home"].applicant.id_number not in r.content.decode()
    assert "rating_token" not in row and "applicant_ref" not in row


def test_case_filters_apply_within_the_scope(cases) -> None:  # type: ignore[no-untyped-def]
    api, mine = cases["api"], cases["mine"]
    assert api.get(f"{BASE}/cases?status={mine.status}&outlet={mine.outlet.code}").json()["total"] == 1
    assert api.get(f"{BASE}/cases?called_from=2099-01-01").json()["total"] == 0
    day = mine.called_at.astimezone().date().isoformat()
    assert api.get(f"{BASE}/cases?called_from={day}&called_to={day}").json()["total"] == 1
    assert api.get(f"{BASE}/cases?q={cases['theirs'].receipt_no}").json()["total"] == 0


def test_a_case_detail_carries_the_catalogue_version_and_materials(cases) -> None:  # type: ignore[no-untyped-def]
    body = cases["api"].get(f"{BASE}/cases/{cases['mine'].pk}").json()
    assert body["catalogue_version"] == cases["mine"].catalogue_version.number
    assert body["materials_checked"] == cases["mine"].materials_checked


def test_a_bank_client_cannot_read_another_banks_case_or_batch(cases) -> None:  # type: ignore[no-untyped-def]
    api = cases["api"]
    r = api.get(f"{BASE}/cases/{cases['theirs'].pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.get(f"{BASE}/handovers/{cases['foreign_batch'].pk}").status_code == 404
    assert [b["number"] for b in api.get(f"{BASE}/handovers").json()["items"]] == [cases["batch"].number]


def test_a_batch_lists_its_items_and_counts(cases) -> None:  # type: ignore[no-untyped-def]
    body = cases["api"].get(f"{BASE}/handovers/{cases['batch'].pk}").json()
    assert (body["status"], body["records"], body["received"]) == ("sent", 1, 0)
    assert [i["receipt_no"] for i in body["items"]] == [cases["mine"].receipt_no]
    assert body["items"][0]["status"] == "sent"
    archives = cases["api"].get(f"{BASE}/archives?status=sent").json()["items"]
    assert [a["batch"] for a in archives] == [cases["batch"].number]


def test_cases_cannot_be_written_through_the_api(cases) -> None:  # type: ignore[no-untyped-def]
    r = cases["api"].send("POST", f"{BASE}/cases", {"item": "SY-C-004"}, key="case-1")
    assert r.status_code == 405
    assert r.json()["code"] == "method_not_allowed"


def test_a_bad_date_is_a_validation_problem(cases) -> None:  # type: ignore[no-untyped-def]
    r = cases["api"].get(f"{BASE}/cases?called_from=yesterday")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "called_from"


def test_a_district_officers_token_sees_the_districts_cases(cases) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(user_with_role(Role.DISTRICT_OFFICER, agency=district("110108")))
    headers = {"Authorization": f"Bearer {token}"}
    body = Client().get(f"{BASE}/cases", headers=headers).json()
    assert [c["receipt_no"] for c in body["items"]] == [cases["far"].receipt_no]
    assert Client().get(f"{BASE}/cases/{cases['mine'].pk}", headers=headers).status_code == 404
