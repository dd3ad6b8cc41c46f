"""Outlet staff over the API (R7.3, R9.1): a bank reads its own outlets' roster, training, exam passes and
grant status; ID numbers leave masked only; another bank's staff do not exist for it."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for, token_for
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.staffing.tests.factories import StaffFactory, active_grant, certified, new_id_number

pytestmark = pytest.mark.django_db

BASE = "/api/v1/staffing"


@pytest.fixture
def staff(reference):  # type: ignore[no-untyped-def]
    home, other = BankFactory(), BankFactory()
    chaoyang = OutletFactory(bank=home)
    haidian = OutletFactory(bank=home, district=district("110108"))
    clear_id = new_id_number()
    granted = certified(StaffFactory(outlet=chaoyang, id_number=clear_id, name="张三"))
    grant = active_grant(granted)
    ungranted = StaffFactory(outlet=haidian, name="李四")
    foreign = certified(StaffFactory(outlet=OutletFactory(bank=other), name="王五"))
    foreign_grant = active_grant(foreign)
    client, secret = api_client_for(home)
    return {
        "api": SignedClient(client, secret),
        "granted": granted,
        "grant": grant,
        "clear_id": clear_id,
        "ungranted": ungranted,
        "foreign": foreign,
        "foreign_grant": foreign_grant,
        "chaoyang": chaoyang,
    }


def test_a_bank_client_reads_its_own_roster_with_masked_id_numbers_only(staff) -> None:  # type: ignore[no-untyped-def]
    r = staff["api"].get(f"{BASE}/staff?limit=100")
    names = {s["name"] for s in r.json()["items"]}
    assert names == {"张三", "李四"}
    row = next(s for s in r.json()["items"] if s["name"] == "张三")
    assert row["id_number_masked"] == staff["granted"].id_number_masked
    assert "*" in row["id_number_masked"] and row["phone_masked"] == "138****8000"
    assert staff["clear_id"] not in r.content.decode()
    assert row["grant_until"] == staff["grant"].valid_until.isoformat()


def test_roster_filters_by_outlet_status_and_grant(staff) -> None:  # type: ignore[no-untyped-def]
    api = staff["api"]
    assert [s["name"] for s in api.get(f"{BASE}/staff?outlet={staff['chaoyang'].code}").json()["items"]] == [
        "张三"
    ]
    assert [s["name"] for s in api.get(f"{BASE}/staff?granted=false").json()["items"]] == ["李四"]
    assert api.get(f"{BASE}/staff?status=left").json()["total"] == 0


def test_a_staff_detail_shows_hours_pass_and_the_grant_checks(staff) -> None:  # type: ignore[no-untyped-def]
    body = staff["api"].get(f"{BASE}/staff/{staff['granted'].pk}").json()
    assert float(body["training_hours"]) >= body["training_hours_required"]
    assert body["latest_pass"]["certificate_no"]
    assert {c["code"]: c["ok"] for c in body["grant_checks"]}["exam"] is True
    assert [g["status"] for g in body["grants"]] == ["active"]
    assert staff["clear_id"] not in str(body)


def test_a_bank_client_cannot_read_another_banks_staff(staff) -> None:  # type: ignore[no-untyped-def]
    api = staff["api"]
    r = api.get(f"{BASE}/staff/{staff['foreign'].pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert api.get(f"{BASE}/grants/{staff['foreign_grant'].pk}").status_code == 404
    assert api.get(f"{BASE}/staff?q={quote('王五')}").json()["total"] == 0


def test_training_exams_and_grants_are_listed_within_the_scope(staff) -> None:  # type: ignore[no-untyped-def]
    api = staff["api"]
    training = api.get(f"{BASE}/training").json()["items"]
    assert [t["staff"]["name"] for t in training] == ["张三"]
    assert training[0]["status"] == "attended"
    exams = api.get(f"{BASE}/exams?passed=true").json()["items"]
    assert [e["staff"]["name"] for e in exams] == ["张三"]
    grants = api.get(f"{BASE}/grants?status=active").json()["items"]
    assert [(g["staff"]["name"], g["in_force"]) for g in grants] == [("张三", True)]
    assert api.get(f"{BASE}/grants/{staff['grant'].pk}").json()["channels"] == ["O", "T", "W"]


def test_a_bad_filter_is_a_validation_problem(staff) -> None:  # type: ignore[no-untyped-def]
    r = staff["api"].get(f"{BASE}/staff?status=retired")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "status"


def test_a_district_officers_token_sees_the_districts_staff(staff) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(user_with_role(Role.DISTRICT_OFFICER, agency=district("110108")))
    headers = {"Authorization": f"Bearer {token}"}
    body = Client().get(f"{BASE}/staff", headers=headers).json()
    assert [s["name"] for s in body["items"]] == ["李四"]
    assert Client().get(f"{BASE}/staff/{staff['granted'].pk}", headers=headers).status_code == 404
