"""Demo data for the lifecycle (idempotent, a few seconds for 300 outlets).

- every demo bank: an approved application and an active municipal agreement (Annex 2);
- every operating or suspended outlet: a signed district agreement (Annex 4), an approved filing, a valid
  plaque (so its public verification page works); suspended ones a suspension record. Written in bulk,
  with one audit event per bulk step;
- the `applying` outlets: applications in progress at different steps, made through the services, so
  every step's page has something to show; in the demo district (朝阳区) with the demo users as actors;
- one outlet inside the minimum distance with a justification awaiting the municipal center; one
  negotiated termination awaiting the bank's confirmation.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from sheyin.accounts.models import User
from sheyin.audit.services import record
from sheyin.common import geo
from sheyin.common.numbering import allocate
from sheyin.institutions.models import Agency, Bank, Outlet, OutletStatus
from sheyin.institutions.workdays import add_working_days

from . import layout, selectors, services
from .documents import context_for, render_text
from .models import (
    Agreement,
    BankApplication,
    DocumentTemplate,
    Filing,
    LifecycleEvent,
    OutletApplication,
    Plaque,
    Suspension,
    Termination,
)
from .workflow import AgreementStatus, BankApplicationStatus, FilingStatus, PlaqueStatus

DEMO_DISTRICT = "110105"
STEPS = [
    "submitted",
    "reviewing",
    "inspected",
    "accepted",
    "filing",
    "rectifying",
    "inspected_fail",
    "signed_late",
    "draft",
]


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _png(rng: random.Random, label: str) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (320, 240), (rng.randint(150, 230), rng.randint(170, 230), rng.randint(180, 240)))
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 60, 280, 200), outline=(60, 80, 120), width=4)
    draw.text((50, 20), label, fill=(20, 30, 60))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return SimpleUploadedFile(f"{label}.png", buf.getvalue(), content_type="image/png")


def _plan_pdf() -> SimpleUploadedFile:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from sheyin.common.pdf import register_font

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont(register_font(), 16)
    c.drawString(72, 770, "网点平面布置图（演示）")
    c.rect(72, 400, 450, 330)
    for i, name in enumerate(["导引区", "等候区", "柜台区", "自助服务区", "网厅自助区", "政策宣传区"]):
        c.rect(90 + (i % 3) * 145, 560 - (i // 3) * 140, 130, 120)
        c.drawString(100 + (i % 3) * 145, 610 - (i // 3) * 140, name)
    c.save()
    return SimpleUploadedFile("plan.pdf", buf.getvalue(), content_type="application/pdf")


def _files(rng: random.Random) -> dict[str, list[Any]]:
    return {"floor_plan": [_plan_pdf()], "photo": [_png(rng, "front"), _png(rng, "inside")]}


def seed(rng: random.Random, stdout: Any) -> None:
    if selectors.current_template(DocumentTemplate.Kind.MUNICIPAL) is None:
        stdout.write("cooperation: reference data missing (run seed_reference)")
        return
    rng = random.Random(20261127)  # own stream: the lifecycle data stays the same whatever ran before
    today = timezone.localdate()
    n_banks = _municipal_agreements(rng, today)
    n_outlets = _operating_outlets(rng, today)
    n_apps = _applications(rng, today)
    _termination_in_progress(today)
    _change_requests()
    _opening_checks(today)
    stdout.write(
        f"cooperation: {n_banks} municipal agreement(s), {n_outlets} outlet(s) with agreement/filing/plaque, "
        f"{n_apps} application(s) in progress"
    )


def _municipal_agreements(rng: random.Random, today: dt.date) -> int:
    tpl = selectors.current_template(DocumentTemplate.Kind.MUNICIPAL)
    assert tpl is not None  # checked in seed()
    settings = selectors.current_settings()
    municipal = Agency.objects.get(level=Agency.Level.MUNICIPAL)
    have = set(Agreement.objects.filter(kind=Agreement.Kind.MUNICIPAL).values_list("bank_id", flat=True))
    banks = [b for b in Bank.objects.order_by("pk") if b.pk not in have]
    if not banks:
        return 0
    now = timezone.now()
    apps, ags, events = [], [], []
    for i, bank in enumerate(banks, start=1):
        start = today - dt.timedelta(days=rng.randint(60, 1000))
        if i == 3:  # one agreement close to its end, to show the expiry warning and the objection deadline
            start = today - dt.timedelta(days=3 * 365 - 50)
        app = BankApplication(
            number=f"YHSQ-DEMO-{bank.pk:04d}",
            bank=bank,
            contact_name=bank.contact_name or "联络员",
            contact_phone=bank.contact_phone or "010-00000000",
            planned_outlets=rng.randint(10, 40),
            proposal="总对总对接社保业务系统，在本市营业网点设立社保服务合作网点。",
            status=BankApplicationStatus.APPROVED,
            submitted_at=now,
            reviewed_at=now,
            review_opinion="材料齐全",
            decided_at=now,
            decision_reason="同意合作",
        )
        apps.append(app)
        ag = Agreement(
            kind=Agreement.Kind.MUNICIPAL,
            number=f"SYXY-SJ-DEMO-{bank.pk:04d}",
            bank=bank,
            agency=municipal,
            template=tpl,
            title=tpl.title,
            status=AgreementStatus.ACTIVE,
            term_years=settings.term_years,
            bank_signed_on=start,
            agency_signed_on=start,
            start_date=start,
            end_date=services.term_end(start, settings.term_years),
        )
        ag.body = render_text(tpl.body, context_for(ag, settings))
        ags.append(ag)
    with transaction.atomic():
        BankApplication.objects.bulk_create(apps)
        for app, ag in zip(apps, ags, strict=True):
            ag.bank_application = app
        Agreement.objects.bulk_create(ags)
        # Not a lifecycle change: demo banks are written as they stand after their agreements (bulk-created
        # above as signed); no one acted, so no step to audit.
        Bank.objects.filter(pk__in=[b.pk for b in banks]).update(status=Bank.Status.ACTIVE)
        for ag in ags:
            events.append(
                LifecycleEvent(
                    at=now,
                    action="agreement.sign",
                    bank=ag.bank,
                    object_type="cooperation.agreement",
                    object_id=str(ag.pk),
                    detail=f"{ag.start_date} ~ {ag.end_date}",
                )
            )
        LifecycleEvent.objects.bulk_create(events)
        record(action="cooperation.demo.municipal_agreements", after={"banks": len(banks)})
    return len(banks)


def _operating_outlets(rng: random.Random, today: dt.date) -> int:
    tpl = selectors.current_template(DocumentTemplate.Kind.DISTRICT)
    assert tpl is not None
    settings = selectors.current_settings()
    done = set(Agreement.objects.filter(kind=Agreement.Kind.DISTRICT).values_list("outlet_id", flat=True))
    outlets = [
        o
        for o in Outlet.objects.filter(status__in=[OutletStatus.OPERATING, OutletStatus.SUSPENDED])
        .select_related("bank", "district")
        .order_by("code")
        if o.pk not in done
    ]
    if not outlets:
        return 0
    now = timezone.now()
    year = today.year
    last_plaque = Plaque.objects.filter(number__startswith=f"BJSY{year}").count()
    ags, plaques, filings, events, suspensions = [], [], [], [], []
    for o in outlets:
        signed = today - dt.timedelta(days=rng.randint(40, 1050))
        ag = Agreement(
            kind=Agreement.Kind.DISTRICT,
            number=f"SYXY-{o.district.code}-DEMO-{o.pk:05d}",
            bank=o.bank,
            agency=o.district,
            outlet=o,
            template=tpl,
            title=tpl.title,
            status=AgreementStatus.ACTIVE,
            term_years=settings.term_years,
            bank_signed_on=signed,
            agency_signed_on=signed,
            start_date=signed,
            end_date=services.term_end(signed, settings.term_years),
            filing_due=add_working_days(signed, settings.filing_deadline_workdays),
        )
        ag.body = render_text(tpl.body, context_for(ag, settings))
        ags.append(ag)
    with transaction.atomic():
        Agreement.objects.bulk_create(ags)
        for ag in ags:
            ao = ag.outlet
            assert ao is not None and ag.start_date is not None and ag.filing_due is not None
            o = ao
            submitted = timezone.make_aware(
                dt.datetime.combine(ag.start_date + dt.timedelta(days=rng.randint(1, 12)), dt.time(10))
            )
            filings.append(
                Filing(
                    agreement=ag,
                    outlet=o,
                    district=o.district,
                    status=FilingStatus.APPROVED,
                    due_date=ag.filing_due,
                    submitted_at=submitted,
                    checked_at=submitted,
                    check_reason="准予备案",
                )
            )
            last_plaque += 1
            issued = ag.start_date + dt.timedelta(days=rng.randint(14, 30))
            plaques.append(
                Plaque(
                    number=f"BJSY{year}{last_plaque:05d}",
                    outlet=o,
                    agreement=ag,
                    status=PlaqueStatus.VALID,
                    issued_on=min(issued, today),
                )
            )
            for action, detail in (
                ("agreement.sign", ag.number),
                ("filing.approve", ""),
                ("plaque.issue", f"BJSY{year}{last_plaque:05d}"),
            ):
                events.append(
                    LifecycleEvent(
                        at=now,
                        action=action,
                        outlet=o,
                        bank=o.bank,
                        district=o.district,
                        detail=detail,
                        object_type="cooperation.agreement",
                        object_id=str(ag.pk),
                    )
                )
            if o.status == OutletStatus.SUSPENDED:
                start = today - dt.timedelta(days=rng.randint(3, 40))
                suspensions.append(
                    Suspension(
                        outlet=o,
                        reason="设备故障维修，暂停对外服务",
                        starts_on=start,
                        planned_end=today + dt.timedelta(days=rng.randint(5, 30)),
                    )
                )
                events.append(
                    LifecycleEvent(
                        at=now,
                        action="outlet.suspend",
                        outlet=o,
                        bank=o.bank,
                        district=o.district,
                        detail="设备故障维修，暂停对外服务",
                    )
                )
        Filing.objects.bulk_create(filings)
        Plaque.objects.bulk_create(plaques)
        Suspension.objects.bulk_create(suspensions)
        LifecycleEvent.objects.bulk_create(events)
        record(action="cooperation.demo.district_agreements", after={"outlets": len(ags)})
        record(
            action="cooperation.demo.plaques", after={"plaques": len(plaques), "suspended": len(suspensions)}
        )
    return len(ags)


def _opening_checks(today: dt.date) -> None:
    """Opening checks (R3.2, R9.1, R7.3): passed for the outlets that opened long ago; in the demo district
    (朝阳区) the most recently opened outlet has its check still due, two working days from today."""
    from sheyin.institutions.workdays import add_working_days

    from .models import OpeningCheck
    from .services.opening import OPENING_ITEMS

    plaques = list(
        Plaque.objects.filter(status="valid", outlet__status="operating")
        .exclude(outlet__opening_checks__isnull=False)
        .select_related("outlet")
        .order_by("-issued_on", "-id")
    )
    due_one = next((p for p in plaques if p.outlet.district.code == "110105"), None)
    officer = _user("district_officer")
    rows = []
    for p in plaques:
        o = p.outlet
        if p is due_one:
            rows.append(OpeningCheck(outlet=o, district_id=o.district_id, bank_id=o.bank_id, plaque=p,
                                     due_date=add_working_days(today, 2)))  # fmt: skip
            continue
        at = timezone.make_aware(dt.datetime.combine(add_working_days(p.issued_on, 5), dt.time(10)))
        rows.append(OpeningCheck(
            outlet=o, district_id=o.district_id, bank_id=o.bank_id, plaque=p,
            due_date=add_working_days(p.issued_on, 10), status=OpeningCheck.Status.PASSED,
            answers={code: {"result": "pass", "note": ""} for code, _t in OPENING_ITEMS},
            authorised_staff=o.windows, windows=o.windows, recorded_by=officer, recorded_at=at,
        ))  # fmt: skip
    OpeningCheck.objects.bulk_create(rows)
    record(action="cooperation.demo.opening_checks", after={"checks": len(rows)})


def _actors(district: Agency) -> dict[str, User | None]:
    """The demo users act in the demo district; elsewhere the platform itself (by=None) plays them."""
    if district.code != DEMO_DISTRICT:
        return dict.fromkeys(("bank", "officer", "inspector", "admin", "muni_officer"))
    return {
        "bank": None,
        "officer": _user("district_officer"),
        "inspector": _user("district_inspector"),
        "admin": _user("district_admin"),
        "muni_officer": _user("muni_officer"),
    }


def _free_point(district: Agency, rng: random.Random) -> tuple[float, float]:
    for lon, lat in geo.random_points_in(district.code, 300, rng):
        if layout.check(lon=lon, lat=lat, district=district).ok:
            return lon, lat
    return geo.random_points_in(district.code, 1, rng)[0]


def _data(
    o: Outlet | None, district: Agency, rng: random.Random, name: str = "", point: Any = None
) -> dict[str, Any]:
    lon, lat = point or ((o.lon, o.lat) if o else _free_point(district, rng))
    windows = o.windows if o else 2
    return {
        "name": o.name if o else name,
        "district": district,
        "address": o.address if o else f"北京市{district.district_name}演示路8号",
        "lon": lon,
        "lat": lat,
        "opening_hours": "周一至周五 9:00-17:00",
        "phone": (o.phone if o else "") or "010-65000000",
        "windows": windows,
        "terminals": 2,
        "online_counters": 1,
        "document_cameras": windows + 1,
        "card_machines": windows,
        "printers": 1,
        "floor_area_m2": rng.randint(120, 400),
        "staff_planned": windows + 1,
        "guide_planned": 1,
        "staffing_plan": "每个人工窗口配备1名经培训考核合格的经办人员，网厅自助区配备1名引导员。",
        "network_plan": "专线接入社保业务系统",
    }


def _walk(app: OutletApplication, step: str, rng: random.Random, today: dt.date) -> None:
    """Take an application through the services up to `step`."""
    who = _actors(app.district)
    if step == "draft":
        return
    app = services.outlet_application_submit(application=app, by=None)
    if step == "submitted":
        return
    app = services.outlet_application_admit(application=app, by=who["officer"])
    if step == "reviewing":
        return
    insp = services.inspection_start(application=app, by=who["inspector"])
    fail = ("M5", "M3") if step in ("inspected_fail", "rectifying") else ()
    answers = {
        r.item_id: {
            "result": "fail" if r.item.code in fail else "pass",
            "note": "制卡机未到位"
            if r.item.code == "M5" and fail
            else ("现场核验" if r.item.code == "M1" else ""),
        }
        for r in insp.results.select_related("item")
    }
    services.inspection_save(
        inspection=insp, answers=answers, summary="三种服务方式现场核验。", by=who["inspector"]
    )
    services.inspection_complete(inspection=insp, by=who["inspector"])
    if step in ("inspected", "inspected_fail"):
        return
    if step == "rectifying":
        services.outlet_application_rectify(
            application=app, reason="制卡机到位、经办人员取得授权后申请复查。", by=who["admin"]
        )
        return
    app = services.outlet_application_accept(application=app, reason="验收合格", by=who["admin"])
    if step == "accepted":
        return
    ag = selectors.district_agreement_of(app.outlet)
    assert ag is not None
    signed = today - dt.timedelta(days=25 if step == "signed_late" else 3)
    ag = services.agreement_sign(
        agreement=ag, bank_signed_on=signed, agency_signed_on=signed, by=who["officer"]
    )
    if step == "filing":  # "signed_late" stays unfiled past its deadline: the filing list flags it
        services.filing_submit(agreement=ag, note="请予备案。", by=who["officer"])


def _applications(rng: random.Random, today: dt.date) -> int:
    if OutletApplication.objects.exists():
        return 0
    demo = Agency.objects.get(code=DEMO_DISTRICT)
    icbc = Bank.objects.filter(short_name="工商银行").first()
    applying = list(
        Outlet.objects.filter(status=OutletStatus.APPLYING)
        .select_related("district", "bank")
        .order_by("code")
    )
    # The registry's applying outlets exist already: each gets its application (created as if by its bank).
    made = 0
    steps = STEPS[:]
    for i, o in enumerate(applying):
        with transaction.atomic():
            from sheyin.institutions import services as registry

            o = registry.outlet_facts_set(
                outlet=o,
                by=None,
                data={
                    "document_cameras": o.windows + o.online_counters,
                    "card_machines": o.windows,
                    "phone": o.phone or "010-65000000",
                },
            )
            app = OutletApplication.objects.create(
                number=allocate(OutletApplication, "number", f"WDSQ-{o.district.code}-{today.year}-", 4),
                bank=o.bank,
                branch=o.branch,
                district=o.district,
                outlet=o,
                **{k: v for k, v in _data(o, o.district, rng).items() if k in services.APP_KEYS},
            )
            services.store_files(app, services.check_files(_files(rng)), None)
            services.timeline_event("application.create", by=None, outlet=o, obj=app, detail=app.number)
            record(action="cooperation.application.create", obj=app)
            _walk(app, steps[i % len(steps)], rng, today)
        made += 1
    # In the demo district, one application per step, made by the demo bank through the services.
    if icbc is not None:
        for step in STEPS:
            with transaction.atomic():
                name = f"工商银行朝阳演示{STEPS.index(step) + 1}号社保服务网点"
                app = services.outlet_application_create(
                    bank=icbc, data=_data(None, demo, rng, name), files=_files(rng), by=None
                )
                _walk(app, step, rng, today)
            made += 1
        # One inside the minimum distance, its justification awaiting the municipal center (R8.4).
        near = Outlet.objects.filter(district=demo, status=OutletStatus.OPERATING).order_by("code").last()
        if near is not None:
            with transaction.atomic():
                point = (near.lon + 0.004, near.lat + 0.002)
                if geo.district_of(*point) != demo.code:
                    point = (near.lon - 0.004, near.lat - 0.002)
                data = _data(None, demo, rng, "工商银行朝阳商圈社保服务网点", point=point)
                app = services.outlet_application_create(bank=icbc, data=data, files=_files(rng), by=None)
                services.outlet_application_submit(application=app, by=None)
                services.outlet_application_admit(application=app, by=_user("district_officer"))
                services.layout_exception_request(
                    application=app,
                    by=_user("district_officer"),
                    justification="该商圈日均客流逾3万人次，邻近网点排队时间长，申请在最小间距内增设网点。",
                )
            made += 1
    return made


def _termination_in_progress(today: dt.date) -> None:
    """A negotiated termination proposed by the district, awaiting the bank's confirmation."""
    if Termination.objects.exists():
        return
    demo = Agency.objects.get(code=DEMO_DISTRICT)
    staff_outlets = set(
        User.objects.filter(username__in=["outlet_manager", "outlet_staff"]).values_list(
            "assignments__outlet_id", flat=True
        )
    )
    outlet = (
        Outlet.objects.filter(district=demo, status=OutletStatus.OPERATING)
        .exclude(pk__in=staff_outlets)
        .order_by("-code")
        .first()
    )
    admin = _user("district_admin")
    if outlet is None:
        return
    with transaction.atomic():
        services.termination_propose(
            outlet=outlet,
            kind=Termination.Kind.NEGOTIATED,
            by=admin,
            reason="网点所在营业场所拟于年底搬迁，双方协商终止社保服务合作。",
            effective_date=today + dt.timedelta(days=45),
        )


