"""The integration API meets the same procedures as the pages (R3.1, R4.2, R8.4): a bank's system edits an
outlet's contact details only, and no operation registers an outlet outside an outlet application."""

from __future__ import annotations

import pytest
from django.test import Client

from sheyin.institutions.models import Outlet

pytestmark = pytest.mark.django_db


def test_the_contact_operation_changes_no_fact_a_rule_depends_on(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    body = {"phone": "010-88886666", "lon": outlet.lon + 0.0004, "terminals": 0, "card_machines": 0,
            "district": "110108"}  # fmt: skip
    r = world["home_api"].send(
        "PATCH", f"/api/v1/institutions/outlets/{outlet.code}/contact", body, key="facts"
    )
    # The operation's schema describes the phone and opening hours only: anything else is refused whole.
    assert r.status_code == 422
    fresh = Outlet.objects.get(pk=outlet.pk)
    assert fresh.phone == outlet.phone
    assert (fresh.lon, fresh.terminals, fresh.card_machines, fresh.district_id) == (
        outlet.lon, outlet.terminals, outlet.card_machines, outlet.district_id,
    )  # fmt: skip


def test_no_operation_registers_an_outlet_on_its_own(world) -> None:  # type: ignore[no-untyped-def]
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, ops in paths.items():
        if path.rstrip("/").endswith("/outlets"):
            assert "post" not in ops, path  # outlets come from POST /cooperation/applications only
    r = world["home_api"].send("POST", "/api/v1/institutions/outlets", {"name": "x"}, key="register")
    assert r.status_code in (404, 405)
    assert not Outlet.objects.filter(name="x").exists()
