"""Appraisal (R7.2, R9.4, R9.5, R6.3; decision record 0115): an outlet is appraised on the indicators it
has data for, marked 数据不足 when too little exists, appraised only after the period ends (a running period
is previewed), and a failed appraisal leads to a formal talk, a rectification and — the second failed year
in a row — a termination proposal that a 数据不足 year never counts towards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import municipal
from sheyin.notifications.models import Notification
from sheyin.supervision import services
from sheyin.supervision.appraisal import appraisal_compute, appraisal_preview, period_bounds
from sheyin.supervision.models import (
    Appraisal,
    Finding,
    FormalTalk,
    Inspection,
    Rectification,
    SupervisionSettings,
    TerminationProposal,
)
from sheyin.supervision.reference import load
from sheyin.support.models import Ticket

from .factories import at, case, outlet, people

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


def failing(o, p, year: int) -> None:  # type: ignore[no-untyped-def]
    """A year with enough data to appraise, and a failing one: inspection 20, three findings, one ticket
    late: (20×30 + 40×15 + 0×15) / 60 = 20.00."""
    inspected(o, 20, dt.date(year, 5, 10))
    found(o, 3, dt.date(year, 6, 1))
    ticket(o, p["staff"], dt.date(year, 7, 1), None)


def ratings(scores: dict[int, tuple[float, int]]):  # type: ignore[no-untyped-def]
    """The ratings app's per-outlet figures for the period: {outlet id: (score, number of ratings)}."""
    rows = {oid: {"score": s, "ratings": n} for oid, (s, n) in scores.items()}
    return mock.patch("sheyin.ratings.statistics.outlet_scores", return_value=rows)


@pytest.fixture
def muni(reference):  # type: ignore[no-untyped-def]
    load()
    return user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())


def test_quarter_bounds() -> None:
    assert period_bounds(2025, 4) == (dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert period_bounds(2025, 1) == (dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    assert period_bounds(2025, 0) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))


def test_an_appraisal_computed_by_hand_matches(muni) -> None:  # type: ignore[no-untyped-def]
    """Outlet A, 2025: no ratings and no archives (left out); inspection 70; one data-rule finding
    (100 − 20 = 80); tickets one of two closed on time (50). Weights 30/15/15 carry 60 % of the weight:
    (70×30 + 80×15 + 50×15) / 60 = 67.50 → 合格, applied weights 50/25/25. Outlet B: one inspection of 95 and
    nothing else, 30 % of the weight: 数据不足 — no score, no grade, no rank, whereas the old rule gave it
    96.67 优秀 and first place."""
    a, b = outlet(), outlet()
    pa = people(a)
    inspected(a, 70, dt.date(2025, 5, 10))
    found(a, 1, dt.date(2025, 6, 1))
    ticket(a, pa["staff"], dt.date(2025, 3, 3), dt.date(2025, 3, 3))
    ticket(a, pa["staff"], dt.date(2025, 4, 3), None)
    inspected(b, 95, dt.date(2025, 8, 1))
    rows = {r.outlet_id: r for r in appraisal_compute(year=2025, by=muni)}
    ra, rb = rows[a.pk], rows[b.pk]
    assert ra.score == Decimal("67.50") and ra.grade == Appraisal.Grade.PASS and ra.coverage == 60
    assert ra.weights == {"inspections": 50.0, "findings": 25.0, "tickets": 25.0}
    assert ra.components["ratings"] is None and ra.components["tickets"] == 50.0
    assert ra.figures["tickets"] == 2 and ra.figures["inspections"] == 1
    assert rb.grade == Appraisal.Grade.INSUFFICIENT and rb.score is None and rb.coverage == 30
    assert (ra.rank_district, ra.rank_city, rb.rank_district, rb.rank_city) == (1, 1, None, None)
    assert not FormalTalk.objects.exists()
    appraisal_compute(year=2025, by=muni)  # recomputing is idempotent
    assert (
        Appraisal.objects.filter(year=2025).count() == Appraisal.objects.filter(year=2025, quarter=0).count()
    )


