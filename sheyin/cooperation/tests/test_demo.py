"""Demo data: every step has something to show; a second run changes nothing."""

from __future__ import annotations

import io
import random

import pytest
from django.core.management import call_command

from sheyin.accounts.models import User
from sheyin.cooperation import demo
from sheyin.cooperation.models import Agreement, Filing, OutletApplication, Plaque, Termination
from sheyin.institutions.models import Bank, Outlet, OutletStatus
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

pytestmark = pytest.mark.django_db


def _registry() -> None:
    """A small stand-in for seed_demo's registry: banks (one named like the demo bank), outlets in three states,
    and the demo accounts the demo data acts as."""
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role

    banks = [BankFactory(short_name="工商银行", status=Bank.Status.ACTIVE), BankFactory(), BankFactory()]
    chaoyang, haidian = district("110105"), district("110108")
    for i in range(12):
        OutletFactory(
            bank=banks[i % 3], district=chaoyang if i % 2 else haidian, status=OutletStatus.OPERATING
        )
    OutletFactory(bank=banks[1], district=haidian, status=OutletStatus.SUSPENDED)
    for i in range(3):
        OutletFactory(
            bank=banks[i], district=haidian, status=OutletStatus.APPLYING, document_cameras=3, card_machines=2
        )
    for name, role in (
        ("district_officer", Role.DISTRICT_OFFICER),
        ("district_inspector", Role.DISTRICT_INSPECTOR),
        ("district_admin", Role.DISTRICT_ADMIN),
    ):
        user_with_role(role, agency=chaoyang, username=name)


def test_the_demo_seed_covers_every_step_and_is_idempotent(reference) -> None:  # type: ignore[no-untyped-def]
    _registry()
    demo.seed(random.Random(1), io.StringIO())
    assert Agreement.objects.filter(kind="municipal", status="active").count() == Bank.objects.count()
    live = Outlet.objects.filter(status__in=[OutletStatus.OPERATING, OutletStatus.SUSPENDED])
    assert Plaque.objects.filter(status="valid", outlet__in=live).count() == live.count()
    assert Filing.objects.filter(status="approved").count() >= live.count()
    statuses = set(OutletApplication.objects.values_list("status", flat=True))
    assert {"draft", "submitted", "reviewing", "inspected", "rectifying", "accepted"} <= statuses
    assert Filing.objects.filter(status="submitted").exists()  # one awaits the municipal check
    assert OutletApplication.objects.filter(layout_exceptions__status="pending").exists()
    assert Termination.objects.filter(status="proposed").exists()
    counts = [m.objects.count() for m in (Agreement, Filing, Plaque, OutletApplication, Termination)]
    out = io.StringIO()
    demo.seed(random.Random(1), out)
    assert [m.objects.count() for m in (Agreement, Filing, Plaque, OutletApplication, Termination)] == counts
    assert "0 municipal agreement(s), 0 outlet(s)" in out.getvalue()
    assert User.objects.filter(username="district_officer").exists()


def test_the_reference_data_loads_once(reference) -> None:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    call_command("seed_reference", stdout=out, verbosity=0)
    assert "cooperation reference data: already loaded" in out.getvalue()
