"""Signed requests of bank head-office clients (R2.0): every refusal has its own stable problem code."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client

from sheyin.api import services, signing
from sheyin.api.models import Nonce
from sheyin.api.tests.factories import SignedClient, api_client_for

pytestmark = pytest.mark.django_db

OUTLETS = "/api/v1/institutions/outlets"


def code_of(response) -> str:  # type: ignore[no-untyped-def]
    return json.loads(response.content)["code"]


def test_a_correctly_signed_request_is_answered(world) -> None:  # type: ignore[no-untyped-def]
    r = world["home_api"].get(OUTLETS)
    assert r.status_code == 200
    assert r.json()["total"] == 2


def test_the_signature_is_hmac_sm3_of_the_documented_string() -> None:
    headers = signing.signed_headers(
        "key", "secret", "GET", "/p?a=1", b"", timestamp=1700000000, nonce="n" * 16
    )
    expected_string = "\n".join(["GET", "/p?a=1", "1700000000", "n" * 16, signing.body_digest(b"")])
    assert signing.ALGORITHM == "HMAC-SM3"
    assert signing.string_to_sign("GET", "/p?a=1", "1700000000", "n" * 16, b"") == expected_string
    assert headers[signing.HEADER_SIGNATURE] == signing.sign(
        "secret", "GET", "/p?a=1", "1700000000", "n" * 16, b""
    )
    # SM3("") per GB/T 32905, so a client can check its own hashing.
    assert signing.body_digest(b"") == "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"


def test_a_wrong_signature_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    h = api.headers("GET", OUTLETS)
    h[signing.HEADER_SIGNATURE] = "0" * 64
    r = api.http.get(OUTLETS, headers=h)
    assert r.status_code == 401
    assert code_of(r) == "bad_signature"


def test_a_signature_made_with_another_clients_secret_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    impostor = SignedClient(world["home_api"].api_client, world["other_api"].secret)
    assert code_of(impostor.get(OUTLETS)) == "bad_signature"


def test_a_timestamp_older_than_five_minutes_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    r = world["home_api"].get(OUTLETS, timestamp=int(time.time()) - 301)
    assert r.status_code == 401
    assert code_of(r) == "timestamp_out_of_window"


def test_a_timestamp_from_the_future_is_refused_too(world) -> None:  # type: ignore[no-untyped-def]
    assert (
        code_of(world["home_api"].get(OUTLETS, timestamp=int(time.time()) + 400)) == "timestamp_out_of_window"
    )


def test_a_reused_nonce_is_refused_as_a_replay(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    h = api.headers("GET", OUTLETS)
    assert api.http.get(OUTLETS, headers=h).status_code == 200
    replay = api.http.get(OUTLETS, headers=h)
    assert replay.status_code == 401
    assert code_of(replay) == "nonce_reused"
    assert Nonce.objects.filter(nonce=h[signing.HEADER_NONCE]).count() == 1


def test_a_refused_signature_does_not_spend_the_nonce(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    h = api.headers("GET", OUTLETS)
    forged = {**h, signing.HEADER_SIGNATURE: "f" * 64}
    assert code_of(api.http.get(OUTLETS, headers=forged)) == "bad_signature"
    assert api.http.get(OUTLETS, headers=h).status_code == 200


def test_an_unknown_key_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    h = signing.signed_headers("sy_unknown", "x" * 64, "GET", OUTLETS)
    r = Client().get(OUTLETS, headers=h)
    assert r.status_code == 401
    assert code_of(r) == "unknown_client"


def test_a_revoked_client_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    services.client_revoke(client=api.api_client, reason="合作终止", by=None)
    assert code_of(api.get(OUTLETS)) == "unknown_client"


def test_after_rotation_the_old_secret_stops_and_the_new_one_works(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    _, new_secret = services.client_rotate(client=api.api_client, by=None)
    assert code_of(api.get(OUTLETS)) == "bad_signature"
    assert SignedClient(api.api_client, new_secret).get(OUTLETS).status_code == 200


def test_an_address_outside_the_allow_list_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    client, secret = api_client_for(world["home"], name="限地址", allowed_addresses="10.1.0.0/16\n192.0.2.7")
    api = SignedClient(client, secret)
    r = api.get(OUTLETS, address="203.0.113.9")
    assert r.status_code == 403
    assert code_of(r) == "address_not_allowed"
    assert api.get(OUTLETS, address="10.1.44.2").status_code == 200
    assert api.get(OUTLETS, address="192.0.2.7").status_code == 200


def test_a_tampered_body_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    code = world["outlets"]["home"].code
    path = f"/api/v1/institutions/outlets/{code}/contact"
    signed_body = json.dumps({"phone": "010-66660001"}).encode()
    h = {**api.headers("PATCH", path, signed_body), "Idempotency-Key": "k-tamper"}
    r = api.http.patch(
        path, json.dumps({"phone": "010-66660002"}), content_type="application/json", headers=h
    )
    assert r.status_code == 401
    assert code_of(r) == "bad_signature"


def test_a_tampered_query_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    h = api.headers("GET", OUTLETS + "?status=operating")
    assert code_of(api.http.get(OUTLETS + "?status=applying", headers=h)) == "bad_signature"


def test_a_percent_encoded_path_and_query_are_signed_in_canonical_form(world) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    code = world["outlets"]["home"].code
    # "%57" is "W": the client signs the canonical path, the server canonicalises what it decoded.
    r = api.get(f"/api/v1/institutions/outlets/%57{code[1:]}")
    assert r.status_code == 200
    assert r.json()["code"] == code
    r = api.get("/api/v1/institutions/outlets?q=%E6%B5%B7%E6%B7%80")  # 海淀, percent-encoded as sent
    assert r.json()["total"] == 1


@pytest.mark.parametrize(
    "header,value",
    [
        (signing.HEADER_NONCE, "short"),
        (signing.HEADER_TIMESTAMP, "yesterday"),
        (signing.HEADER_SIGNATURE, "not-hex"),
        (signing.HEADER_KEY, "bad key!"),
    ],
)
def test_malformed_signing_headers_are_refused(world, header, value) -> None:  # type: ignore[no-untyped-def]
    api = world["home_api"]
    h = {**api.headers("GET", OUTLETS), header: value}
    r = api.http.get(OUTLETS, headers=h)
    assert r.status_code == 401
    assert code_of(r) == "signature_headers_invalid"


def test_no_credentials_at_all_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    r = Client().get(OUTLETS)
    assert r.status_code == 401
    assert code_of(r) == "not_authenticated"
