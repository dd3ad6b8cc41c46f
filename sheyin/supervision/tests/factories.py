"""Test data for supervision: outlets with staff and officers; cases, terminal queries and audit events
planted straight into the tables (the rules read tables, not services)."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from typing import Any

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework.models import Case
from sheyin.catalogue.selectors import item_in_force
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

TZ = dt.timezone(dt.timedelta(hours=8))
_seq = itertools.count(1)


def outlet(code: str = "110105") -> Outlet:
    return OutletFactory(district=district(code), bank=BankFactory(), status=OutletStatus.OPERATING)


def people(o: Outlet) -> dict[str, Any]:
    return {
        "staff": user_with_role(Role.OUTLET_STAFF, outlet=o),
        "manager": user_with_role(Role.OUTLET_MANAGER, outlet=o),
        "officer": user_with_role(Role.DISTRICT_OFFICER, agency=o.district),
        "head": user_with_role(Role.DISTRICT_ADMIN, agency=o.district),
    }


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def case(o: Outlet, staff: Any, when: dt.datetime, status: str = "completed", person: str = "p") -> Case:
    item = item_in_force("SY-C-004")
    n = next(_seq)
    return Case.objects.create(
        receipt_no=f"T{n:08d}", outlet=o, district_id=o.district_id, bank_id=o.bank_id, staff=staff,
        catalogue_version=item.version, item=item, item_code=item.code, item_name=item.name,
        applicant_index=person, status=status, called_at=when, ended_at=when,
        rating_token=secrets.token_urlsafe(16) if status == "completed" else None,
    )  # fmt: skip
