"""Data scope of supervision for every role (design rule 2). Finding and Rectification follow the outlet
(outlet staff included); Inspection, Appraisal and FormalTalk the outlet's manager, bank and district;
TerminationProposal and InspectionPlan the district; SelfInspection the bank (districts read all);
Consultation the organising agency and the bank; AnalysisRule agency roles only."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import municipal
from sheyin.supervision import services
from sheyin.supervision.models import (
    AnalysisRule,
    Appraisal,
    Consultation,
    Finding,
    FormalTalk,
    Inspection,
    InspectionPlan,
    Rectification,
    SelfInspection,
    TerminationProposal,
)
from sheyin.supervision.reference import load

from .factories import outlet, people

pytestmark = pytest.mark.django_db


def build(o, p):  # type: ignore[no-untyped-def]
    f = services.finding_create(outlet=o, source="public_feedback", title="t", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="r", by=p["officer"])
    i = services.inspection_schedule(outlet=o, scheduled_date=dt.date(2026, 12, 1), by=p["officer"])
    a = Appraisal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, year=2025, score=50,
                                 grade="fail")  # fmt: skip
    prev = Appraisal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, year=2024, score=50,
                                    grade="fail")  # fmt: skip
    talk = FormalTalk.objects.create(appraisal=a, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                     scheduled_date=dt.date(2026, 12, 1))  # fmt: skip
    tp = TerminationProposal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, appraisal=a,
                                            previous=prev)  # fmt: skip
    plan = InspectionPlan.objects.create(district_id=o.district_id, year=2026, quarter=4)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    si = services.self_inspection_submit(period="2026Q4", results=[], summary="ok", by=bank_admin)
    c = services.consultation_record(agency=o.district, bank=o.bank, title="会商", held_at=timezone.now(),
                                     attendees="a", by=p["officer"])  # fmt: skip
    return {Finding: f.pk, Rectification: r.pk, Inspection: i.pk, Appraisal: a.pk, FormalTalk: talk.pk,
            TerminationProposal: tp.pk, InspectionPlan: plan.pk, SelfInspection: si.pk, Consultation: c.pk}  # fmt: skip


# level -> models whose home object is visible; "all": both worlds
VISIBLE = {
    Level.DISTRICT: {Finding, Rectification, Inspection, Appraisal, FormalTalk, TerminationProposal, InspectionPlan,
                     SelfInspection, Consultation},
    Level.BANK: {Finding, Rectification, Inspection, Appraisal, FormalTalk, SelfInspection, Consultation},
    Level.OUTLET: {Finding, Rectification, Inspection, Appraisal, FormalTalk},
    Level.SELF: {Finding, Rectification},
}  # fmt: skip


def _user_at(role: Role, home: Any) -> Any:
    """A user of the role placed at the home outlet's level (municipal, its district, its bank or itself)."""
    level = LEVEL[role]
    if level == Level.ALL:
        return user_with_role(role, agency=municipal())
    if level == Level.DISTRICT:
        return user_with_role(role, agency=home.district)
    if level == Level.BANK:
        return user_with_role(role, bank=home.bank)
    return user_with_role(role, outlet=home)


def test_every_role_sees_exactly_its_scope(reference) -> None:
    load()
    worlds = {}
    for key, code in (("home", "110105"), ("other", "110108")):
        o = outlet(code)
        p = people(o)
        worlds[key] = {"o": o, "objs": build(o, p)}
    home = worlds["home"]["o"]
    wrong = []
    for role in Role:
        level, user = LEVEL[role], _user_at(role, home)
        for model in worlds["home"]["objs"]:
            base = model.objects.filter(year=2025) if model is Appraisal else model.objects.all()
            seen = set(scoped(base, user).values_list("pk", flat=True))
            if level == Level.ALL or (level == Level.DISTRICT and model is SelfInspection):
                want = {worlds[k]["objs"][model] for k in ("home", "other")}
            elif model in VISIBLE[level]:
                want = {worlds["home"]["objs"][model]}
            else:
                want = set()
            if seen != want:
                wrong.append(f"{role} {model.__name__}: saw {seen}, wanted {want}")
        rules = scoped(AnalysisRule.objects.all(), user).count()
        if (rules > 0) != (level in (Level.ALL, Level.DISTRICT)):
            wrong.append(f"{role} AnalysisRule: saw {rules}")
    assert not wrong, wrong


EXPORTS = {  # list → what names the row's owner in the file
    "supervision:rectification_list": "outlet",
    "supervision:appraisal_list": "outlet",
    "supervision:plan_list": "district",
    "supervision:consultation_list": "district",
}


def test_the_new_exports_hold_only_the_rows_of_the_scope(client, reference) -> None:  # type: ignore[no-untyped-def]
    """Rectification, appraisal, plan and consultation exports (issue 18 item 3) for every role."""
    import io

    from django.urls import reverse
    from openpyxl import load_workbook

    load()
    worlds = {}
    for key, code in (("home", "110105"), ("other", "110108")):
        o = outlet(code)
        worlds[key] = {"o": o, "objs": build(o, people(o))}
    home, other = worlds["home"]["o"], worlds["other"]["o"]
    checked, wrong = 0, []
    for role in Role:
        level, user = LEVEL[role], _user_at(role, home)
        client.force_login(user)
        for name, owner in EXPORTS.items():
            resp = client.get(
                reverse(name), {"export": "xlsx", "year": 2025} if "appraisal" in name else {"export": "xlsx"}
            )
            if resp.status_code == 403:
                continue
            assert resp.status_code == 200, (role, name, resp.status_code)
            checked += 1
            ws = load_workbook(io.BytesIO(resp.content)).active
            text = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
            foreign = other.name if owner == "outlet" else other.district.name
            if level != Level.ALL and foreign in text:
                wrong.append(f"{role} {name}: {foreign}")
            own = home.name if owner == "outlet" else home.district.name
            if level in (Level.ALL, Level.DISTRICT) and own not in text:
                wrong.append(f"{role} {name}: missing {own}")
    assert checked >= 8 and not wrong, wrong
