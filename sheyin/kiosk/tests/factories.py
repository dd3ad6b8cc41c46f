"""Kiosk test data: an outlet with a registered terminal, its manager, and insured persons in the core."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework.tests.factories import person
from sheyin.coresystem.generator import PersonSeed
from sheyin.institutions.models import Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.kiosk import services
from sheyin.kiosk.models import Terminal
from sheyin.kiosk.views import COOKIE


@dataclass
class Site:
    outlet: Outlet
    manager: Any
    terminal: Terminal
    secret: str
    citizen: PersonSeed

    @property
    def cookie(self) -> str:
        return f"{self.terminal.pk}:{self.secret}"


def site(code: str = "110105", serial: str = "T-0001") -> Site:
    outlet = OutletFactory(district=district(code), bank=BankFactory())
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet)
    terminal, secret = services.terminal_register(
        outlet=outlet, serial=serial, name=f"{serial}号机", by=manager
    )
    return Site(outlet, manager, terminal, secret, person(3, hukou="110108", card="C20000003"))


def at_terminal(client: Any, s: Site) -> Any:
    client.cookies[COOKIE] = s.cookie
    return client


def print_record(s: Site, person_ref: str) -> tuple[Any, bytes]:
    """A printout at the site's terminal, with the links its QR codes carry on the test server."""
    return services.record_print(
        terminal=s.terminal, person_ref=person_ref,
        verify_url=lambda c, h: f"http://testserver/verify/record/{c}/?h={h[:32]}",
        rating_url=lambda token: f"http://testserver/rate/{token}/",
    )  # fmt: skip
