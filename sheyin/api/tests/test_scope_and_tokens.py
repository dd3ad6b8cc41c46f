"""A bank's client sees exactly its bank's scope (R8.3); a personal token obeys its user's role and scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from sheyin.accounts import services as account_services
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api import services
from sheyin.api.models import PersonalToken
from sheyin.api.tests.factories import token_for
from sheyin.institutions.tests.factories import district, municipal

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_bank_client_lists_only_its_own_banks_outlets_in_every_status(world) -> None:  # type: ignore[no-untyped-def]
    names = {o["name"] for o in world["other_api"].get(OUTLETS + "?limit=100").json()["items"]}
    assert names == {"他行朝阳网点", "他行申请中网点"}


def test_a_bank_client_cannot_read_another_banks_outlet(world) -> None:  # type: ignore[no-untyped-def]
    foreign = world["outlets"]["other"]
    r = world["home_api"].get(f"{OUTLETS}/{foreign.code}")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_a_bank_client_cannot_find_another_banks_outlet_by_searching(world) -> None:  # type: ignore[no-untyped-def]
    foreign = world["outlets"]["other"]
    r = world["home_api"].get(f"{OUTLETS}?q={foreign.code}")
    assert r.json()["total"] == 0


def test_a_bank_client_cannot_write_to_another_banks_outlet(world) -> None:  # type: ignore[no-untyped-def]
    foreign = world["outlets"]["other"]
    r = world["home_api"].send(
        "PATCH", f"{OUTLETS}/{foreign.code}/contact", {"phone": "010-66660011"}, key="x"
    )
    assert r.status_code == 404
    foreign.refresh_from_db()
    assert foreign.phone == ""


def test_filters_and_pagination_apply_within_the_scope(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    assert api.get(OUTLETS + "?district=110108").json()["total"] == 1
    page = api.get(OUTLETS + "?limit=1&offset=1").json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (2, 1, 1, 1)
    assert world["other_api"].get(OUTLETS + "?status=applying").json()["total"] == 1


def test_a_bank_client_reads_its_own_bank(world) -> None:  # type: ignore[no-untyped-def]
    body = world["other_api"].get("/api/v1/institutions/banks/me").json()
    assert body["short_name"] == "他行"
    assert body["outlets_by_status"]["operating"] == 1
    assert body["outlets_by_status"]["applying"] == 1


def test_whoami_describes_a_client_and_its_limited_permissions(world) -> None:  # type: ignore[no-untyped-def]
    body = world["home_api"].get("/api/v1/auth/whoami").json()
    assert body["kind"] == "client"
    assert body["actor"] == f"api:{world['home_api'].api_client.key_id}"
    assert body["scope"] == ["本行"]
    assert "institutions.edit_outlet" in body["permissions"]
    assert "institutions.create_outlet" not in body["permissions"]  # a bank admin may; its system may not


def test_a_district_users_token_sees_the_districts_outlets_only(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    _, token = token_for(user)
    names = {o["name"] for o in Client().get(OUTLETS, headers=bearer(token)).json()["items"]}
    assert names == {"本行海淀网点"}


def test_a_municipal_users_token_sees_every_outlet(world) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    assert Client().get(OUTLETS, headers=bearer(token)).json()["total"] == 4


def test_a_token_writes_with_its_users_permissions(world) -> None:  # type: ignore[no-untyped-def]
    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110105"))
    _, token = token_for(inspector)
    outlet = world["outlets"]["home"]
    r = Client().patch(
        f"{OUTLETS}/{outlet.code}/contact",
        {"phone": "010-66660011"},
        content_type="application/json",
        headers={**bearer(token), "Idempotency-Key": "t1"},
    )
    assert r.status_code == 403  # inspectors may read outlets but not edit them
    assert r.json()["code"] == "permission_denied"


def test_a_token_stops_working_when_the_users_sessions_are_revoked(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    _, token = token_for(user)
    assert Client().get(OUTLETS, headers=bearer(token)).status_code == 200
    account_services.user_revoke_sessions(user=user, reason="离职", by=None)
    r = Client().get(OUTLETS, headers=bearer(token))
    assert r.status_code == 401
    assert r.json()["code"] == "invalid_token"


def test_a_token_stops_working_when_the_user_is_disabled(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    _, token = token_for(user)
    account_services.user_set_active(user=user, active=False, reason="停用", by=None)
    assert Client().get(OUTLETS, headers=bearer(token)).json()["code"] == "invalid_token"


def test_a_revoked_or_expired_token_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    row, token = token_for(user)
    services.token_revoke(token=row, by=user)
    assert Client().get(OUTLETS, headers=bearer(token)).json()["code"] == "invalid_token"
    row2, token2 = token_for(user, name="另一个")
    now = timezone.now()
    PersonalToken.objects.filter(pk=row2.pk).update(
        created_at=now - dt.timedelta(days=2), expires_at=now - dt.timedelta(seconds=1)
    )
    assert Client().get(OUTLETS, headers=bearer(token2)).json()["code"] == "invalid_token"


def test_a_made_up_token_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    _row, token = token_for(user)
    forged = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    for t in (forged, "syt_deadbeef_" + "x" * 43, "nonsense"):
        r = Client().get(OUTLETS, headers=bearer(t))
        assert (r.status_code, r.json()["code"]) == (401, "invalid_token")


def test_outlet_staff_may_not_hold_a_token(world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.permissions import NotAllowed

    staff = user_with_role(Role.OUTLET_STAFF, outlet=world["outlets"]["home"])
    with pytest.raises(NotAllowed):
        services.token_create(user=staff, name="x", days=1, by=staff)


def test_a_token_of_a_user_whose_role_lost_the_right_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    _, token = token_for(user)
    # Moved to an outlet role (role changes end sessions and tokens; the permission check holds anyway).
    user.assignments.update(
        role=Role.OUTLET_MANAGER, outlet=world["outlets"]["home"], agency=district("110105")
    )
    assert Client().get(OUTLETS, headers=bearer(token)).json()["code"] == "invalid_token"
