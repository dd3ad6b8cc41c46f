"""Data scope of terminals and their logs for every role: Terminal, TerminalQuery and PrintedRecord follow
the outlet of the terminal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import municipal
from sheyin.kiosk import services
from sheyin.kiosk.models import PrintedRecord, Terminal, TerminalQuery

from .factories import print_record, site

pytestmark = pytest.mark.django_db

MODELS = {"terminal": Terminal, "query": TerminalQuery, "printed": PrintedRecord}


@pytest.fixture
def sites(reference):  # type: ignore[no-untyped-def]
    out = {}
    for key, code, serial in (("home", "110105", "T-H"), ("other", "110108", "T-O")):
        s = site(code, serial)
        person = services.kiosk_identify(terminal=s.terminal, id_number=s.citizen.id_number,
                                         card_number=s.citizen.card_number)  # fmt: skip
        print_record(s, person.ref)
        out[key] = s
    return out


def user_for(role: Role, home) -> object:  # type: ignore[no-untyped-def]
    level = LEVEL[role]
    if level == Level.ALL:
        return user_with_role(role, agency=municipal())
    if level == Level.DISTRICT:
        return user_with_role(role, agency=home.outlet.district)
    if level == Level.BANK:
        return user_with_role(role, bank=home.outlet.bank)
    return user_with_role(role, outlet=home.outlet)


def test_scoped_reads_return_exactly_the_scope_for_every_role(sites) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for role in Role:
        user = user_for(role, sites["home"])
        level = LEVEL[role]
        for kind, model in MODELS.items():
            seen = set(scoped(model.objects.all(), user).values_list("outlet_id", flat=True))
            if level == Level.ALL:
                want = {sites["home"].outlet.pk, sites["other"].outlet.pk}
            elif level == Level.SELF:
                want = set()  # window staff do not manage terminals or read their log
            else:
                want = {sites["home"].outlet.pk}
            if seen != want:
                wrong.append(f"{role} {kind}: {seen} != {want}")
    assert not wrong, wrong


def test_pages_stay_in_scope_for_every_role(client, sites) -> None:  # type: ignore[no-untyped-def]
    wrong = []
    for role in Role:
        user = user_for(role, sites["home"])
        client.force_login(user)
        for name, perm in (
            ("kiosk:terminal_list", "kiosk.view_terminals"),
            ("kiosk:query_list", "kiosk.view_queries"),
        ):
            resp = client.get(reverse(name))
            if not user.has_perm(perm):
                if resp.status_code != 403:
                    wrong.append(f"{role} {name}: {resp.status_code}")
                continue
            body = resp.content.decode()
            home_seen = sites["home"].terminal.name in body
            other_seen = sites["other"].terminal.name in body
            if not home_seen or other_seen != (LEVEL[role] == Level.ALL):
                wrong.append(f"{role} {name}: out of scope")
        if user.has_perm("kiosk.view_terminals"):
            status = client.get(
                reverse("kiosk:terminal_detail", args=[sites["other"].terminal.pk])
            ).status_code
            if status != (200 if LEVEL[role] == Level.ALL else 404):
                wrong.append(f"{role} other terminal: {status}")
    assert not wrong, wrong
