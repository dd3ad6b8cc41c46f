"""The API refuses what its schema does not describe (R9.3): control characters in any string, bodies
that are not objects, unknown fields, numbers read as dates, phone numbers that are not phone numbers.
Each refusal is a 422 problem naming the field, and writes nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from config.api import api as sheyin_api
from sheyin.audit.models import AuditEvent
from sheyin.common.text import MULTI_LINE, SINGLE_LINE
from sheyin.institutions.models import Outlet
from sheyin.support.models import Ticket

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets"
VT = "\u000b"


def document() -> dict[str, Any]:
    return sheyin_api.get_openapi_schema()


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _string_schemas(doc: dict[str, Any], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The string alternatives of a (possibly nullable) schema."""
    schema = _resolve(doc, schema)
    options = schema.get("anyOf") or [schema]
    return [_resolve(doc, o) for o in options if _resolve(doc, o).get("type") == "string"]


def string_inputs(doc: dict[str, Any]) -> list[tuple[str, str, str, str, dict[str, Any]]]:
    """(method, path, location, name, schema) of every string input of every operation."""
    found = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for p in op.get("parameters", []):
                for s in _string_schemas(doc, p["schema"]):
                    found.append((method.upper(), path, p["in"], p["name"], s))
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                for name, prop in _resolve(doc, body).get("properties", {}).items():
                    for s in _string_schemas(doc, prop):
                        found.append((method.upper(), path, "body", name, s))
    return found


def test_every_string_input_of_the_api_is_constrained() -> None:
    doc = document()
    loose = [
        f"{m} {p} {where} {name}"
        for m, p, where, name, s in string_inputs(doc)
        if not (s.get("enum") or s.get("format") in ("date", "date-time") or s.get("pattern"))
        or (s.get("pattern") and "maxLength" not in s and s.get("pattern") in (SINGLE_LINE, MULTI_LINE))
    ]
    assert not loose, "string inputs without a pattern, enum or date format:\n" + "\n".join(loose)


def test_every_request_body_is_an_object_with_exactly_its_fields() -> None:
    doc = document()
    bodies = [
        _resolve(doc, op["requestBody"]["content"]["application/json"]["schema"])
        for ops in doc["paths"].values()
        for op in ops.values()
        if "requestBody" in op
    ]
    assert bodies
    assert all(b.get("type") == "object" and b.get("additionalProperties") is False for b in bodies)


def test_a_control_character_in_any_string_input_is_a_422_naming_the_field(world) -> None:  # type: ignore[no-untyped-def]
    """Walks the OpenAPI document: every string parameter and body field, sent with a vertical tab."""
    api = world["home_api"]
    doc = document()
    tried, wrong = 0, []
    for method, path, where, name, _schema in string_inputs(doc):
        if where == "header":
            continue  # headers are not text fields (Idempotency-Key has its own 400)
        url, body = path, None
        for p in doc["paths"][path][method.lower()].get("parameters", []):
            if p["in"] == "path":
                value = f"A{VT}1" if (where, name) == ("path", p["name"]) else "1"
                if _resolve(doc, p["schema"]).get("type") == "string" and (where, name) != (
                    "path",
                    p["name"],
                ):
                    value = "WD1101050001"
                url = url.replace("{" + p["name"] + "}", quote(value, safe=""))
        if where == "query":
            url += f"?{name}={quote('x' + VT + 'y')}"
        if where == "body":
            body = {name: f"正文{VT}内容"}
        if body is None:
            r = api.get(url) if method == "GET" else api.send(method, url, {}, key=f"k{tried}")
        else:
            r = api.send(method, url, body, key=f"k{tried}")
        tried += 1
        fields = {e["field"] for e in r.json().get("errors", [])} if r.status_code == 422 else set()
        if r.status_code != 422 or name not in fields or r["Content-Type"] != "application/problem+json":
            wrong.append(f"{method} {url} {where}:{name} -> {r.status_code} {r.content[:200]!r}")
    assert tried >= 10, tried
    assert not wrong, "\n".join(wrong)


def raise_ticket(world: dict[str, Any], title: str, description: str, key: str) -> Any:
    """A signed POST /api/v1/support/tickets for the calling bank's own outlet."""
    body = {
        "outlet": world["outlets"]["home"].code,
        "category": "system",
        "title": title,
        "description": description,
    }
    return world["home_api"].send("POST", "/api/v1/support/tickets", body, key=key)


