"""Every list of the framework answers a malformed query with 400 and the field's message, never a 5xx
(issue 17 item 1, R9.3).

The lists are found through the URL resolver: every view marked `@list_view(SPEC)`. Each declared
parameter, plus `sort` and `size`, is sent malformed as the municipal admin and as a district officer,
on the page and with `export=xlsx`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db

ODD_VALUES = ("2026-02-30", "2026年", "9" * 25)


def list_urls() -> Iterator[tuple[str, Any]]:
    """(url name, view) of every list view without path arguments."""

    def walk(patterns: list[Any], ns: str) -> Iterator[tuple[str, Any, bool]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and getattr(p.callback, "list_specs", None) and p.name:
                yield f"{ns}{p.name}", p.callback, bool(p.pattern.regex.groupindex)

    seen = set()
    for name, view, has_args in walk(get_resolver().url_patterns, ""):
        if has_args or name in seen:
            continue
        seen.add(name)
        yield name, view


def list_views_with_arguments() -> set[str]:
    out = set()
    for p in _all_patterns(get_resolver().url_patterns):
        if getattr(p.callback, "list_specs", None) and p.pattern.regex.groupindex:
            out.add(p.callback.__name__)
    return out


def _all_patterns(patterns: list[Any]) -> Iterator[URLPattern]:
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _all_patterns(p.url_patterns)
        elif isinstance(p, URLPattern):
            yield p


def bad_value(fld: forms.Field) -> str:
    """A value the field must refuse."""
    if isinstance(fld, forms.ChoiceField | forms.ModelChoiceField | forms.IntegerField | forms.DateField):
        return "x"
    return "bad\x00value"


@pytest.fixture
def people(reference):  # type: ignore[no-untyped-def]
    home = district("110105")
    bank = BankFactory(short_name="本行")
    OutletFactory(bank=bank, district=home)
    return {
        "municipal admin": user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()),
        "district officer": user_with_role(Role.DISTRICT_OFFICER, agency=home),
    }


def test_the_registry_finds_the_lists() -> None:
    names = {name for name, _ in list_urls()}
    assert {"institutions:outlet_list", "casework:case_list", "supervision:appraisal_list"} <= names
    assert len(names) >= 30


@pytest.mark.parametrize("who", ["municipal admin", "district officer"])
def test_every_list_refuses_a_malformed_query_with_400_and_never_fails(people, who) -> None:  # type: ignore[no-untyped-def]
    user = people[who]
    client = Client()
    client.force_login(user)
    failures: list[str] = []
    checked = 0
    for name, view in list_urls():
        url = reverse(name)
        plain = client.get(url)
        if plain.status_code != 200:  # not this role's list (403, or a redirect to its own page)
            assert plain.status_code < 500, f"{url} → {plain.status_code}"
            continue
        lq = getattr(plain.wsgi_request, "list_query", None)
        assert lq is not None and lq.spec in view.list_specs, f"{url} reads no declared query"
        for param, fld in lq.form.fields.items():
            bad = bad_value(fld)
            cases: list[tuple[dict[str, str], bool]] = [
                ({param: bad}, True),
                ({param: bad, "export": "xlsx"}, True),
            ]
            cases += [({param: v}, False) for v in ODD_VALUES]
            for params, expect_400 in cases:
                resp = client.get(url, params)
                checked += 1
                if resp.status_code >= 500:
                    failures.append(f"{url} {params!r} → {resp.status_code}")
                elif expect_400 and resp.status_code != 400:
                    failures.append(f"{url} {params!r} → {resp.status_code}, expected 400")
                elif resp.status_code == 400 and "export" not in params:
                    assert "查询条件有误" in resp.content.decode(), url
    assert not failures, "\n".join(failures)
    assert checked > 200
