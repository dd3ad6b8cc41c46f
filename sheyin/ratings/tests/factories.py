"""Test data for 好差评: outlets, completed window cases written straight into the table (the casework
services are tested in casework), and ratings made through the ratings services."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework.models import Case
from sheyin.casework.workflow import CaseStatus
from sheyin.catalogue.selectors import item_in_force
from sheyin.institutions.models import Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.ratings import services
from sheyin.ratings.models import Rating

_seq = itertools.count(1)
ITEM = "SY-C-004"


def outlet(code: str = "110105", bank: Any = None) -> Outlet:
    return OutletFactory(district=district(code), bank=bank or BankFactory())


def completed_case(o: Outlet, *, staff: Any = None, ended_at: dt.datetime | None = None) -> Case:
    n = next(_seq)
    item = item_in_force(ITEM)
    assert item is not None, "reference catalogue missing"
    staff = staff or user_with_role(Role.OUTLET_STAFF, outlet=o)
    ended = ended_at or timezone.now()
    return Case.objects.create(
        receipt_no=f"T{n:012d}", outlet=o, district_id=o.district_id, bank_id=o.bank_id, staff=staff,
        catalogue_version=item.version, item=item, item_code=item.code, item_name=item.name,
        applicant_index=f"idx{n}", applicant_masked="110105********123X", applicant_name="王小明",
        status=CaseStatus.COMPLETED, called_at=ended - dt.timedelta(minutes=10), ended_at=ended,
        rating_token=services.new_token(),
    )  # fmt: skip


def good(level: int = 5, **kw: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "level": level,
        "efficiency": level,
        "skill": level,
        "attitude": level,
    }
    if level <= 2:
        data["comment"] = "等候时间太长"
    return data | kw


def real_name(level: int = 1, **kw: Any) -> dict[str, Any]:
    return good(level) | {"real_name": True, "contact_name": "李四光", "contact_phone": "13912345678"} | kw


def rate(
    case: Case, data: dict[str, Any] | None = None, at: dt.datetime | None = None, addr: str = "1.2.3.4"
) -> Rating:
    rating = services.rating_submit(token=case.rating_token, data=data or good(), client_address=addr)
    if at is not None:
        Rating.objects.filter(pk=rating.pk).update(created_at=at)
        rating.refresh_from_db()
    return rating


def users_for(o: Outlet) -> dict[str, Any]:
    """One user per role scoped to `o` (district roles to its district, bank roles to its bank)."""
    from sheyin.accounts.roles import LEVEL, Level

    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=o.district)
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=o.bank)
        else:
            users[role] = user_with_role(role, outlet=o)
    return users
