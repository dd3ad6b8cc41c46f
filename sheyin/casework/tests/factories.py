"""Test data for casework: an operating outlet with certified window staff, the reference catalogue in force,
and insured persons in the simulated core. Rows are written directly; the tests call the services."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue.models import ServiceItem
from sheyin.catalogue.selectors import item_in_force
from sheyin.common.identifiers import make_id_number
from sheyin.coresystem.generator import PersonSeed
from sheyin.coresystem.seeding import ensure_person
from sheyin.institutions.models import Outlet
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district
from sheyin.staffing.tests.factories import StaffFactory, active_grant, certified

WINDOW_ITEM = "SY-C-004"  # 社保卡临时挂失: T, O, W; low risk; one material
HIGH_RISK_ITEM = "SY-B-002"  # 基本养老保险关系转移接续申请: O, W; high risk
NOT_AT_WINDOW = "SY-Q-003"  # 养老保险个人账户查询: T, O only
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


def person(n: int = 1, hukou: str = "110108", card: str = "C10000001") -> PersonSeed:
    """An insured person in the core (default: a Haidian resident, served in Chaoyang: 无差别受理)."""
    birth = dt.date(1980 + n % 20, 1 + n % 12, 1 + n % 27)
    p = PersonSeed(name=f"测试{n}号", id_number=make_id_number(f"{hukou}{birth:%Y%m%d}{100 + n:03d}"),
                   gender="M" if (100 + n) % 2 else "F", birth_date=birth, card_number=card,
                   phone=f"1380000{n:04d}", hukou_code=hukou, seed=1000 + n)  # fmt: skip
    ensure_person(p)
    return p


def staff_user(outlet: Outlet, role: str = Role.OUTLET_STAFF, channels: str = "O,T,W",
               categories: str = "benefits,card,query,registration", grant: bool = True) -> Any:  # fmt: skip
    """A login account with a roster entry at `outlet`, certified and (by default) granted."""
    user = user_with_role(role, outlet=outlet)
    staff = StaffFactory(outlet=outlet, user=user, name=user.display_name)
    if grant:
        certified(staff)
        active_grant(staff, channels=channels, categories=categories)
    return user


@dataclass
class World:
    outlet: Outlet
    staff: Any
    colleague: Any
    manager: Any
    officer: Any
    applicant: PersonSeed


def world(*, code: str = "110105") -> World:
    outlet = OutletFactory(district=district(code), bank=BankFactory(), card_machines=1)
    return World(
        outlet=outlet,
        staff=staff_user(outlet),
        colleague=staff_user(outlet),
        manager=user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
        officer=user_with_role(Role.DISTRICT_OFFICER, agency=district(code)),
        applicant=person(),
    )


def item(code: str) -> ServiceItem:
    found = item_in_force(code)
    assert found is not None, f"reference catalogue lacks {code}"
    return found


def png(name: str = "scan.png", size: int | None = None) -> SimpleUploadedFile:
    data = PNG if size is None else b"\x89PNG\r\n\x1a\n" + b"\x00" * (size - 8)
    return SimpleUploadedFile(name, data, content_type="image/png")


def accepted(w: World, code: str = WINDOW_ITEM, *, scans: int = 1, by: Any = None) -> Any:
    """A case taken through the services up to (not including) submission."""
    from sheyin.casework import services

    by = by or w.staff
    it = item(code)
    case = services.case_open(by=by)
    case = services.case_choose_item(case=case, item=it, by=by)
    case = services.case_identify(
        case=case, id_number=w.applicant.id_number, card_number=w.applicant.card_number, by=by
    )
    case = services.case_set_materials(case=case, ticked=it.material_list, by=by)
    for _ in range(scans):
        services.case_attach(case=case, material=it.material_list[0], upload=png(), by=by)
    return case


def completed(w: World, code: str = WINDOW_ITEM) -> Any:
    from sheyin.casework import services

    return services.case_submit(case=accepted(w, code), by=w.staff)


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


def buf(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)
