"""Outlet applications over the API (R2.0, R4.2): a bank reads exactly its own; a bank administrator's token
opens and submits drafts through the same services as the pages; a bank's client may not apply."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for, token_for
from sheyin.audit.models import AuditEvent
from sheyin.cooperation import services
from sheyin.cooperation.models import OutletApplication
from sheyin.cooperation.tests.factories import application_data, cooperating, files
from sheyin.institutions.tests.factories import district

pytestmark = pytest.mark.django_db

APPS = "/api/v1/cooperation/applications"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = str(tmp_path)


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


def post(token: str, path: str, data: Any, key: str | None) -> Any:
    headers = bearer(token) if key is None else bearer(token, **{"Idempotency-Key": key})
    return Client().post(path, json.dumps(data), content_type="application/json", headers=headers)


def wire(data: dict[str, Any]) -> dict[str, Any]:
    """The service's data as a caller sends it: the district as its code."""
    return {**data, "district": data["district"].code}


@pytest.fixture
def banks(reference):  # type: ignore[no-untyped-def]
    home, other = cooperating(), cooperating()
    mine = services.outlet_application_create(bank=home.bank, data=application_data(), by=home.bank_admin)
    haidian = services.outlet_application_create(
        bank=home.bank, data=application_data("110108"), by=home.bank_admin
    )
    theirs = services.outlet_application_create(bank=other.bank, data=application_data(), by=other.bank_admin)
    client, secret = api_client_for(home.bank)
    return {
        "home": home,
        "mine": mine,
        "haidian": haidian,
        "theirs": theirs,
        "api": SignedClient(client, secret),
    }


def test_a_bank_client_lists_only_its_own_banks_applications(banks) -> None:  # type: ignore[no-untyped-def]
    body = banks["api"].get(APPS + "?limit=100").json()
    assert {a["number"] for a in body["items"]} == {banks["mine"].number, banks["haidian"].number}
    assert body["items"][0]["status"] == "draft"


def test_filters_narrow_the_list_within_the_scope(banks) -> None:  # type: ignore[no-untyped-def]
    api = banks["api"]
    assert api.get(APPS + "?district=110108").json()["total"] == 1
    assert api.get(APPS + "?status=submitted").json()["total"] == 0
    assert api.get(f"{APPS}?q={banks['theirs'].number}").json()["total"] == 0


def test_a_bank_client_reads_its_application_with_what_is_missing(banks) -> None:  # type: ignore[no-untyped-def]
    body = banks["api"].get(f"{APPS}/{banks['mine'].pk}").json()
    assert body["outlet"]["status"] == "applying"
    assert "平面布置图" in body["missing"]  # no plan uploaded yet (R4.2)


def test_a_bank_client_cannot_read_another_banks_application(banks) -> None:  # type: ignore[no-untyped-def]
    r = banks["api"].get(f"{APPS}/{banks['theirs'].pk}")
    assert r.status_code == 404
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


def test_a_bank_client_may_not_apply_because_the_service_needs_a_user(banks) -> None:  # type: ignore[no-untyped-def]
    r = banks["api"].send("POST", APPS, wire(application_data()), key="client-apply")
    assert r.status_code == 403
    assert r.json()["code"] == "permission_denied"


def test_a_bank_admins_token_opens_a_draft_once_however_often_it_is_retried(banks) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(banks["home"].bank_admin)
    data = wire(application_data())
    before = OutletApplication.objects.count()
    first = post(token, APPS, data, key="apply-1")
    retry = post(token, APPS, data, key="apply-1")
    assert first.status_code == retry.status_code == 201
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.content == first.content
    assert OutletApplication.objects.count() == before + 1
    created = OutletApplication.objects.get(number=first.json()["number"])
    assert created.bank == banks["home"].bank and created.outlet.name == data["name"]
    assert AuditEvent.objects.filter(
        action="cooperation.application.create", object_id=str(created.pk)
    ).exists()


def test_a_write_without_an_idempotency_key_is_refused(banks) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(banks["home"].bank_admin)
    r = post(token, APPS, wire(application_data()), key=None)
    assert r.status_code == 400
    assert r.json()["code"] == "idempotency_key_missing"


def test_bad_input_is_a_validation_problem(banks) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(banks["home"].bank_admin)
    r = post(token, APPS, {**wire(application_data()), "lon": 200, "windows": "two"}, key="bad-1")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in r.json()["errors"]} == {"lon", "windows"}


def test_the_services_own_rules_come_back_as_field_errors(banks) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(banks["home"].bank_admin)
    r = post(token, APPS, {**wire(application_data()), "windows": 3}, key="three-windows")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["windows"]  # R2.3: one or two windows


def test_submitting_without_plan_and_photos_is_refused_with_what_is_missing(banks) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(banks["home"].bank_admin)
    r = post(token, f"{APPS}/{banks['mine'].pk}/submit", {}, key="submit-early")
    assert r.status_code == 422
    assert "平面布置图" in json.dumps(r.json(), ensure_ascii=False)
    banks["mine"].refresh_from_db()
    assert banks["mine"].status == "draft"


def test_a_complete_draft_is_submitted_to_the_district(banks) -> None:  # type: ignore[no-untyped-def]
    home = banks["home"]
    app = services.outlet_application_create(
        bank=home.bank, data=application_data(), files=files(), by=home.bank_admin
    )
    _, token = token_for(home.bank_admin)
    r = post(token, f"{APPS}/{app.pk}/submit", {}, key="submit-1")
    assert r.status_code == 200
    assert r.json()["status"] == "submitted"
    assert r.json()["missing"] == []


def test_a_district_officers_token_sees_the_districts_applications_only(banks) -> None:  # type: ignore[no-untyped-def]
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    _, token = token_for(officer)
    body = Client().get(APPS, headers=bearer(token)).json()
    assert [a["number"] for a in body["items"]] == [banks["haidian"].number]
    assert Client().get(f"{APPS}/{banks['mine'].pk}", headers=bearer(token)).status_code == 404
