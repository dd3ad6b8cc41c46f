"""R6.1: an expiring agreement renews for the same term unless a party objected at least 30 days before;
the job is idempotent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from sheyin.cooperation import services
from sheyin.cooperation.models import Agreement, AgreementRenewal, RenewalObjection, Termination
from sheyin.cooperation.workflow import AgreementStatus, PlaqueStatus, TerminationStatus, TransitionError
from sheyin.institutions.models import Bank, OutletStatus
from sheyin.notices.models import PublicNotice

from .factories import cooperating, operating, operating_outlet_direct

pytestmark = pytest.mark.django_db


def _ending_on(ag: Agreement, end: dt.date) -> Agreement:
    start = end.replace(year=end.year - ag.term_years) + dt.timedelta(days=1)
    Agreement.objects.filter(pk=ag.pk).update(start_date=start, end_date=end)
    ag.refresh_from_db()
    return ag


def test_an_agreement_past_its_end_renews_for_the_same_term_and_a_second_run_changes_nothing(
    reference,
) -> None:  # type: ignore[no-untyped-def]
    outlet = operating_outlet_direct()
    ag = _ending_on(outlet.agreements.get(), dt.date(2026, 3, 31))
    today = dt.date(2026, 4, 1)
    report = services.agreements_renew_due(today=today)
    ag.refresh_from_db()
    assert report.renewed == [ag.number] and ag.status == AgreementStatus.ACTIVE
    assert ag.end_date == dt.date(2029, 3, 31)
    renewal = AgreementRenewal.objects.get(agreement=ag)
    assert (renewal.term_no, renewal.start_date, renewal.previous_end) == (
        2,
        dt.date(2026, 4, 1),
        dt.date(2026, 3, 31),
    )
    again = services.agreements_renew_due(today=today)
    assert again.renewed == [] and again.expired == []
    assert AgreementRenewal.objects.count() == 1
    ag.refresh_from_db()
    assert ag.end_date == dt.date(2029, 3, 31)


def test_an_agreement_not_yet_at_its_end_is_left_alone(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = operating_outlet_direct()
    _ending_on(outlet.agreements.get(), dt.date(2026, 3, 31))
    assert services.agreements_renew_due(today=dt.date(2026, 3, 31)).renewed == []
    assert not AgreementRenewal.objects.exists()


def test_a_job_missed_for_years_catches_up_one_term_at_a_time(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = operating_outlet_direct()
    ag = _ending_on(outlet.agreements.get(), dt.date(2020, 3, 31))
    services.agreements_renew_due(today=dt.date(2026, 6, 1))
    ag.refresh_from_db()
    assert list(ag.renewals.values_list("term_no", flat=True)) == [2, 3, 4]
    assert ag.end_date == dt.date(2029, 3, 31)


def test_an_objection_in_time_ends_the_outlet_at_its_term(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    ag = outlet.agreements.get(kind="district")
    end = timezone.localdate() + dt.timedelta(days=40)
    ag = _ending_on(ag, end)
    services.agreement_object(agreement=ag, party="", reason="网点迁址，不再续签", by=p.bank_admin)
    assert RenewalObjection.objects.get().party == RenewalObjection.Party.BANK
    report = services.agreements_renew_due(today=end + dt.timedelta(days=1))
    ag.refresh_from_db()
    outlet.refresh_from_db()
    assert report.expired == [ag.number] and ag.status == AgreementStatus.EXPIRED
    assert outlet.status == OutletStatus.TERMINATED
    assert outlet.plaques.get().status == PlaqueStatus.RECOVERED
    t = Termination.objects.get(outlet=outlet)
    assert t.kind == Termination.Kind.EXPIRED and t.status in (
        TerminationStatus.EFFECTIVE,
        TerminationStatus.CLOSED,
    )
    assert PublicNotice.objects.filter(
        kind=PublicNotice.Kind.OUTLET_TERMINATED, object_id=str(outlet.pk)
    ).exists()
    assert services.agreements_renew_due(today=end + dt.timedelta(days=2)).expired == []


def test_an_objection_less_than_30_days_before_expiry_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    ag = _ending_on(outlet.agreements.get(kind="district"), timezone.localdate() + dt.timedelta(days=20))
    with pytest.raises(TransitionError, match="续期异议须在协议期满30日前提出"):
        services.agreement_object(agreement=ag, party="", reason="太晚了", by=p.district_admin)
    assert not RenewalObjection.objects.exists()


def test_the_objection_window_is_the_municipal_centers_setting(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    ag = _ending_on(outlet.agreements.get(kind="district"), timezone.localdate() + dt.timedelta(days=20))
    services.settings_update(data={"renewal_objection_days": 10}, by=p.muni_admin)
    services.agreement_object(agreement=ag, party="", reason="不续签", by=p.district_admin)
    assert RenewalObjection.objects.get().party == RenewalObjection.Party.AGENCY


def test_an_objection_to_a_municipal_agreement_ends_the_bank_and_its_outlets(reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    outlet = operating(p)
    municipal = Agreement.objects.get(bank=p.bank, kind="municipal")
    end = timezone.localdate() + dt.timedelta(days=60)
    municipal = _ending_on(municipal, end)
    services.agreement_object(agreement=municipal, party="", reason="合作到期不再续签", by=p.muni_admin)
    services.agreements_renew_due(today=end + dt.timedelta(days=1))
    municipal.refresh_from_db()
    outlet.refresh_from_db()
    p.bank.refresh_from_db()
    assert municipal.status == AgreementStatus.EXPIRED and p.bank.status == Bank.Status.ENDED
    assert outlet.status == OutletStatus.TERMINATED


def test_the_command_runs_the_same_service(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = operating_outlet_direct()
    _ending_on(outlet.agreements.get(), dt.date(2026, 3, 31))
    out = io.StringIO()
    call_command("renew_agreements", "--date", "2026-04-01", stdout=out)
    assert "renewed 1" in out.getvalue()
    out = io.StringIO()
    call_command("renew_agreements", "--date", "2026-04-01", stdout=out)
    assert "renewed 0, expired 0" in out.getvalue()


def test_the_periodic_job_calls_the_idempotent_service(reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.cooperation import tasks

    outlet = operating_outlet_direct()
    _ending_on(outlet.agreements.get(), timezone.localdate() - dt.timedelta(days=1))
    assert tasks.renew_agreements.call_local() == {"renewed": 1, "expired": 0}
    assert tasks.renew_agreements.call_local() == {"renewed": 0, "expired": 0}
