"""好差评 over the API (R9.5): a bank reads its own outlets' ratings without any contact detail, and the
statistics of the pages' own definitions within its scope."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for, token_for
from sheyin.institutions.tests.factories import BankFactory, district
from sheyin.ratings.tests.factories import completed_case, good, outlet, rate, real_name

pytestmark = pytest.mark.django_db

BASE = "/api/v1/ratings"


@pytest.fixture
def ratings(reference):  # type: ignore[no-untyped-def]
    home = BankFactory()
    chaoyang, haidian, foreign = outlet(bank=home), outlet("110108", bank=home), outlet()
    bad = rate(completed_case(chaoyang), real_name(1))
    fine = rate(completed_case(chaoyang), good(5))
    far = rate(completed_case(haidian), good(4))
    theirs = rate(completed_case(foreign), good(5))
    client, secret = api_client_for(home)
    return {
        "api": SignedClient(client, secret),
        "chaoyang": chaoyang,
        "bad": bad,
        "fine": fine,
        "far": far,
        "theirs": theirs,
    }


def test_a_bank_client_lists_its_own_ratings_without_contact_details(ratings) -> None:  # type: ignore[no-untyped-def]
    r = ratings["api"].get(f"{BASE}/ratings?limit=100")
    ids = {x["id"] for x in r.json()["items"]}
    assert ids == {ratings["bad"].pk, ratings["fine"].pk, ratings["far"].pk}
    text = r.content.decode()
    assert "李四光" not in text and "13912345678" not in text and "139****5678" not in text
    assert not {"contact_name", "contact_phone", "contact_phone_masked", "client_hash"} & set(
        r.json()["items"][0]
    )


def test_rating_filters_apply_within_the_scope(ratings) -> None:  # type: ignore[no-untyped-def]
    api = ratings["api"]
    assert [x["id"] for x in api.get(f"{BASE}/ratings?level=1").json()["items"]] == [ratings["bad"].pk]
    assert api.get(f"{BASE}/ratings?outlet={ratings['chaoyang'].code}").json()["total"] == 2
    assert api.get(f"{BASE}/ratings?rated_from=2099-01-01").json()["total"] == 0


def test_a_bank_client_cannot_read_another_banks_rating(ratings) -> None:  # type: ignore[no-untyped-def]
    r = ratings["api"].get(f"{BASE}/ratings/{ratings['theirs'].pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    assert ratings["api"].get(f"{BASE}/ratings/{ratings['bad'].pk}").json()["level"] == 1


def test_statistics_by_outlet_count_only_the_callers_outlets(ratings) -> None:  # type: ignore[no-untyped-def]
    body = ratings["api"].get(f"{BASE}/statistics?by=outlet").json()
    rows = {row["code"]: row for row in body["rows"]}
    assert set(rows) == {ratings["chaoyang"].code, ratings["far"].outlet.code}
    here = rows[ratings["chaoyang"].code]
    assert (here["ratings"], here["bad"], here["satisfaction_rate"]) == (2, 1, 0.5)
    assert body["start"] == timezone.localdate().replace(day=1).isoformat()


def test_statistics_for_the_whole_scope_by_month(ratings) -> None:  # type: ignore[no-untyped-def]
    month = timezone.localdate().strftime("%Y-%m")
    body = ratings["api"].get(f"{BASE}/statistics?by=city&monthly=true&month_from={month}").json()
    assert [(r["ratings"], r["month"][:7]) for r in body["rows"]] == [(3, month)]


def test_statistics_of_another_banks_outlet_do_not_exist(ratings) -> None:  # type: ignore[no-untyped-def]
    r = ratings["api"].get(f"{BASE}/statistics?outlet={ratings['theirs'].outlet.code}")
    assert r.status_code == 404


def test_a_bad_month_is_a_validation_problem(ratings) -> None:  # type: ignore[no-untyped-def]
    r = ratings["api"].get(f"{BASE}/statistics?month_from=2026-13&by=street")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert {e["field"] for e in r.json()["errors"]} == {"month_from", "by"}


def test_a_district_officers_token_sees_the_districts_ratings(ratings) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(user_with_role(Role.DISTRICT_OFFICER, agency=district("110108")))
    headers = {"Authorization": f"Bearer {token}"}
    body = Client().get(f"{BASE}/ratings", headers=headers).json()
    assert [x["id"] for x in body["items"]] == [ratings["far"].pk]
    stats = Client().get(f"{BASE}/statistics?by=district", headers=headers).json()
    assert [(r["code"], r["ratings"]) for r in stats["rows"]] == [("110108", 1)]
