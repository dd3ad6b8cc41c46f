"""Factories and small builders for the lifecycle tests. Objects that carry a status are made through the
services wherever a test is about the path; `*_direct` builders write rows straight in for speed."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from typing import Any, cast

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.cooperation import selectors, services
from sheyin.cooperation.models import Agreement, Filing, Plaque
from sheyin.cooperation.workflow import AgreementStatus, FilingStatus
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal, point_in

__all__ = ["BankFactory", "OutletFactory", "district", "municipal"]
_SEQ = itertools.count(1)


def png_bytes(size: tuple[int, int] = (8, 8), color: str = "red") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def png(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def pdf_file(name: str = "plan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


class People:
    """One user per role the lifecycle needs, bound like the demo accounts (朝阳区 110105)."""

    def __init__(self, bank: Bank | None = None, code: str = "110105") -> None:
        muni, dist = municipal(), district(code)
        self.muni_admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=muni)
        self.muni_admin2 = user_with_role(Role.MUNICIPAL_ADMIN, agency=muni)
        self.muni_officer = user_with_role(Role.MUNICIPAL_OFFICER, agency=muni)
        self.muni_officer2 = user_with_role(Role.MUNICIPAL_OFFICER, agency=muni)
        self.district_admin = user_with_role(Role.DISTRICT_ADMIN, agency=dist)
        self.district_admin2 = user_with_role(Role.DISTRICT_ADMIN, agency=dist)
        self.district_officer = user_with_role(Role.DISTRICT_OFFICER, agency=dist)
        self.inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=dist)
        self.bank: Bank = bank or cast(Bank, BankFactory(status=Bank.Status.PROSPECT))
        self.bank_admin = user_with_role(Role.BANK_ADMIN, bank=self.bank)
        self.district = dist


def municipal_agreement_direct(bank: Bank, *, start: dt.date | None = None, years: int = 3) -> Agreement:
    """An active municipal agreement written straight in (for tests not about R4.1)."""
    start = start or timezone.localdate() - dt.timedelta(days=30)
    tpl = selectors.current_template(Agreement.Kind.MUNICIPAL)
    ag = Agreement.objects.create(
        kind=Agreement.Kind.MUNICIPAL,
        number=f"T-SJ-{bank.pk}-{Agreement.objects.count()}",
        bank=bank,
        agency=municipal(),
        template=tpl,
        title=tpl.title if tpl else "协议",
        body="正文",
        status=AgreementStatus.ACTIVE,
        term_years=years,
        bank_signed_on=start,
        agency_signed_on=start,
        start_date=start,
        end_date=services.term_end(start, years),
    )
    Bank.objects.filter(pk=bank.pk).update(status=Bank.Status.ACTIVE)
    return ag


def operating_outlet_direct(bank: Bank | None = None, code: str = "110105", **kw: Any) -> Outlet:
    """An operating outlet with an active district agreement, an approved filing and a valid plaque."""
    bank = bank or cast(Bank, BankFactory())
    outlet = OutletFactory(bank=bank, district=district(code), status=OutletStatus.OPERATING, **kw)
    start = timezone.localdate() - dt.timedelta(days=100)
    tpl = selectors.current_template(Agreement.Kind.DISTRICT)
    ag = Agreement.objects.create(
        kind=Agreement.Kind.DISTRICT,
        number=f"T-QJ-{outlet.pk}",
        bank=bank,
        agency=outlet.district,
        outlet=outlet,
        template=tpl,
        title=tpl.title if tpl else "协议",
        body="正文",
        status=AgreementStatus.ACTIVE,
        term_years=3,
        bank_signed_on=start,
        agency_signed_on=start,
        start_date=start,
        end_date=services.term_end(start, 3),
        filing_due=start + dt.timedelta(days=14),
    )
    Filing.objects.create(
        agreement=ag,
        outlet=outlet,
        district=outlet.district,
        status=FilingStatus.APPROVED,
        due_date=ag.filing_due,
        submitted_at=timezone.now(),
    )
    Plaque.objects.create(number=f"TEST{outlet.pk:06d}", outlet=outlet, agreement=ag, issued_on=start)
    return outlet


def application_data(code: str = "110105", **overrides: Any) -> dict[str, Any]:
    d = district(code)
    lon, lat = far_point(d)
    data: dict[str, Any] = {
        "name": f"测试社保服务网点{next(_SEQ)}",
        "district": d,
        "address": "北京市朝阳区测试路100号",
        "lon": lon,
        "lat": lat,
        "opening_hours": "周一至周五 9:00-17:00",
        "phone": "010-66666666",
        "windows": 2,
        "terminals": 2,
        "online_counters": 1,
        "document_cameras": 3,
        "card_machines": 2,
        "printers": 1,
        "floor_area_m2": 180,
        "staff_planned": 3,
        "guide_planned": 1,
        "staffing_plan": "每窗口1名授权经办人员，另设引导员1名。",
        "network_plan": "专线接入社保业务系统",
    }
    data.update(overrides)
    return data


def far_point(d: Agency) -> tuple[float, float]:
    """A point in the district at least the minimum distances away from every existing outlet and office."""
    from sheyin.common import geo
    from sheyin.cooperation import layout

    for _ in range(400):
        lon, lat = point_in(d.code)
        # well inside the district, so that tests may place a neighbour a few hundred metres away
        inside = all(
            geo.district_of(lon + dx, lat + dy) == d.code for dx in (-0.01, 0.01) for dy in (-0.01, 0.01)
        )
        if inside and layout.check(lon=lon, lat=lat, district=d).ok:
            return lon, lat
    raise AssertionError("no free point found")


def files() -> dict[str, list[Any]]:
    return {"floor_plan": [pdf_file()], "photo": [png("front.png"), png("inside.png")]}


def answer_all(inspection: Any, *, fail: tuple[str, ...] = ()) -> dict[int, dict[str, str]]:
    return {
        r.item_id: {"result": "fail" if r.item.code in fail else "pass", "note": "现场核验"}
        for r in inspection.results.select_related("item")
    }


# --- builders along the path (through the services) ------------------------------------------------


def cooperating(code: str = "110105") -> People:
    """People around a bank that already holds an active municipal agreement."""
    p = People(bank=BankFactory(status=Bank.Status.ACTIVE), code=code)
    municipal_agreement_direct(p.bank)
    return p


def submitted(p: People, **data: Any) -> Any:
    app = services.outlet_application_create(
        bank=p.bank, data=application_data(**data), files=files(), by=p.bank_admin
    )
    return services.outlet_application_submit(application=app, by=p.bank_admin)


def inspected(p: People, *, fail: tuple[str, ...] = (), **data: Any) -> Any:
    app = services.outlet_application_admit(application=submitted(p, **data), by=p.district_officer)
    insp = services.inspection_start(application=app, by=p.inspector)
    services.inspection_save(inspection=insp, answers=answer_all(insp, fail=fail), by=p.inspector)
    services.inspection_complete(inspection=insp, by=p.inspector)
    app.refresh_from_db()
    return app


def accepted(p: People, **data: Any) -> Any:
    return services.outlet_application_accept(application=inspected(p, **data), by=p.district_admin)


def signed(p: People, **data: Any) -> Agreement:
    app = accepted(p, **data)
    ag = selectors.district_agreement_of(app.outlet)
    assert ag is not None
    day = timezone.localdate()
    return services.agreement_sign(
        agreement=ag, bank_signed_on=day, agency_signed_on=day, by=p.district_officer
    )


def operating(p: People, **data: Any) -> Outlet:
    ag = signed(p, **data)
    filing = services.filing_submit(agreement=ag, by=p.district_officer)
    services.filing_check(filing=filing, approve=True, by=p.muni_officer)
    assert ag.outlet is not None
    services.plaque_issue(outlet=ag.outlet, by=p.district_officer)
    ag.outlet.refresh_from_db()
    return ag.outlet
