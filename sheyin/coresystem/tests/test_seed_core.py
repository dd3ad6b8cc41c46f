"""seed_core generates consistent persons, employers and histories (small N: 120), and is idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from sheyin.common.crypto import blind_index, decrypt
from sheyin.common.identifiers import check_id_number, id_number_is_male, make_uscc
from sheyin.common.masking import mask_id_number
from sheyin.coresystem import rates
from sheyin.coresystem.models import BenefitPayment, ContributionMonth, Employer, InsuredPerson

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(db):  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("seed_core", persons=120, stdout=out)
    return out.getvalue()


def test_it_generates_the_asked_number_of_valid_distinct_persons(seeded) -> None:  # type: ignore[no-untyped-def]
    assert "120 persons added" in seeded
    people = list(InsuredPerson.objects.all())
    assert len(people) == 120
    for p in people:
        id_number = decrypt(p.id_number_enc)
        assert check_id_number(id_number).ok, id_number
        assert p.id_index == blind_index(id_number) and p.id_masked == mask_id_number(id_number)
        assert (p.gender == "M") == id_number_is_male(id_number)
        assert id_number[6:14] == p.birth_date.strftime("%Y%m%d")
        assert p.card_number and p.history_ready
    assert len({p.id_index for p in people}) == 120


def test_every_employer_has_a_valid_unified_social_credit_code(seeded) -> None:  # type: ignore[no-untyped-def]
    for e in Employer.objects.all():
        assert make_uscc(e.uscc[:17]) == e.uscc
        assert rates.INJURY_CLASS_BP[e.industry_class] == e.injury_rate_bp


def test_monthly_amounts_follow_the_rates_and_the_yearly_base_limits(seeded) -> None:  # type: ignore[no-untyped-def]
    rows = ContributionMonth.objects.select_related("employer")[:5000]
    assert rows
    for r in rows:
        lim = rates.base_limits(r.month.year)
        assert lim.lower * 100 <= r.pension_base <= lim.upper * 100
        assert r.month.day == 1
        if r.kind == ContributionMonth.Kind.EMPLOYEE:
            assert r.employer is not None
            assert r.pension_er == rates.part(r.pension_base, 1600) and r.pension_ee == rates.part(
                r.pension_base, 800
            )
            assert r.unemployment_er == r.unemployment_ee == rates.part(r.unemployment_base, 50)
            assert r.medical_er == rates.part(r.medical_base, 980)
            assert r.medical_ee == rates.part(r.medical_base, 200) + 300  # 2 % + 3 yuan
            assert r.injury_er == rates.part(r.injury_base, r.employer.injury_rate_bp)
        else:
            assert r.employer is None and r.pension_er == 0 and r.injury_er == 0
            assert r.pension_ee == rates.part(r.pension_base, rates.FLEX_PENSION_BP)
        assert r.pension_account == rates.part(r.pension_base, 800)


def test_histories_have_gaps_several_employers_and_flexible_employment(seeded) -> None:  # type: ignore[no-untyped-def]
    per_person = ContributionMonth.objects.values("person").annotate(
        employers=Count("employer", distinct=True), n=Count("pk")
    )
    assert any(p["employers"] >= 3 for p in per_person)
    assert ContributionMonth.objects.filter(kind=ContributionMonth.Kind.FLEXIBLE).exists()
    assert BenefitPayment.objects.filter(kind=BenefitPayment.Kind.PENSION).exists()


def test_a_pension_is_paid_only_after_fifteen_years_of_contributions(seeded) -> None:  # type: ignore[no-untyped-def]
    pensioners = set(BenefitPayment.objects.filter(kind="pension").values_list("person", flat=True))
    months = dict(
        ContributionMonth.objects.filter(person__in=pensioners)
        .values("person")
        .annotate(n=Count("pk"))
        .values_list("person", "n")
    )
    assert pensioners and all(months[pk] >= 180 for pk in pensioners)


def test_it_is_idempotent_and_extends(seeded) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_core", persons=120, stdout=io.StringIO())
    assert InsuredPerson.objects.count() == 120
    call_command("seed_core", persons=150, history_share=0, stdout=io.StringIO())
    assert InsuredPerson.objects.count() == 150
    assert InsuredPerson.objects.filter(history_ready=False).count() == 30