def test_an_outlet_without_any_data_is_insufficient_and_the_active_one_ranks_first(muni) -> None:  # type: ignore[no-untyped-def]
    idle, active = outlet(), outlet()
    p = people(active)
    for i in range(25):  # enough business for the data rules to have looked at it
        case(active, p["staff"], at(dt.date(2025, 9, 1) + dt.timedelta(days=i % 20), 10, i))
    inspected(active, 85, dt.date(2025, 9, 3))
    with ratings({active.pk: (90.0, 30)}):
        rows = {r.outlet_id: r for r in appraisal_compute(year=2025, quarter=3, by=muni)}
    assert rows[idle.pk].grade == Appraisal.Grade.INSUFFICIENT and rows[idle.pk].rank_city is None
    # (90×30 + 85×30 + 100×15) / 75 = 90.00: findings count because the outlet accepted 25 cases (≥ 20)
    assert rows[active.pk].score == Decimal("90.00") and rows[active.pk].rank_city == 1
    assert rows[active.pk].components["findings"] == 100.0
    assert rows[active.pk].figures["cases"] == 25


def test_ratings_count_only_above_the_minimum_number(muni) -> None:  # type: ignore[no-untyped-def]
    few, many = outlet(), outlet()
    for o in (few, many):
        inspected(o, 80, dt.date(2025, 5, 10))
    with ratings({few.pk: (20.0, 3), many.pk: (100.0, 40)}):
        rows = {r.outlet_id: r for r in appraisal_compute(year=2025, by=muni)}
    assert rows[few.pk].components["ratings"] is None and rows[few.pk].figures["ratings"] == 3
    assert rows[few.pk].grade == Appraisal.Grade.INSUFFICIENT  # the three ratings are not enough to count
    # (100×30 + 80×30) / 60 = 90.00, each weight re-normalised to 50
    assert rows[many.pk].score == Decimal("90.00") and rows[many.pk].weights == {
        "ratings": 50.0,
        "inspections": 50.0,
    }


def test_the_municipal_center_sets_the_thresholds(muni) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    inspected(o, 95, dt.date(2025, 8, 1))
    assert appraisal_compute(year=2025, by=muni)[0].grade == Appraisal.Grade.INSUFFICIENT
    s = SupervisionSettings.current()
    services.supervision_settings_update(by=muni, min_coverage=30)
    assert AuditEvent.objects.filter(action="supervision_settings.update").exists()
    a = next(r for r in appraisal_compute(year=2025, by=muni) if r.outlet_id == o.pk)
    assert a.grade == Appraisal.Grade.EXCELLENT and a.score == Decimal("95.00")
    with pytest.raises(ValidationError) as err:
        services.supervision_settings_update(by=muni, min_coverage=101, min_ratings=-1)
    assert set(err.value.message_dict) == {"min_coverage", "min_ratings"}
    head = people(o)["head"]
    with pytest.raises(PermissionDenied):
        services.supervision_settings_update(by=head, min_coverage=0)
    assert SupervisionSettings.current().min_coverage == 30 and s.min_coverage == 50


def test_a_running_quarter_is_previewed_and_never_sanctioned(muni) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    today = timezone.localdate()
    year, quarter = today.year, (today.month - 1) // 3 + 1
    failing(o, p, year)  # data early in the year: inside the running year
    inspected(o, 10, today)
    with pytest.raises(ValidationError, match="尚未结束"):
        appraisal_compute(year=year, quarter=quarter, by=muni)
    with pytest.raises(ValidationError, match="尚未结束"):
        appraisal_compute(year=year, by=muni)
    rows = appraisal_preview(year=year, quarter=quarter, by=muni)
    mine = next(a for a in rows if a.outlet_id == o.pk)
    assert mine.pk is None and mine.grade in (Appraisal.Grade.FAIL, Appraisal.Grade.INSUFFICIENT)
    year_rows = appraisal_preview(year=year, by=muni)
    assert next(a for a in year_rows if a.outlet_id == o.pk).grade == Appraisal.Grade.FAIL
    assert not Appraisal.objects.exists() and not FormalTalk.objects.exists()
    assert (
        not Finding.objects.filter(source="appraisal").exists() and not TerminationProposal.objects.exists()
    )


