"""The contract around every operation: problem+json errors, rate limits, audit, public reads, OpenAPI."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sheyin.api.models import ApiClient
from sheyin.api.problems import PROBLEMS
from sheyin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets"
PROBLEM_KEYS = {"type", "title", "status", "code", "detail", "detail_en"}


def test_errors_are_problem_json_with_a_code_and_chinese_and_english_messages(world) -> None:  # type: ignore[no-untyped-def]
    r = Client().get(OUTLETS)
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert set(body) >= PROBLEM_KEYS
    assert body["type"] == "urn:sheyin:problem:not_authenticated"
    assert body["status"] == 401
    assert re.search(r"[\u4e00-\u9fff]", body["detail"])
    assert body["detail_en"].isascii() and body["detail_en"]


def test_every_problem_code_has_an_english_message() -> None:
    from sheyin.api.problems import problem_body

    for code in PROBLEMS:
        body = problem_body(code)
        assert body["detail_en"].isascii(), code


def test_invalid_parameters_answer_422_with_field_errors(world) -> None:  # type: ignore[no-untyped-def]
    r = world["home_api"].get(OUTLETS + "?limit=0&district=abc")
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "validation_failed"
    fields = {e["field"] for e in body["errors"]}
    assert {"limit", "district"} <= fields
    assert all(e["message"] and e["message_en"] for e in body["errors"])


def test_control_characters_in_input_are_refused_not_stored(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    assert world["home_api"].get(OUTLETS + "?q=%00").status_code == 422
    r = world["home_api"].send(
        "PATCH", f"{OUTLETS}/{outlet.code}/contact", {"opening_hours": "9:00\x00"}, key="nul"
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "opening_hours"


def test_malformed_json_is_a_400_problem(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    code = world["outlets"]["home"].code
    path = f"{OUTLETS}/{code}/contact"
    body = b"{not json"
    h = {**api.headers("PATCH", path, body), "Idempotency-Key": "bad-json"}
    r = api.http.generic("PATCH", path, body, content_type="application/json", headers=h)
    assert r.status_code in (400, 422)
    assert r["Content-Type"] == "application/problem+json"


def test_unknown_paths_and_methods_are_problems_too(world) -> None:  # type: ignore[no-untyped-def]
    r = Client().get("/api/v1/no/such/thing")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = Client().delete("/api/v1/public/outlets")
    assert (r.status_code, r.json()["code"]) == (405, "method_not_allowed")
    assert r["Allow"] == "GET"


def test_a_client_over_its_rate_limit_gets_429_with_retry_after(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    ApiClient.objects.filter(pk=api.api_client.pk).update(rate_limit_per_minute=2)
    assert api.get(OUTLETS).status_code == 200
    assert api.get(OUTLETS).status_code == 200
    r = api.get(OUTLETS)
    assert r.status_code == 429
    assert r.json()["code"] == "rate_limited"
    assert 1 <= int(r["Retry-After"]) <= 61
    assert world["other_api"].get(OUTLETS).status_code == 200  # limits are per client


def test_every_authenticated_call_is_an_audit_event_naming_the_client(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    api.get(OUTLETS + "?q=secret-search")
    event = AuditEvent.objects.filter(action="api.call").latest("id")
    assert event.actor_name == f"api:{api.api_client.key_id}"
    assert event.object_id == f"GET {OUTLETS}"
    assert event.outcome == "success"
    assert event.after["status"] == 200
    assert event.after["bank"] == "本行"
    assert "secret-search" not in str(event.after)  # no query, no body in the trail


def test_refused_calls_are_counted_and_audited_once_per_source_and_minute(world) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from django.utils import timezone

    from sheyin.api.services import refusals_audit

    api = world["home_api"]
    h = {**api.headers("GET", OUTLETS), "X-Sheyin-Signature": "0" * 64}
    api.http.get(OUTLETS, headers=h)
    assert not AuditEvent.objects.filter(action="api.call").exists()
    refusals_audit(now=timezone.now() + dt.timedelta(minutes=2))
    event = AuditEvent.objects.get(action="api.refused")
    assert event.actor_name == f"api:{api.api_client.key_id}"
    assert event.outcome == "denied"
    assert event.after["codes"] == {"bad_signature": 1}
    assert event.after["client"] == api.api_client.name


def test_a_write_by_a_client_is_audited_in_the_same_transaction_as_the_change(world) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    world["home_api"].send("PATCH", f"{OUTLETS}/{outlet.code}/contact", {"phone": "010-65000003"}, key="w")
    actions = list(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:2])
    assert actions == ["api.call", "outlet.update"]
    call = AuditEvent.objects.filter(action="api.call").latest("id")
    assert call.after["method"] == "PATCH"
    assert "010-66660003" not in str(call.after)


def test_a_token_call_is_audited_as_the_user(world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.api.tests.factories import token_for

    user = user_with_role(Role.BANK_ADMIN, bank=world["home"])
    row, token = token_for(user)
    Client().get(OUTLETS, headers={"Authorization": f"Bearer {token}"})
    event = AuditEvent.objects.filter(action="api.call").latest("id")
    assert event.actor_id == user.pk
    assert event.after["token"] == row.prefix


def test_public_outlets_need_no_credentials_and_show_operating_outlets_only(world) -> None:  # type: ignore[no-untyped-def]
    r = Client().get("/api/v1/public/outlets?limit=100")
    assert r.status_code == 200
    names = {o["name"] for o in r.json()["items"]}
    assert names == {"本行朝阳网点", "本行海淀网点", "他行朝阳网点"}
    assert Client().get("/api/v1/public/outlets?district=110108").json()["total"] == 1
    assert not AuditEvent.objects.filter(action="api.call").exists()


def test_public_outlets_expose_no_personal_or_internal_fields(world) -> None:  # type: ignore[no-untyped-def]
    item = Client().get("/api/v1/public/outlets").json()["items"][0]
    assert set(item) == {
        "code", "name", "bank", "district", "address", "lon", "lat", "opening_hours", "phone",
        "windows", "terminals", "online_counters",
    }  # fmt: skip
    assert isinstance(item["bank"], str)


def test_the_openapi_document_loads_and_documents_the_conventions(world) -> None:  # type: ignore[no-untyped-def]
    doc = Client().get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    paths = doc["paths"]
    assert {"/api/v1/institutions/outlets", "/api/v1/public/outlets", "/api/v1/auth/whoami"} <= set(paths)
    listing = paths["/api/v1/institutions/outlets"]["get"]
    assert {"SignedClientAuth", "PersonalTokenAuth"} <= {k for s in listing["security"] for k in s}
    assert "application/problem+json" in listing["responses"]["401"]["content"]
    write = paths["/api/v1/institutions/outlets/{code}/contact"]["patch"]
    assert any(p["name"] == "Idempotency-Key" and p["required"] for p in write["parameters"])
    assert "security" not in paths["/api/v1/public/outlets"]["get"]
    assert "Problem" in doc["components"]["schemas"]


def test_the_docs_page_uses_only_this_servers_assets(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/api/v1/docs").content.decode()
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
    assert "<script>" not in html  # strict CSP: no inline script
    css = client.get("/api/v1/docs/assets/swagger-ui.css")
    assert css.status_code == 200 and css["Content-Type"].startswith("text/css")
    assert client.get("/api/v1/docs/assets/../settings.py").status_code == 404
