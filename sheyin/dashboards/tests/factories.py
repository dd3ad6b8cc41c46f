"""Test data for the dashboards: source rows planted straight into the tables (the aggregates read tables,
and each app's services are tested in that app), at chosen local times."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
from typing import Any

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.casework.models import Case, GuidedSession
from sheyin.catalogue.selectors import item_in_force
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

TZ = dt.timezone(dt.timedelta(hours=8))  # Asia/Shanghai has no daylight saving
_seq = itertools.count(1)
ITEM = "SY-C-004"


def outlet(code: str = "110105", bank: Any = None, **kw: Any) -> Outlet:
    return OutletFactory(
        district=district(code), bank=bank or BankFactory(), status=OutletStatus.OPERATING, **kw
    )


def at(day: dt.date, hh: int = 10, mm: int = 0) -> dt.datetime:
    """A local (Beijing) time on `day`."""
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=TZ)


def staff_of(o: Outlet) -> Any:
    from sheyin.accounts.models import RoleAssignment

    a = RoleAssignment.objects.filter(outlet=o, role=Role.OUTLET_STAFF).select_related("user").first()
    return a.user if a is not None else user_with_role(Role.OUTLET_STAFF, outlet=o)


def case(o: Outlet, when: dt.datetime, status: str = "completed", code: str = ITEM) -> Case:
    item = item_in_force(code)
    assert item is not None, "reference catalogue missing"
    n = next(_seq)
    accepted = status not in ("draft", "cancelled")
    return Case.objects.create(
        receipt_no=f"D{n:010d}", outlet=o, district_id=o.district_id, bank_id=o.bank_id, staff=staff_of(o),
        catalogue_version=item.version if accepted else None, item=item if accepted else None,
        item_code=item.code, item_name=item.name, applicant_index=f"idx{n}" if accepted else "", status=status,
        called_at=when, ended_at=when + dt.timedelta(minutes=10) if status == "completed" else None,
        rating_token=secrets.token_urlsafe(16) if status == "completed" else None,
    )  # fmt: skip


def guided(
    o: Outlet, when: dt.datetime, outcome: str = "completed", code: str | None = None
) -> GuidedSession:
    item = item_in_force(code) if code else None
    return GuidedSession.objects.create(
        outlet=o, district_id=o.district_id, bank_id=o.bank_id, guide=staff_of(o), item=item,
        service_name=item.name if item else "电子社保卡申领指导", status="finished", outcome=outcome,
        started_at=when, ended_at=when + dt.timedelta(minutes=8), duration_seconds=480,
    )  # fmt: skip


def terminal_query(o: Outlet, when: dt.datetime, action: str = "view_record") -> Any:
    from sheyin.kiosk.models import Terminal, TerminalQuery

    terminal = Terminal.objects.filter(outlet=o).first() or Terminal.objects.create(
        outlet=o, district_id=o.district_id, bank_id=o.bank_id, serial=f"S{next(_seq)}", name=f"{next(_seq)}号机",
        credential_hash="0" * 64,
    )  # fmt: skip
    q = TerminalQuery.objects.create(terminal=terminal, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                     action=action)  # fmt: skip
    TerminalQuery.objects.filter(pk=q.pk).update(at=when)
    return q


def rating(
    o: Outlet, when: dt.datetime, level: int = 5, *, excluded: bool = False, on_time: bool | None = None
) -> Any:
    """A rating (and, for level 1–2, its bad review; `on_time` marks it rectified within the deadline)."""
    from sheyin.ratings.models import BadReviewCase, Rating, RatingToken

    token = RatingToken.objects.create(token=secrets.token_urlsafe(16), outlet=o, district_id=o.district_id,
                                       bank_id=o.bank_id, channel="T", issued_at=when, used_at=when)  # fmt: skip
    r = Rating.objects.create(token=token, channel="T", outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                              level=level, efficiency=level, skill=level, attitude=level,
                              excluded=excluded, created_at=when)  # fmt: skip
    if level <= 2:
        BadReviewCase.objects.create(rating=r, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                     opened_at=when, due_date=when.date() + dt.timedelta(days=7),
                                     rectified_on_time=bool(on_time))  # fmt: skip
    return r


def ticket(o: Outlet, raised: dt.datetime, *, close_due: dt.date, closed: dt.datetime | None = None) -> Any:
    from sheyin.support.models import Ticket

    return Ticket.objects.create(
        number=f"GD{next(_seq):010d}", outlet=o, district_id=o.district_id, bank_id=o.bank_id, category="business",
        title="读卡器故障", description="无法读卡", status="closed" if closed else "open", raised_at=raised,
        reply_due=min(close_due, raised.date()), close_due=close_due, closed_at=closed,
        resolution="已更换" if closed else "",
    )  # fmt: skip


def inspection(o: Outlet, scheduled: dt.date, *, done: bool = False) -> Any:
    from sheyin.supervision.models import Inspection, InspectionPlan

    quarter = (scheduled.month - 1) // 3 + 1
    plan, _ = InspectionPlan.objects.get_or_create(
        district_id=o.district_id, year=scheduled.year, quarter=quarter
    )
    return Inspection.objects.create(
        plan=plan, outlet=o, district_id=o.district_id, bank_id=o.bank_id, scheduled_date=scheduled,
        status="done" if done else "planned", score=90 if done else None, visited_at=at(scheduled) if done else None,
    )  # fmt: skip


def rectification(o: Outlet, ordered: dt.datetime, due: dt.date, status: str = "ordered") -> Any:
    from sheyin.supervision.models import Finding, Rectification

    n = next(_seq)
    finding = Finding.objects.create(number=f"FX{n:010d}", source="public_feedback", outlet=o,
                                     district_id=o.district_id, bank_id=o.bank_id, title="标牌破损",
                                     status="rectifying")  # fmt: skip
    return Rectification.objects.create(finding=finding, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                        requirement="更换标牌", status=status, ordered_at=ordered, due_date=due,
                                        answer="" if status == "ordered" else "已更换")  # fmt: skip


def users(o: Outlet) -> dict[str, Any]:
    """One user of each dashboard role bound to `o` (its district, its bank, the outlet itself)."""
    from sheyin.institutions.tests.factories import municipal

    return {
        "municipal": user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()),
        "district": user_with_role(Role.DISTRICT_ADMIN, agency=o.district),
        "bank": user_with_role(Role.BANK_ADMIN, bank=o.bank),
        "manager": user_with_role(Role.OUTLET_MANAGER, outlet=o),
    }
