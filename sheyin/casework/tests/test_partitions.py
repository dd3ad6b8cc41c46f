"""The cases are partitioned by month of their call on PostgreSQL, and the keys that point at a case keep
their integrity as constraint triggers (docs/decisions/0128-monthly-partitions.md)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from sheyin.casework import services
from sheyin.casework.models import Case, CaseReview
from sheyin.common import partitions as p
from sheyin.common.tasks import ensure_month_partitions
from sheyin.ratings.models import RatingToken
from sheyin.ratings.tests.factories import completed_case, outlet, rate

from .factories import completed, world

pytestmark = pytest.mark.django_db

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="partitions exist on PostgreSQL only"
)

BEIJING = ZoneInfo("Asia/Shanghai")
KEYS = {
    "casework_archiverecord", "casework_casefile", "casework_casereview", "casework_issuedreceipt",
    "casework_personlookup", "ratings_rating", "ratings_ratingtoken",
}  # fmt: skip


def _partition_of(case: Case) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT tableoid::regclass::text FROM casework_case WHERE id = %s", [case.pk])
        return str(cur.fetchone()[0])


def _commit_checks() -> None:
    """What a commit would check now (the keys' triggers are deferred to commit, as Django's keys are)."""
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")


def _sql(sql: str, params: list[object]) -> None:
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_on_sqlite_the_cases_are_one_plain_table_and_the_job_does_nothing() -> None:
    if connection.vendor == "postgresql":
        assert p.is_partitioned(p.CASES)
    else:
        assert not p.is_partitioned(p.CASES)
        assert p.ensure_months(p.CASES).created == []
        assert ensure_month_partitions.call_local() == []


@on_postgres
def test_a_case_lands_in_the_partition_of_its_month_in_beijing_time(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    # 1 March 2026 at 02:00 in Beijing is still February in UTC: the case belongs to March.
    march = completed_case(o, ended_at=dt.datetime(2026, 3, 1, 2, 10, tzinfo=BEIJING))
    june = completed_case(o, ended_at=dt.datetime(2026, 6, 15, 10, tzinfo=BEIJING))
    assert _partition_of(march) == "casework_case_y2026m03"
    assert _partition_of(june) == "casework_case_y2026m06"


@on_postgres
def test_a_case_called_far_outside_every_month_is_still_written_to_the_default_partition(reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet(), ended_at=dt.datetime(2099, 1, 1, 12, tzinfo=BEIJING))
    assert _partition_of(case) == p.CASES.default_partition
    assert Case.objects.get(receipt_no=case.receipt_no) == case


@on_postgres
def test_every_key_to_a_case_is_a_pair_of_constraint_triggers() -> None:
    with connection.cursor() as cur:
        assert p.referencing_keys(cur, "casework_case") == []
        assert {child for child, _col, _name in p.trigger_keys(cur, "casework_case")} == KEYS


@on_postgres
def test_a_row_of_any_table_pointing_at_a_missing_case_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)  # its archive, scan, look-up and rating code
    services.receipt_issue(case=case, verify_url=lambda c, h: "v", rating_url=lambda t: "r", by=w.staff)
    CaseReview.objects.create(case=case, reviewer=w.colleague, decision="approved")
    rate(case)
    missing = Case.objects.order_by("-pk").values_list("pk", flat=True)[0] + 1000
    for child in sorted(KEYS):
        with pytest.raises(IntegrityError, match="is not present in table"), transaction.atomic():
            _sql(f"UPDATE {child} SET case_id = %s WHERE case_id = %s", [missing, case.pk])  # noqa: S608
            _commit_checks()
    with pytest.raises(IntegrityError, match="is not present in table"), transaction.atomic():
        CaseReview.objects.create(case_id=missing, reviewer=w.colleague, decision="approved")
        _commit_checks()
    _commit_checks()  # the rows as they are, pointing at their case, pass


@on_postgres
def test_a_referenced_case_cannot_be_deleted_but_an_unreferenced_one_can(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    rated, alone = completed_case(o), completed_case(o)
    rate(rated)
    _commit_checks()  # the rating as if committed before
    with pytest.raises(IntegrityError, match="is still referenced"), transaction.atomic():
        _sql("DELETE FROM casework_case WHERE id = %s", [rated.pk])
        _commit_checks()
    _sql("DELETE FROM casework_case WHERE id = %s", [alone.pk])
    _commit_checks()
    assert not Case.objects.filter(pk=alone.pk).exists() and Case.objects.filter(pk=rated.pk).exists()


@on_postgres
def test_a_referenced_case_moved_to_another_month_keeps_its_references(reference) -> None:  # type: ignore[no-untyped-def]
    case = completed_case(outlet(), ended_at=dt.datetime(2026, 4, 10, 10, tzinfo=BEIJING))
    rate(case)
    Case.objects.filter(pk=case.pk).update(called_at=dt.datetime(2026, 5, 2, 10, tzinfo=BEIJING))
    _commit_checks()
    assert _partition_of(case) == "casework_case_y2026m05"


@on_postgres
def test_a_receipt_number_is_refused_twice_in_the_same_month(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    first = completed_case(o, ended_at=dt.datetime(2026, 7, 3, 10, tzinfo=BEIJING))
    other = completed_case(o, ended_at=dt.datetime(2026, 7, 20, 10, tzinfo=BEIJING))
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.filter(pk=other.pk).update(receipt_no=first.receipt_no)
    assert Case.objects.filter(receipt_no=first.receipt_no).count() == 1


@on_postgres
def test_the_daily_job_creates_the_coming_months_once_with_their_own_unique_receipts() -> None:
    far = dt.date(2031, 5, 1)
    first = p.ensure_months(p.CASES, ahead=1, today=far)
    assert first.created == ["casework_case_y2031m05", "casework_case_y2031m06"]
    assert p.ensure_months(p.CASES, ahead=1, today=far).created == []
    assert "casework_case_y2031m06" in {name for name, _, _ in p.partitions(p.CASES)}
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('casework_case_y2031m06_receipt_no_uniq') IS NOT NULL")
        assert cur.fetchone()[0]
    assert ensure_month_partitions.call_local() == []  # the months around today exist since the migrations


@on_postgres
def test_a_month_whose_cases_already_sit_in_the_default_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    completed_case(outlet(), ended_at=dt.datetime(2040, 3, 2, 10, tzinfo=BEIJING))
    result = p.ensure_months(p.CASES, ahead=0, today=dt.date(2040, 3, 9))
    assert result.created == [] and result.refused == ["casework_case_y2040m03"]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_at_commit_a_rating_code_for_a_missing_case_is_refused() -> None:
    call_command("seed_reference", verbosity=0)
    o = outlet()
    with pytest.raises(IntegrityError, match="is not present in table"), transaction.atomic():
        RatingToken.objects.create(
            token="orphan",
            case_id=987654321,
            outlet=o,
            district_id=o.district_id,
            bank_id=o.bank_id,
            channel="W",
        )  # accepted now, refused when the transaction commits
    assert not RatingToken.objects.filter(token="orphan").exists()


@on_postgres
def test_migrating_back_restores_the_plain_table_and_its_real_foreign_keys() -> None:
    call_command("migrate", "casework", "0008", verbosity=0)
    with connection.cursor() as cur:
        assert not p.is_partitioned(p.CASES)
        assert {child for child, _col, _name, _on_delete in p.referencing_keys(cur, "casework_case")} == KEYS
        assert p.trigger_keys(cur, "casework_case") == []
    call_command("migrate", "casework", verbosity=0)
    with connection.cursor() as cur:
        assert p.is_partitioned(p.CASES)
        assert {child for child, _col, _name in p.trigger_keys(cur, "casework_case")} == KEYS