def _change_requests() -> None:
    """Two outlet change requests waiting for the demo district: more equipment at the outlet manager's
    outlet, and a move of another 工商银行 outlet to 600 m from a neighbour (needs a layout exception)."""
    from sheyin.common import geo

    from .models import OutletChangeRequest

    if OutletChangeRequest.objects.exists():
        return
    manager, bank_admin = _user("outlet_manager"), _user("bank_admin")
    mine = manager.assignments.filter(outlet__isnull=False).first() if manager else None
    own = mine.outlet if mine is not None else None
    if own is not None and own.status == OutletStatus.OPERATING:
        with transaction.atomic():
            services.outlet_change_request_create(
                outlet=own,
                changes={
                    "terminals": own.terminals + 1,
                    "document_cameras": max(own.document_cameras, own.windows + own.online_counters) + 1,
                    "floor_area_m2": 240,
                },
                reason="营业厅改造后扩大自助服务区，新增一台自助终端和一台高拍仪。",
                by=manager,
            )
    if bank_admin is None or own is None:
        return
    live = [OutletStatus.ACCEPTED, OutletStatus.OPERATING, OutletStatus.SUSPENDED]
    movable = (
        Outlet.objects.filter(bank=own.bank, district=own.district, status=OutletStatus.OPERATING)
        .exclude(pk=own.pk)
        .order_by("code")
    )
    for outlet in movable[:20]:
        others = Outlet.objects.filter(status__in=live).exclude(pk=outlet.pk)
        nearest = min(
            others, key=lambda n: geo.distance_m(outlet.lon, outlet.lat, n.lon, n.lat), default=None
        )
        if nearest is None:
            continue
        d = geo.distance_m(outlet.lon, outlet.lat, nearest.lon, nearest.lat)
        k = 600 / d
        lon = nearest.lon + (outlet.lon - nearest.lon) * k
        lat = nearest.lat + (outlet.lat - nearest.lat) * k
        if geo.district_of(lon, lat) != outlet.district.code:
            continue
        with transaction.atomic():
            services.outlet_change_request_create(
                outlet=outlet,
                changes={"lon": round(lon, 6), "lat": round(lat, 6), "address": f"{outlet.address}（新址）"},
                reason="原营业场所租约到期，拟迁至同一街区的新营业场所。",
                by=bank_admin,
            )
        return
