"""The options endpoint behind a list's dependent district/bank/outlet selects: the banks with outlets in
the chosen district, the outlets of the chosen district and bank, only ever from the user's scope; a
district or bank outside the scope answers 400; anonymous visitors and outlet staff get nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db

URL = "institutions:filter_options"


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b, far_b = (BankFactory(short_name=n) for n in ("本行", "他行", "远方行"))
    for bank, d, name in (
        (home_b, home_d, "本行本区网点"), (home_b, other_d, "本行他区网点"), (other_b, home_d, "他行本区网点"),
        (other_b, other_d, "他行他区网点"), (far_b, other_d, "远方行他区网点"),
    ):  # fmt: skip
        OutletFactory(bank=bank, district=d, name=name)
    return {"home_d": home_d, "other_d": other_d, "home_b": home_b, "other_b": other_b, "far_b": far_b}


def labels(body: dict, name: str) -> set[str]:  # type: ignore[type-arg]
    return {o["label"] for o in body[name]["options"]}


def test_the_options_narrow_by_district_and_by_bank(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    body = client.get(reverse(URL), {"district": world["home_d"].pk}).json()
    assert labels(body, "bank") == {"本行", "他行"}
    assert labels(body, "outlet") == {"本行本区网点", "他行本区网点"}
    body = client.get(reverse(URL), {"bank": world["home_b"].pk}).json()
    assert labels(body, "outlet") == {"本行本区网点", "本行他区网点"}
    body = client.get(reverse(URL), {"district": world["other_d"].pk, "bank": world["home_b"].pk}).json()
    assert labels(body, "outlet") == {"本行他区网点"} and body["bank"]["selected"] == str(world["home_b"].pk)
    assert body["outlet"]["note"] == ""


def test_a_bank_without_outlets_in_the_new_district_is_dropped(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    body = client.get(reverse(URL), {"district": world["home_d"].pk, "bank": world["far_b"].pk}).json()
    assert body["bank"]["selected"] == "" and "远方行" not in labels(body, "bank")
    assert labels(body, "outlet") == {"本行本区网点", "他行本区网点"}


def test_a_district_officer_never_gets_another_districts_outlets(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=world["home_d"]))
    body = client.get(reverse(URL)).json()
    assert labels(body, "outlet") == {"本行本区网点", "他行本区网点"}
    assert labels(body, "bank") == {"本行", "他行"}
    body = client.get(reverse(URL), {"bank": world["home_b"].pk}).json()
    assert labels(body, "outlet") == {"本行本区网点"}
    resp = client.get(reverse(URL), {"district": world["other_d"].pk})
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["field"] == "所在区" and "outlet" not in resp.json()
    body = client.get(reverse(URL), {"bank": world["far_b"].pk}).json()  # no outlet in the district
    assert body["bank"]["selected"] == "" and labels(body, "outlet") == {"本行本区网点", "他行本区网点"}


def test_a_bank_admin_gets_its_own_outlets_and_another_bank_is_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(user_with_role(Role.BANK_ADMIN, bank=world["other_b"]))
    body = client.get(reverse(URL), {"district": world["home_d"].pk}).json()
    assert labels(body, "outlet") == {"他行本区网点"}
    assert client.get(reverse(URL), {"bank": world["home_b"].pk}).status_code == 400
    assert client.get(reverse(URL), {"district": "x"}).status_code == 400


def test_anonymous_visitors_are_sent_to_log_in_and_outlet_staff_are_refused(client, world) -> None:  # type: ignore[no-untyped-def]
    resp = client.get(reverse(URL), {"district": world["home_d"].pk})
    assert resp.status_code == 302 and resp["Location"].startswith(reverse("accounts:login"))
    outlet = OutletFactory(bank=world["home_b"], district=world["home_d"])
    client.force_login(user_with_role(Role.OUTLET_STAFF, outlet=outlet))
    assert client.get(reverse(URL), {"district": world["home_d"].pk}).status_code == 403


def test_the_district_filter_offers_each_role_only_districts_that_can_match_its_rows(world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.institutions.models import Outlet
    from sheyin.institutions.selectors import district_choices_for

    outlet = Outlet.objects.get(name="他行他区网点")
    every = set(district_choices_for(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())))
    assert len(every) == 16 and world["home_d"] in every
    assert set(district_choices_for(user_with_role(Role.BANK_ADMIN, bank=world["home_b"]))) == every
    assert list(district_choices_for(user_with_role(Role.DISTRICT_OFFICER, agency=world["home_d"]))) == [
        world["home_d"]
    ]
    for role in (Role.OUTLET_MANAGER, Role.OUTLET_STAFF):
        assert list(district_choices_for(user_with_role(role, outlet=outlet))) == [world["other_d"]]