def test_a_period_not_yet_begun_cannot_be_previewed_and_outlets_cannot_appraise(muni) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    with pytest.raises(ValidationError, match="尚未开始"):
        appraisal_preview(year=timezone.localdate().year + 1, by=muni)
    with pytest.raises(PermissionDenied):
        appraisal_preview(year=2025, by=people(o)["manager"])
    with pytest.raises(PermissionDenied):
        appraisal_compute(year=2025, by=people(o)["manager"])


def test_a_failed_appraisal_schedules_a_formal_talk_and_orders_rectification(muni) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    bank_admin = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    failing(o, p, 2025)
    a = next(r for r in appraisal_compute(year=2025, by=muni) if r.outlet_id == o.pk)
    assert a.score == Decimal("20.00") and a.failed
    talk = FormalTalk.objects.get(appraisal=a)
    assert talk.status == "scheduled"
    assert Rectification.objects.filter(finding__source="appraisal", outlet=o).count() == 1
    for u in (p["manager"], bank_admin):
        assert Notification.objects.filter(user=u, url=f"/supervision/talks/{talk.pk}/").exists()
    assert not TerminationProposal.objects.exists()
    appraisal_compute(year=2025, by=muni)
    assert FormalTalk.objects.count() == 1 and Rectification.objects.count() == 1


def test_two_failed_years_in_a_row_produce_a_termination_proposal_that_can_be_forwarded(muni) -> None:  # type: ignore[no-untyped-def]
    from sheyin.cooperation.models import Termination
    from sheyin.cooperation.tests.factories import operating_outlet_direct

    o = operating_outlet_direct()
    p = people(o)
    for year in (2024, 2025):
        failing(o, p, year)
    appraisal_compute(year=2024, by=muni)
    assert not TerminationProposal.objects.exists()
    appraisal_compute(year=2025, by=muni)
    proposal = TerminationProposal.objects.get(outlet=o)
    assert (
        proposal.status == "proposed" and proposal.previous.year == 2024 and proposal.appraisal.year == 2025
    )
    with pytest.raises(PermissionDenied):  # only the district admin decides
        services.proposal_forward(proposal=proposal, reason="", by=p["officer"])
    services.proposal_forward(
        proposal=proposal, reason="连续两年考核不合格，约谈后仍未整改到位", by=p["head"]
    )
    proposal.refresh_from_db()
    term = Termination.objects.get(pk=proposal.termination_id)
    assert proposal.status == "forwarded" and term.ground == "failed_appraisal" and term.kind == "unilateral"


@pytest.mark.parametrize("insufficient_year", [2024, 2025])
def test_a_year_with_insufficient_data_never_counts_towards_termination(muni, insufficient_year) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    failing(o, p, 2024 if insufficient_year == 2025 else 2025)
    inspected(o, 5, dt.date(insufficient_year, 5, 10))  # one poor inspection alone: too little to appraise
    appraisal_compute(year=2024, by=muni)
    appraisal_compute(year=2025, by=muni)
    grades = dict(Appraisal.objects.filter(outlet=o).values_list("year", "grade"))
    assert grades[insufficient_year] == Appraisal.Grade.INSUFFICIENT
    assert not TerminationProposal.objects.exists()
    assert FormalTalk.objects.filter(outlet=o).count() == 1  # the failed year only


# --- the formal talk and its follow-up ---------------------------------------------------------------------


@pytest.fixture
def talk(muni):  # type: ignore[no-untyped-def]
    o = outlet()
    p = people(o)
    failing(o, p, 2025)
    appraisal_compute(year=2025, by=muni)
    return FormalTalk.objects.get(outlet=o), p


