"""Tickets over the API (R9.2): a bank reads its own outlets' tickets with deadlines and conversation;
another bank's do not exist for it; a bank raises a ticket for one of its own outlets, once per key."""

from __future__ import annotations

import pytest
from django.test import Client

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for, token_for
from sheyin.institutions.tests.factories import district
from sheyin.support import services
from sheyin.support.models import Ticket
from sheyin.support.tests.factories import world

pytestmark = pytest.mark.django_db

BASE = "/api/v1/support/tickets"


@pytest.fixture
def tickets(reference, calendar):  # type: ignore[no-untyped-def]
    home, other, haidian = world(), world(), world("110108")

    def raise_(w, title):  # type: ignore[no-untyped-def]
        return services.ticket_raise(
            category="system", title=title, description="叫号系统无法登录。", by=w.staff
        )

    mine, theirs, far = raise_(home, "本行工单"), raise_(other, "他行工单"), raise_(haidian, "海淀工单")
    services.ticket_reply(ticket=mine, body="已重置账号，请重试。", by=home.officer)
    client, secret = api_client_for(home.outlet.bank)
    return {"api": SignedClient(client, secret), "mine": mine, "theirs": theirs, "far": far}


def test_a_bank_client_lists_its_own_outlets_tickets(tickets) -> None:  # type: ignore[no-untyped-def]
    body = tickets["api"].get(BASE).json()
    assert [t["title"] for t in body["items"]] == ["本行工单"]
    assert body["items"][0]["status"] == "answered" and body["items"][0]["reply_overdue"] is False


def test_ticket_filters_apply_within_the_scope(tickets) -> None:  # type: ignore[no-untyped-def]
    api = tickets["api"]
    assert api.get(f"{BASE}?status=open").json()["total"] == 0
    assert api.get(f"{BASE}?category=system&outlet={tickets['mine'].outlet.code}").json()["total"] == 1
    assert api.get(f"{BASE}?q={tickets['theirs'].number}").json()["total"] == 0
    assert api.get(f"{BASE}?raised_to=2001-01-01").json()["total"] == 0


def test_a_ticket_detail_carries_the_conversation(tickets) -> None:  # type: ignore[no-untyped-def]
    body = tickets["api"].get(f"{BASE}/{tickets['mine'].pk}").json()
    assert body["description"] == "叫号系统无法登录。"
    assert "已重置账号，请重试。" in [m["body"] for m in body["messages"]]
    assert body["attachments"] == 0


def test_a_bank_client_cannot_read_another_banks_ticket(tickets) -> None:  # type: ignore[no-untyped-def]
    r = tickets["api"].get(f"{BASE}/{tickets['theirs'].pk}")
    assert r.status_code == 404 and r.json()["code"] == "not_found"


def test_a_bank_client_raises_a_ticket_for_its_outlet_once_per_key(tickets) -> None:  # type: ignore[no-untyped-def]
    api, outlet = tickets["api"], tickets["mine"].outlet
    payload = {
        "outlet": outlet.code,
        "category": "system",
        "title": "终端黑屏",
        "description": "自助终端开机黑屏。",
    }
    first = api.send("POST", BASE, payload, key="ticket-1")
    again = api.send("POST", BASE, payload, key="ticket-1")
    assert first.status_code == 201 and again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    created = Ticket.objects.get(title="终端黑屏")
    assert (
        created.outlet == outlet and created.raised_by is None and created.raised_by_name.startswith("api:")
    )
    assert Ticket.objects.filter(title="终端黑屏").count() == 1


def test_a_bank_client_cannot_raise_a_ticket_for_another_banks_outlet(tickets) -> None:  # type: ignore[no-untyped-def]
    before = Ticket.objects.count()
    payload = {
        "outlet": tickets["theirs"].outlet.code,
        "category": "system",
        "title": "x",
        "description": "xxxxx",
    }
    r = tickets["api"].send("POST", BASE, payload, key="t1")
    assert r.status_code == 404
    assert Ticket.objects.count() == before


def test_a_bad_filter_is_a_validation_problem(tickets) -> None:  # type: ignore[no-untyped-def]
    r = tickets["api"].get(f"{BASE}?category=weather")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    assert r.json()["errors"][0]["field"] == "category"


def test_a_district_officers_token_sees_the_districts_tickets(tickets) -> None:  # type: ignore[no-untyped-def]
    _, token = token_for(user_with_role(Role.DISTRICT_OFFICER, agency=district("110108")))
    headers = {"Authorization": f"Bearer {token}"}
    assert [t["title"] for t in Client().get(BASE, headers=headers).json()["items"]] == ["海淀工单"]
    assert Client().get(f"{BASE}/{tickets['mine'].pk}", headers=headers).status_code == 404
