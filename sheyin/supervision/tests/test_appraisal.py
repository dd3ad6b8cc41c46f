"""Appraisal (R7.2, R9.4, R9.5, R6.3): a small data set computed by hand; failure consequences."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sheyin.supervision.appraisal import appraisal_compute, period_bounds
from sheyin.supervision.models import (
    Appraisal,
    Finding,
    FormalTalk,
    Inspection,
    Rectification,
    TerminationProposal,
)
from sheyin.supervision.reference import load
from sheyin.support.models import Ticket

from .factories import at, outlet, people

pytestmark = pytest.mark.django_db


def inspected(o, score: int, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    Inspection.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, scheduled_date=day,
                              status="done", score=score, visited_at=at(day, 10))  # fmt: skip


def found(o, n: int, day: dt.date) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.models import AnalysisRule

    rule = AnalysisRule.objects.get(code="off_hours")
    for i in range(n):
        Finding.objects.create(number=f"F{o.pk}-{day}-{i}", source="data_rule", rule=rule, outlet=o,
                               district_id=o.district_id, bank_id=o.bank_id, subject_key=f"s{i}", period=str(day),
                               title="t", found_at=at(day, 12))  # fmt: skip


def ticket(o, user, due: dt.date, closed: dt.date | None) -> None:  # type: ignore[no-untyped-def]
    Ticket.objects.create(number=f"W{o.pk}{due}{closed}", outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                          category="other", title="t", description="d", raised_by=user, reply_due=due, close_due=due,
                          status="closed" if closed else "open", resolution="ok" if closed else "",
                          closed_at=at(closed, 10) if closed else None)  # fmt: skip


def test_quarter_bounds() -> None:
    assert period_bounds(2025, 4) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert period_bounds(2025, 1) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert period_bounds(2025, 0) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_an_appraisal_computed_by_hand_matches(reference) -> None:
    """Outlet A, 2025: no ratings and no archives (left out); inspection 70; one data-rule finding
    (100 − 20 = 80); tickets one of two closed on time (50). Weights 30/15/15 of those present:
    (70×30 + 80×15 + 50×15) / 60 = 67.50 → 合格. Outlet B: inspection 95, nothing else: (95×30 + 100×15) / 45
    = 96.67 → 优秀, ranked first in the district and the city."""
    load()
    a, b = outlet(), outlet()
    pa = people(a)
    inspected(a, 70, dt.date(2025, 5, 10))
    found(a, 1, dt.date(2025, 6, 1))
    ticket(a, pa["staff"], dt.date(2025, 3, 3), dt.date(2025, 3, 3))
    ticket(a, pa["staff"], dt.date(2025, 4, 3), None)
    inspected(b, 95, dt.date(2025, 8, 1))
    rows = {r.outlet_id: r for r in appraisal_compute(year=2025)}
    ra, rb = rows[a.pk], rows[b.pk]
    assert ra.score == Decimal("67.50") and ra.grade == Appraisal.Grade.PASS
    assert ra.components["ratings"] is None and ra.components["tickets"] == 50.0
    assert rb.score == Decimal("96.67") and rb.grade == Appraisal.Grade.EXCELLENT
    assert (rb.rank_district, ra.rank_district) == (1, 2)
    assert not FormalTalk.objects.exists()
    # recomputing is idempotent
    appraisal_compute(year=2025)
    assert (
        Appraisal.objects.filter(year=2025, quarter=0).count() == Appraisal.objects.filter(year=2025).count()
    )


def test_a_failed_appraisal_records_a_formal_talk_and_a_rectification(reference) -> None:
    load()
    o = outlet()
    people(o)
    inspected(o, 20, dt.date(2025, 5, 10))
    found(o, 3, dt.date(2025, 6, 1))  # (20×30 + 40×15) / 45 = 26.67
    a = next(r for r in appraisal_compute(year=2025) if r.outlet_id == o.pk)
    assert a.score == Decimal("26.67") and a.failed
    assert FormalTalk.objects.filter(appraisal=a).exists()
    assert Rectification.objects.filter(finding__source="appraisal", outlet=o).count() == 1
    assert not TerminationProposal.objects.exists()
    appraisal_compute(year=2025)
    assert FormalTalk.objects.count() == 1 and Rectification.objects.count() == 1


def test_two_failed_years_in_a_row_produce_a_termination_proposal(reference) -> None:
    load()
    o = outlet()
    people(o)
    for year in (2024, 2025):
        inspected(o, 20, dt.date(year, 5, 10))
        found(o, 3, dt.date(year, 6, 1))
    appraisal_compute(year=2024)
    assert not TerminationProposal.objects.exists()
    appraisal_compute(year=2025)
    p = TerminationProposal.objects.get(outlet=o)
    assert p.status == "proposed" and p.previous.year == 2024 and p.appraisal.year == 2025
