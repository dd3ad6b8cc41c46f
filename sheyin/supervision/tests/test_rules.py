"""Each data-analysis rule with a planted positive and a planted negative (R9.4, Annex 13)."""

from __future__ import annotations

import datetime as dt

import pytest

from sheyin.audit.models import AuditEvent
from sheyin.supervision.models import AnalysisRule, Finding
from sheyin.supervision.reference import load
from sheyin.supervision.services import analysis_run

from .factories import at, case, outlet, people

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 11, 18)  # a Wednesday


@pytest.fixture
def two(reference):  # type: ignore[no-untyped-def]
    load()
    bad, good = outlet(), outlet()
    return {"bad": bad, "good": good, "pb": people(bad), "pg": people(good)}


def hits(code: str, day: dt.date = DAY) -> set[int]:
    analysis_run(day=day, codes=[code])
    return set(Finding.objects.filter(rule__code=code).values_list("outlet_id", flat=True))


def test_off_hours_flags_a_case_at_night_and_not_one_in_opening_hours(two) -> None:  # type: ignore[no-untyped-def]
    case(two["bad"], two["pb"]["staff"], at(DAY, 21, 15))
    case(two["good"], two["pg"]["staff"], at(DAY, 8, 30))
    case(two["good"], two["pg"]["staff"], at(DAY, 17, 29))
    assert hits("off_hours") == {two["bad"].pk}
    f = Finding.objects.get(rule__code="off_hours")
    assert f.evidence["count"] == 1 and f.period == "2026-11-18"


def test_off_hours_counts_a_saturday(two) -> None:  # type: ignore[no-untyped-def]
    sat = dt.date(2026, 11, 21)
    case(two["bad"], two["pb"]["staff"], at(sat, 10))
    assert hits("off_hours", sat) == {two["bad"].pk}


def test_the_nightly_run_is_idempotent(two) -> None:  # type: ignore[no-untyped-def]
    case(two["bad"], two["pb"]["staff"], at(DAY, 22))
    analysis_run(day=DAY)
    analysis_run(day=DAY)
    assert Finding.objects.filter(rule__code="off_hours").count() == 1


def test_a_disabled_rule_does_not_run(two) -> None:  # type: ignore[no-untyped-def]
    AnalysisRule.objects.filter(code="off_hours").update(enabled=False)
    case(two["bad"], two["pb"]["staff"], at(DAY, 22))
    assert analysis_run(day=DAY).get("off_hours") is None


def test_staff_volume_flags_a_day_above_mean_plus_three_sigma(two) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    for key in ("bad", "good"):
        o = two[key]
        staff = [user_with_role(Role.OUTLET_STAFF, outlet=o) for _ in range(4)]
        for d in range(5):  # 20 ordinary staff-days of 5 cases each
            for s in staff:
                for k in range(5):
                    case(o, s, at(DAY - dt.timedelta(days=d), 9, k))
    busy = two["pb"]["staff"]
    for k in range(40):
        case(two["bad"], busy, at(DAY, 10, k))
    # the good outlet: a merely busier day (8 cases) stays within 3σ
    for k in range(8):
        case(two["good"], two["pg"]["staff"], at(DAY, 10, k))
    assert hits("staff_volume") == {two["bad"].pk}
    f = Finding.objects.get(rule__code="staff_volume")
    assert f.evidence["count"] == 40 and f.evidence["staff_id"] == busy.pk


def test_snooping_flags_a_rights_record_query_without_a_case(two) -> None:  # type: ignore[no-untyped-def]
    from sheyin.kiosk.models import Terminal, TerminalQuery

    for key, person_with_case in (("bad", None), ("good", "alice")):
        o = two[key]
        term = Terminal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                       serial=f"SN-{key}", name="T", credential_hash="x")  # fmt: skip
        q = TerminalQuery.objects.create(terminal=term, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                         action="print_record", person_index="alice")  # fmt: skip
        TerminalQuery.objects.filter(pk=q.pk).update(at=at(DAY, 11))
        if person_with_case:
            case(o, two["pg"]["staff"], at(DAY - dt.timedelta(days=1), 15), person=person_with_case)
    assert hits("snooping") == {two["bad"].pk}


def test_rates_flags_an_outlet_with_many_rejections_and_not_one_with_few(two) -> None:  # type: ignore[no-untyped-def]
    for i in range(25):
        case(two["bad"], two["pb"]["staff"], at(DAY, 10, i), status="rejected" if i < 8 else "completed")
        case(two["good"], two["pg"]["staff"], at(DAY, 10, i), status="rejected" if i < 2 else "completed")
    assert hits("rates") == {two["bad"].pk}


def test_rates_ignores_an_outlet_below_the_minimum_volume(two) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        case(two["good"], two["pg"]["staff"], at(DAY, 10, i), status="rejected")
    assert hits("rates") == set()


def test_repeated_edits_flags_a_case_edited_again_and_again(two) -> None:  # type: ignore[no-untyped-def]
    edited = case(two["bad"], two["pb"]["staff"], at(DAY, 10))
    normal = case(two["good"], two["pg"]["staff"], at(DAY, 10))
    for c, n in ((edited, 9), (normal, 4)):
        for _ in range(n):
            AuditEvent.objects.create(
                action="case.materials", object_type="casework.case", object_id=str(c.pk), at=at(DAY, 11)
            )
    assert hits("repeated_edits") == {two["bad"].pk}
    assert Finding.objects.get(rule__code="repeated_edits").subject_key == f"case:{edited.pk}"


def test_rating_bursts_become_findings(two) -> None:  # type: ignore[no-untyped-def]
    from unittest import mock

    burst = {"outlet_id": two["bad"].pk, "count": 6, "rating_ids": [1, 2, 3, 4, 5, 6], "level": 5,
             "first_at": at(DAY, 10), "last_at": at(DAY, 10, 5)}  # fmt: skip
    with mock.patch("sheyin.ratings.selectors.rating_bursts", return_value=[burst]) as m:
        assert hits("rating_bursts") == {two["bad"].pk}
    assert m.called
    assert Finding.objects.get(rule__code="rating_bursts").source == Finding.Source.RATING_BURST


def test_rating_bursts_without_a_burst_find_nothing(two) -> None:  # type: ignore[no-untyped-def]
    assert hits("rating_bursts") == set()


def test_sqlite_gets_windows_in_utc_text_like_the_stored_values() -> None:
    from zoneinfo import ZoneInfo

    from sheyin.supervision.rules import _db_value

    beijing = dt.datetime(2026, 11, 26, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert _db_value("sqlite", beijing) == "2026-11-25 16:00:00"
    assert _db_value("postgresql", beijing) is beijing
