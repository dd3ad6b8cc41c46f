"""The adapter over the simulated core: look-ups by blind index, cases, lazily generated histories."""

from __future__ import annotations

import datetime as dt

import pytest

from sheyin.common.identifiers import make_id_number
from sheyin.coresystem.adapter import CaseSubmission, get_core
from sheyin.coresystem.generator import PersonSeed
from sheyin.coresystem.models import ContributionMonth, CoreCase, InsuredPerson
from sheyin.coresystem.seeding import ensure_person, seed_persons

pytestmark = pytest.mark.django_db

ZHANG = PersonSeed(name="张伟", id_number=make_id_number("11010819850612031"), gender="M",
                   birth_date=dt.date(1985, 6, 12), card_number="A12345678", phone="13812345678",
                   hukou_code="110108", seed=42)  # fmt: skip


def test_it_finds_a_person_by_id_number_and_never_returns_the_clear_number(db) -> None:  # type: ignore[no-untyped-def]
    ensure_person(ZHANG)
    core = get_core()
    p = core.find_person(ZHANG.id_number)
    assert (
        p is not None
        and p.name == "张伟"
        and p.id_masked == "110108********0316"[:6] + "*" * 8 + ZHANG.id_number[-4:]
    )
    assert ZHANG.id_number not in repr(p)
    assert core.find_person(ZHANG.id_number.lower()) == p
    assert core.find_person(make_id_number("11010819850612032")) is None
    assert core.find_person("not a number") is None
    assert core.reveal_id_number(p.ref) == ZHANG.id_number


def test_the_card_number_is_checked_but_is_no_key(db) -> None:  # type: ignore[no-untyped-def]
    ref = str(ensure_person(ZHANG))
    core = get_core()
    assert core.card_matches(ref, "a12345678")
    assert not core.card_matches(ref, "A00000000") and not core.card_matches(ref, "")


def test_a_history_not_stored_at_seeding_is_generated_on_first_access_and_kept(db) -> None:  # type: ignore[no-untyped-def]
    seed_persons(5, history_share=0.0)
    person = InsuredPerson.objects.filter(history_ready=False).first()
    assert person is not None and not ContributionMonth.objects.filter(person=person).exists()
    rows = get_core().contributions(str(person.pk))
    person.refresh_from_db()
    assert person.history_ready
    assert len(rows) == ContributionMonth.objects.filter(person=person).count()
    assert get_core().contributions(str(person.pk)) == rows  # the same, read back


def test_a_case_gets_the_cores_number_and_result(db) -> None:  # type: ignore[no-untyped-def]
    ref = str(ensure_person(ZHANG))
    result = get_core().submit_case(CaseSubmission(item_code="SY-C-004", item_name="社保卡临时挂失",
                                                   outlet_code="WD1101050001", operator="staff", person_ref=ref))  # fmt: skip
    assert result.accepted and result.reference.startswith("HX")
    assert CoreCase.objects.get(reference=result.reference).person_id == int(ref)


def test_the_core_refuses_to_stop_flexible_employment_for_an_employee(db) -> None:  # type: ignore[no-untyped-def]
    ref = str(ensure_person(ZHANG))
    last = ContributionMonth.objects.filter(person_id=int(ref)).order_by("-month").first()
    ContributionMonth.objects.filter(pk=last.pk).update(kind="E", employer_id=ContributionMonth.objects.exclude(
        employer=None).values_list("employer", flat=True).first())  # fmt: skip
    result = get_core().submit_case(CaseSubmission(item_code="SY-R-002", item_name="灵活就业人员停保登记",
                                                   outlet_code="WD1", operator="staff", person_ref=ref))  # fmt: skip
    assert not result.accepted and "不是灵活就业参保状态" in result.message
