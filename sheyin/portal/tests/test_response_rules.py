"""Headers on every answer (R9.3, 等保 level 3): HEAD answers like GET; workbench pages, receipts,
exports, the terminal and authenticated API answers are never stored (`Cache-Control: no-store`); every
answer carries a Permissions-Policy."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.tests.factories import SignedClient, api_client_for
from sheyin.common.middleware import PERMISSIONS_POLICY
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.portal import selectors
from sheyin.portal.tests.factories import MaterialFactory
from sheyin.portal.tests.test_public_views import public_pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(reference):  # type: ignore[no-untyped-def]
    """What the public pages show: an outlet, a service item, a policy material."""
    return {
        "open": OutletFactory(name="工商银行建国路社保服务网点"),
        "item": selectors.guide_items()[0],
        "material": MaterialFactory(title="社保卡即时制卡指南"),
    }


def no_store(response) -> bool:  # type: ignore[no-untyped-def]
    return "no-store" in response.get("Cache-Control", "")


def test_head_answers_like_get_on_every_public_page_without_a_body(client, site) -> None:  # type: ignore[no-untyped-def]
    paths = [*public_pages(site), "/outlets/points.json", "/geo/beijing.json", "/notices/feed.atom"]
    for path in paths:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"", path
        assert head["Content-Type"] == got["Content-Type"], path
        assert head["Content-Length"] == str(len(got.content)), path


def test_head_answers_like_get_on_the_public_api(client, site) -> None:  # type: ignore[no-untyped-def]
    for path in ["/api/v1/public/outlets", "/api/v1/catalogue/", "/api/v1/", "/api/v1/openapi.json"]:
        got, head = client.get(path), client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head["Content-Type"] == got["Content-Type"], path


def test_a_signed_head_is_verified_as_head(reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    OutletFactory(bank=bank)
    api = SignedClient(*api_client_for(bank))
    path = "/api/v1/institutions/outlets"
    r = api.http.head(path, headers=api.headers("HEAD", path))
    assert r.status_code == 200
    forged = api.http.head(path, headers=api.headers("GET", path))  # a GET's signature is not a HEAD's
    assert forged.status_code == 401


def test_public_pages_seen_anonymously_may_be_cached(client, site) -> None:  # type: ignore[no-untyped-def]
    for path in ["/", "/outlets/", "/services/", "/api/v1/public/outlets"]:
        assert not no_store(client.get(path)), path


def test_workbench_pages_exports_and_a_logged_in_portal_are_never_stored(client, reference) -> None:  # type: ignore[no-untyped-def]
    OutletFactory()
    client.force_login(user_with_role(Role.DISTRICT_ADMIN, agency=district("110105")))
    for path in ["/workbench/", "/institutions/outlets/", "/support/tickets/", "/"]:
        assert no_store(client.get(path)), path
    export = client.get("/institutions/outlets/?export=xlsx")
    assert export["Content-Disposition"].startswith("attachment")
    assert no_store(export)


def test_a_receipt_is_never_stored(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework.tests.factories import completed, world

    w = world()
    case = completed(w)
    client.force_login(w.staff)
    receipt = client.post(reverse("casework:case_receipt", args=[case.pk]))
    assert receipt["Content-Type"] == "application/pdf"
    assert no_store(receipt)


def test_the_terminal_logins_and_the_authenticated_api_are_never_stored(client, reference) -> None:  # type: ignore[no-untyped-def]
    assert no_store(client.get("/kiosk/activate/"))
    assert no_store(client.get("/accounts/login/"))
    bank = BankFactory()
    api = SignedClient(*api_client_for(bank))
    assert no_store(api.get("/api/v1/institutions/outlets"))
    assert no_store(Client().get("/api/v1/institutions/outlets"))  # a 401 problem too


def test_every_answer_carries_a_permissions_policy(client, reference) -> None:  # type: ignore[no-untyped-def]
    for path in ["/", "/accounts/login/", "/api/v1/public/outlets", "/api/v1/institutions/outlets", "/nope/"]:
        assert client.get(path)["Permissions-Policy"] == PERMISSIONS_POLICY, path
    assert "camera=()" in PERMISSIONS_POLICY and "geolocation=(self)" in PERMISSIONS_POLICY


def test_every_cookie_is_httponly_and_secure_over_https(client, reference) -> None:  # type: ignore[no-untyped-def]
    """What the pre-release web scan checks: the language and large-font choices too (R9.3)."""
    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}).cookies["django_language"]
    assert language["httponly"] and language["samesite"] == "Lax"
    elderly = client.post("/elderly/", {"mode": "on", "next": "/"}, secure=True).cookies["sheyin_elderly"]
    assert elderly["httponly"] and elderly["secure"]


def test_production_marks_every_cookie_secure() -> None:
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='config.settings.production'; django.setup(); "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY)"
    )
    env = {**os.environ, "SHEYIN_SECRET_KEY": "k" * 50, "SHEYIN_DATA_KEY": "0" * 32, "SHEYIN_INDEX_KEY": "0" * 64,
           "SHEYIN_ALLOWED_HOSTS": "sheyin.internal"}  # fmt: skip
    out = (
        subprocess.run(
            [sys.executable, "-c", code],
            env=env,
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    assert out == "True True True True"
