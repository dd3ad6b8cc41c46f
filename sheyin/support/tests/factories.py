"""Test data for support: an outlet with a manager and staff, the district's officer, head and contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal


@dataclass
class World:
    outlet: Outlet
    manager: Any
    staff: Any
    officer: Any
    head: Any
    municipal: Any


def world(code: str = "110105") -> World:
    outlet = OutletFactory(district=district(code), bank=BankFactory())
    return World(
        outlet=outlet,
        manager=user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
        staff=user_with_role(Role.OUTLET_STAFF, outlet=outlet),
        officer=user_with_role(Role.DISTRICT_OFFICER, agency=district(code)),
        head=user_with_role(Role.DISTRICT_ADMIN, agency=district(code)),
        municipal=user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()),
    )
