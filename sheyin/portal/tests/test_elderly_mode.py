"""Elderly-friendly mode (适老化): a cookie set without JavaScript keeps it on across pages."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def body_class(resp) -> str:  # type: ignore[no-untyped-def]
    html = resp.content.decode()
    return html.split("<body", 1)[1].split(">", 1)[0]


def test_turning_it_on_sets_a_lasting_cookie_and_returns_to_the_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(reverse("portal:elderly"), {"mode": "on", "next": "/services/"})
    assert resp.status_code == 302 and resp["Location"] == "/services/"
    cookie = resp.cookies["sheyin_elderly"]
    assert cookie.value == "1" and int(cookie["max-age"]) >= 30 * 24 * 3600 and cookie["httponly"]


def test_it_stays_on_across_pages_until_turned_off(client, reference) -> None:  # type: ignore[no-untyped-def]
    assert "elderly" not in body_class(client.get("/"))
    client.post(reverse("portal:elderly"), {"mode": "on", "next": "/"})
    for path in ("/", "/outlets/", "/services/", "/notices/", "/verify/"):
        resp = client.get(path)
        assert "elderly" in body_class(resp), path
        assert 'class="elderly"' in resp.content.decode().split("<head", 1)[0]  # the root font size too
    client.post(reverse("portal:elderly"), {"mode": "off", "next": "/"})
    assert "elderly" not in body_class(client.get("/outlets/"))


def test_it_never_redirects_to_another_site(client, reference) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(reverse("portal:elderly"), {"mode": "on", "next": "https://evil.example/"})
    assert resp["Location"] == reverse("portal:home")


def test_the_toggle_is_a_form_that_works_without_javascript(client, reference) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/").content.decode()
    assert f'action="{reverse("portal:elderly")}"' in page and 'name="mode" value="on"' in page


def test_a_typed_address_of_the_switch_goes_home_and_changes_nothing(client) -> None:  # type: ignore[no-untyped-def]
    resp = client.get("/elderly/")
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert "sheyin_elderly" not in resp.cookies or not resp.cookies["sheyin_elderly"].value
