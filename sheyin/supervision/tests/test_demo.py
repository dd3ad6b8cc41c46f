"""Demo data for district oversight: every page has something to show; a second run adds nothing."""

from __future__ import annotations

import io
import random

import pytest

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.models import Bank, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.supervision import demo
from sheyin.supervision.models import (
    Appraisal,
    Consultation,
    Finding,
    Inspection,
    InspectionPlan,
    Rectification,
    SelfInspection,
)
from sheyin.support import demo as support_demo
from sheyin.support.models import FaqEntry, GuidanceSession, Ticket

pytestmark = pytest.mark.django_db


def _registry() -> None:
    """A small stand-in for seed_demo's registry: the demo bank's outlets in 朝阳 and the demo accounts."""
    icbc = BankFactory(short_name="工商银行", status=Bank.Status.ACTIVE)
    other = BankFactory(status=Bank.Status.ACTIVE)
    chaoyang = district("110105")
    home = OutletFactory(bank=icbc, district=chaoyang, code="WD1101050001")
    for i in range(2, 6):
        OutletFactory(bank=icbc if i % 2 else other, district=chaoyang, code=f"WD110105000{i}")
    OutletFactory(bank=other, district=chaoyang, status=OutletStatus.SUSPENDED)
    for name, role in (("district_admin", Role.DISTRICT_ADMIN), ("district_officer", Role.DISTRICT_OFFICER),
                       ("district_inspector", Role.DISTRICT_INSPECTOR)):  # fmt: skip
        user_with_role(role, agency=chaoyang, username=name)
    user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal(), username="muni_admin")
    user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal(), username="muni_officer")
    user_with_role(Role.BANK_ADMIN, bank=icbc, username="bank_admin")
    user_with_role(Role.OUTLET_MANAGER, outlet=home, username="outlet_manager")
    user_with_role(Role.OUTLET_STAFF, outlet=home, username="outlet_staff")


def _counts() -> list[int]:
    models = (Ticket, GuidanceSession, FaqEntry, InspectionPlan, Inspection, Finding, Rectification,
              SelfInspection, Consultation, Appraisal)  # fmt: skip
    return [m.objects.count() for m in models]


def test_the_demo_seeds_fill_every_oversight_page_and_run_once(reference, calendar) -> None:  # type: ignore[no-untyped-def]
    _registry()
    support_demo.seed(random.Random(1), io.StringIO())
    demo.seed(random.Random(1), io.StringIO())

    assert set(Ticket.objects.values_list("status", flat=True)) == {"open", "answered", "closed"}
    assert Ticket.objects.filter(escalation=Ticket.Escalation.MUNICIPAL).count() == 1  # the overdue one
    assert Ticket.objects.values("outlet").distinct().count() == 3
    assert FaqEntry.objects.count() == 2 and GuidanceSession.objects.count() == 2
    plan = InspectionPlan.objects.get()
    assert plan.inspections.count() == 5  # every operating outlet of 朝阳
    done = Inspection.objects.get(status="done", plan=plan)
    assert done.score == 80 and done.findings.count() == 2
    assert Finding.objects.filter(source=Finding.Source.PUBLIC_FEEDBACK).exists()
    privacy = Rectification.objects.get(finding__inspection=done)
    assert privacy.status == "answered" and privacy.rounds == 1  # answered again, awaiting verification
    assert list(privacy.round_set.values_list("decision", flat=True)) == ["returned", ""]
    assert SelfInspection.objects.get().status == "submitted"
    actions = Consultation.objects.get().actions.all()
    assert [a.done_at is not None for a in actions] == [True, False, False]
    # last quarter: the demo outlet has enough data and fails; the talk is held and awaits its follow-up
    home = Appraisal.objects.get(outlet__code="WD1101050001")
    assert home.grade == Appraisal.Grade.FAIL and home.coverage >= 50 and home.talk.status == "held"
    assert Appraisal.objects.filter(grade=Appraisal.Grade.INSUFFICIENT).exists()
    from sheyin.catalogue.models import ServiceProposal

    assert sorted(ServiceProposal.objects.values_list("status", flat=True)) == [
        "accepted",
        "returned",
        "submitted",
    ]

    counts = _counts()
    out = io.StringIO()
    support_demo.seed(random.Random(1), out)
    demo.seed(random.Random(1), out)
    assert _counts() == counts
    assert "support demo data: already present" in out.getvalue()
    assert "supervision demo data: already present" in out.getvalue()