def test_a_signed_ticket_with_a_vertical_tab_in_its_title_is_refused_and_nothing_is_written(world) -> None:  # type: ignore[no-untyped-def]
    r = raise_ticket(world, f"终端{VT}无法打印", "打印时卡纸报错", "vt-ticket")
    assert r.status_code == 422
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["code"] == "validation_failed"
    assert [(e["field"], e["message"]) for e in body["errors"]] == [
        ("title", "不能包含控制字符或不可见的格式字符。")
    ]
    assert body["errors"][0]["message_en"] == "Must not contain control or invisible formatting characters."
    assert not Ticket.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="ticket.").exists()


def test_a_multi_line_ticket_description_keeps_its_line_breaks(world) -> None:  # type: ignore[no-untyped-def]
    r = raise_ticket(world, "终端无法打印", "第一行\r\n第二行\t完", "multi-line")
    assert r.status_code == 201, r.content
    assert Ticket.objects.get().description == "第一行\r\n第二行\t完"


@pytest.mark.parametrize(
    "raw", ["[]", "123", "[null,null]", '"x"', "null", "true", '{"phone": "010-66668888", "x": 1}']
)
def test_the_contact_patch_refuses_a_body_that_is_not_a_contact_object(world, raw) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    outlet = world["outlets"]["home"]
    path = f"{OUTLETS}/{outlet.code}/contact"
    before = Outlet.objects.values("phone", "opening_hours").get(pk=outlet.pk)
    body = raw.encode()
    h = {**api.headers("PATCH", path, body), "Idempotency-Key": f"raw-{abs(hash(raw))}"}
    r = api.http.generic("PATCH", path, body, content_type="application/json", headers=h)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "validation_failed"
    assert Outlet.objects.values("phone", "opening_hours").get(pk=outlet.pk) == before
    assert not AuditEvent.objects.filter(action="outlet.update").exists()


@pytest.mark.parametrize(
    "phone", ["4)(3(3", "123", "010-3", "++86", "0000000000000", "１３８", "1380013800０x"]
)
def test_a_phone_that_is_not_a_chinese_phone_number_is_refused(world, phone) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    r = world["home_api"].send(
        "PATCH", f"{OUTLETS}/{outlet.code}/contact", {"phone": phone}, key=f"p-{abs(hash(phone))}"
    )
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["phone"]
    assert Outlet.objects.get(pk=outlet.pk).phone != phone


@pytest.mark.parametrize(
    "phone", ["010-66668888", "(010)66668888", "13800138000", "+86 138 0013 8000", "95588", "400-810-8888"]
)
def test_fixed_line_mobile_and_service_numbers_are_accepted(world, phone) -> None:  # type: ignore[no-untyped-def]
    outlet = world["outlets"]["home"]
    r = world["home_api"].send(
        "PATCH", f"{OUTLETS}/{outlet.code}/contact", {"phone": phone}, key=f"ok-{abs(hash(phone))}"
    )
    assert r.status_code == 200, r.content
    assert Outlet.objects.get(pk=outlet.pk).phone == phone


@pytest.mark.parametrize(
    "value", ["0", "1700000000", "2026-02-30", "2026/12/01", "20261201", "yesterday", "2026-12-01T00:00"]
)
def test_a_date_filter_takes_only_an_iso_date(world, value) -> None:  # type: ignore[no-untyped-def]
    r = world["home_api"].get(f"/api/v1/casework/cases?called_to={quote(value)}")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["called_to"]
    assert (
        json.loads(r.content)["errors"][0]["message"] == "应为日期，格式如 2026-12-01。"
        or value == "2026-02-30"
    )


def test_an_iso_date_filter_is_answered(world) -> None:  # type: ignore[no-untyped-def]
    assert world["home_api"].get("/api/v1/casework/cases?called_to=2026-12-01").status_code == 200


@pytest.mark.parametrize("value", ["0", "1700000000", "tomorrow", "2026-12-01T25:00:00"])
def test_the_public_catalogue_takes_only_an_iso_time(client, value) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/catalogue/?at={quote(value)}")
    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["at"]
