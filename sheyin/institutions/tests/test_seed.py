"""Reference and demo data: the 16 districts with census figures; demo data idempotent and in bounds."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from sheyin.accounts.models import User
from sheyin.common import geo
from sheyin.institutions.models import Agency, Bank, Outlet

pytestmark = pytest.mark.django_db


def test_reference_data_holds_the_16_districts_and_the_census_total(reference) -> None:  # type: ignore[no-untyped-def]
    districts = Agency.objects.filter(level=Agency.Level.DISTRICT)
    assert districts.count() == 16
    assert sum(d.population for d in districts) == 21_893_095
    assert Agency.objects.get(code="110101").min_outlet_distance_m == 1000
    assert Agency.objects.get(code="110105").min_outlet_distance_m == 1500
    assert Agency.objects.get(code="110119").coverage_radius_m == 5000


def test_demo_data_is_idempotent_and_every_outlet_lies_in_its_district(reference) -> None:  # type: ignore[no-untyped-def]
    call_command("seed_demo", verbosity=0)
    counts = (Bank.objects.count(), Outlet.objects.count(), User.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (Bank.objects.count(), Outlet.objects.count(), User.objects.count()) == counts
    assert counts[0] == 15 and counts[1] >= 300 and counts[2] >= 11  # other apps' demos add applications
    for o in Outlet.objects.select_related("district"):
        assert geo.district_of(o.lon, o.lat) == o.district.code
    # Outlets follow population: 朝阳 (3.45 M) has more than 东城 (0.71 M).
    assert (
        Outlet.objects.filter(district__code="110105").count()
        > 3 * Outlet.objects.filter(district__code="110101").count()
    )
