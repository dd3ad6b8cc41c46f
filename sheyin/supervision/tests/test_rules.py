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


def lookup(o, staff, when, person: str, case=None):  # type: ignore[no-untyped-def]
    """A staff member's look-up of a person (casework_personlookup), planted at `when`."""
    from sheyin.casework.models import PersonLookup

    x = PersonLookup.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, staff=staff,
                                    case=case, person_index=person, person_masked="110101********123X")  # fmt: skip
    PersonLookup.objects.filter(pk=x.pk).update(at=when)
    return x


def test_a_citizens_own_queries_at_a_terminal_are_not_snooping(two) -> None:  # type: ignore[no-untyped-def]
    """Identified by card and ID number (or a code sent to their phone), the citizen looks up their own
    record: self-service, whatever the cases say (R2.1)."""
    from sheyin.kiosk.models import Terminal, TerminalQuery

    o = two["bad"]
    term = Terminal.objects.create(outlet=o, district_id=o.district_id, bank_id=o.bank_id, serial="SN-1", name="T",
                                   credential_hash="x")  # fmt: skip
    for i, action in enumerate(["identify", "view_record", "print_record"] * 5):
        q = TerminalQuery.objects.create(terminal=term, outlet=o, district_id=o.district_id, bank_id=o.bank_id,
                                         action=action, person_index=f"p{i}")  # fmt: skip
        TerminalQuery.objects.filter(pk=q.pk).update(at=at(DAY, 11, i))
    assert hits("snooping") == set()


def test_staff_looking_up_persons_with_no_case_is_snooping(two) -> None:  # type: ignore[no-untyped-def]
    bad, good = two["bad"], two["good"]
    snoop, clerk = two["pb"]["staff"], two["pg"]["staff"]
    lookup(bad, snoop, at(DAY, 9, 5), "neighbour")
    lookup(bad, snoop, at(DAY, 9, 7), "celebrity")
    # a looked-up person whose case was cancelled has no case either
    lookup(
        bad,
        snoop,
        at(DAY, 10),
        "walked_out",
        case(bad, snoop, at(DAY, 9, 58), status="cancelled", person="walked_out"),
    )
    # the good outlet: every person looked up has a case around it (done, or still being handled)
    lookup(good, clerk, at(DAY, 9), "alice", case(good, clerk, at(DAY, 8, 55), person="alice"))
    lookup(
        good, clerk, at(DAY, 11), "bob", case(good, clerk, at(DAY - dt.timedelta(days=1), 16), person="bob")
    )
    lookup(
        good, clerk, at(DAY, 15), "carol", case(good, clerk, at(DAY, 14, 58), status="draft", person="carol")
    )
    assert hits("snooping") == {bad.pk}
    f = Finding.objects.get(rule__code="snooping")
    assert (
        f.subject_key == f"staff:{snoop.pk}"
        and f.severity == "medium"
        and f.title.startswith("疑似窥探个人信息")
    )
    assert (f.evidence["staff_id"], f.evidence["lookups"], f.evidence["persons"]) == (snoop.pk, 3, 3)
    assert f.evidence["first_at"].startswith("2026-11-18T01:05")  # stored with its offset (UTC here)


def test_a_case_at_another_outlet_or_days_away_does_not_cover_a_look_up(two) -> None:  # type: ignore[no-untyped-def]
    bad, good = two["bad"], two["good"]
    snoop = two["pb"]["staff"]
    lookup(bad, snoop, at(DAY, 9), "alice")
    case(good, two["pg"]["staff"], at(DAY, 9, 30), person="alice")  # another outlet
    lookup(bad, snoop, at(DAY, 10), "bob")
    case(bad, snoop, at(DAY - dt.timedelta(days=3), 10), person="bob")  # three days before
    assert hits("snooping") == {bad.pk}


def test_a_single_look_up_is_below_the_default_threshold_and_many_are_serious(two) -> None:  # type: ignore[no-untyped-def]
    bad = two["bad"]
    snoop = two["pb"]["staff"]
    lookup(bad, snoop, at(DAY, 9), "alice")
    assert hits("snooping") == set()
    for i in range(10):
        lookup(bad, snoop, at(DAY, 10, i), f"p{i}")
    assert hits("snooping") == {bad.pk}
    assert Finding.objects.get(rule__code="snooping").severity == "high"


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