def _record(t, by, **over):  # type: ignore[no-untyped-def]
    data = {"held_at": timezone.now() - dt.timedelta(hours=2), "place": "区社保中心302会议室",
            "attendees": "区社保中心：张区管、刘区办；银行：赵行长、网点负责人王某",
            "minutes": "通报2025年度考核不合格情况，分析现场检查失分原因。",
            "commitments": "一、两周内完成窗口防窥改造\n二、每月开展一次业务自查",
            "commitment_due": timezone.localdate() + dt.timedelta(days=30), **over}  # fmt: skip
    return services_talk_record(t, by, data)


def services_talk_record(t, by, data):  # type: ignore[no-untyped-def]
    from sheyin.supervision.appraisal import formal_talk_record

    return formal_talk_record(talk=t, by=by, **data)


def test_the_district_records_the_talk_and_the_bank_side_is_told(talk) -> None:  # type: ignore[no-untyped-def]
    t, p = talk
    t = _record(t, p["officer"])
    assert t.status == "held" and t.recorded_by == p["officer"] and "防窥" in t.commitments
    assert AuditEvent.objects.filter(action="formal_talk.record", object_id=str(t.pk)).exists()
    assert Notification.objects.filter(user=p["manager"], title__contains="约谈记录").exists()


def test_a_talk_record_needs_attendees_minutes_commitments_and_a_past_time(talk) -> None:  # type: ignore[no-untyped-def]
    t, p = talk
    with pytest.raises(ValidationError) as err:
        _record(t, p["officer"], attendees=" ", minutes="", commitments="",
                held_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    assert set(err.value.message_dict) == {"attendees", "minutes", "commitments", "held_at"}
    with pytest.raises(ValidationError) as err:
        _record(t, p["officer"], held_at=at(dt.date(2025, 12, 20), 10))
    assert "held_at" in err.value.message_dict  # before the appraised year ended
    t.refresh_from_db()
    assert t.status == "scheduled"


def test_only_the_outlets_district_records_a_talk_and_only_once(talk) -> None:  # type: ignore[no-untyped-def]
    t, p = talk
    with pytest.raises(PermissionDenied):
        _record(t, p["manager"])
    other = user_with_role(Role.DISTRICT_OFFICER, agency=outlet("110108").district)
    with pytest.raises(PermissionDenied):
        _record(t, other)
    _record(t, p["officer"])
    with pytest.raises(ValidationError, match="不能执行"):
        _record(t, p["officer"])


def test_kept_commitments_close_the_talk(talk) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.appraisal import formal_talk_follow_up

    t, p = talk
    _record(t, p["officer"])
    t = formal_talk_follow_up(
        talk=t, fulfilled=True, note="现场核实防窥膜已安装，自查记录齐全。", by=p["head"]
    )
    assert t.status == "closed" and t.fulfilled is True and t.followed_by == p["head"]
    assert AuditEvent.objects.filter(action="formal_talk.follow_up", object_id=str(t.pk)).exists()
    assert Finding.objects.filter(source="appraisal", outlet=t.outlet).count() == 1


def test_commitments_not_kept_become_a_finding_with_rectification(talk) -> None:  # type: ignore[no-untyped-def]
    from sheyin.supervision.appraisal import formal_talk_follow_up

    t, p = talk
    with pytest.raises(ValidationError, match="不能执行"):  # nothing to follow up before the talk
        formal_talk_follow_up(talk=t, fulfilled=True, note="x", by=p["head"])
    _record(t, p["officer"])
    with pytest.raises(ValidationError) as err:
        formal_talk_follow_up(talk=t, fulfilled=None, note=" ", by=p["head"])
    assert set(err.value.message_dict) == {"fulfilled", "note"}
    with pytest.raises(PermissionDenied):
        formal_talk_follow_up(talk=t, fulfilled=True, note="已落实", by=p["manager"])
    formal_talk_follow_up(talk=t, fulfilled=False, note="复查时窗口仍未加装防窥膜。", by=p["head"])
    f = Finding.objects.get(title__startswith="约谈承诺未落实")
    assert f.severity == "high" and f.status == "rectifying" and f.rectifications.count() == 1
