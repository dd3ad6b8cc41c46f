"""R6.1 around the renewal: both sides are reminded before expiry (once per term, lead time configurable)
and told after it; an objection can be withdrawn by the side that raised it, and the agreement then
renews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sheyin.audit.models import AuditEvent
from sheyin.cooperation import services
from sheyin.cooperation.models import Agreement, RenewalObjection
from sheyin.cooperation.workflow import AgreementStatus, TransitionError
from sheyin.notifications.models import Notification

from .factories import cooperating, operating

pytestmark = pytest.mark.django_db


def _ending_on(ag: Agreement, end: dt.date) -> Agreement:
    start = end.replace(year=end.year - ag.term_years) + dt.timedelta(days=1)
    Agreement.objects.filter(pk=ag.pk).update(start_date=start, end_date=end)
    ag.refresh_from_db()
    return ag


def test_both_sides_are_reminded_once_within_the_configured_days_and_told_of_the_renewal(reference) -> None:
    p = cooperating()
    ag = operating(p).agreements.get(kind="district")
    today = timezone.localdate()
    ag = _ending_on(ag, today + dt.timedelta(days=70))
    assert services.agreements_renewal_reminders(today=today) == 0  # default 60 days: not yet
    services.settings_update(data={"expiry_warning_days": 90}, by=p.muni_admin)
    assert services.agreements_renewal_reminders(today=today) == 1
    assert services.agreements_renewal_reminders(today=today) == 0  # once per term
    reminder = Notification.objects.filter(user=p.bank_admin, kind="deadline", title__contains="不续期须于")
    assert reminder.count() == 1 and Notification.objects.filter(user=p.district_admin, kind="deadline",
                                                                   title__contains=ag.number).exists()  # fmt: skip
    report = services.agreements_renew_due(today=ag.end_date + dt.timedelta(days=1))
    assert report.renewed == [ag.number]
    assert Notification.objects.filter(user=p.bank_admin, title__contains="已按原期限自动续期").count() == 1


def test_the_side_that_objected_withdraws_and_the_agreement_renews(reference) -> None:
    p = cooperating()
    ag = operating(p).agreements.get(kind="district")
    end = timezone.localdate() + dt.timedelta(days=40)
    ag = _ending_on(ag, end)
    o = services.agreement_object(agreement=ag, party="", reason="网点迁址", by=p.bank_admin)
    with pytest.raises(PermissionDenied):  # the other side cannot withdraw the bank's objection
        services.renewal_objection_withdraw(objection=o, by=p.district_admin)
    services.renewal_objection_withdraw(objection=o, reason="迁址取消", by=p.bank_admin)
    o.refresh_from_db()
    assert o.withdrawn_at is not None and o.withdrawn_by == p.bank_admin
    assert AuditEvent.objects.filter(action="cooperation.agreement.objection_withdraw").exists()
    with pytest.raises(TransitionError):
        services.renewal_objection_withdraw(objection=o, by=p.bank_admin)
    report = services.agreements_renew_due(today=end + dt.timedelta(days=1))
    ag.refresh_from_db()
    assert report.renewed == [ag.number] and ag.status == AgreementStatus.ACTIVE
    # the same side may object again to the next term
    assert RenewalObjection.objects.filter(agreement=ag, withdrawn_at__isnull=True).count() == 0


def test_the_withdraw_button_shows_only_to_the_side_that_objected(reference) -> None:
    p = cooperating()
    ag = operating(p).agreements.get(kind="district")
    ag = _ending_on(ag, timezone.localdate() + dt.timedelta(days=40))
    o = services.agreement_object(agreement=ag, party="", reason="网点迁址", by=p.bank_admin)
    url = reverse("cooperation:agreement_detail", args=[ag.pk])
    district, bank = Client(), Client()
    district.force_login(p.district_admin)
    bank.force_login(p.bank_admin)
    assert 'data-testid="objection-withdraw"' not in district.get(url).content.decode()
    assert 'data-testid="objection-withdraw"' in bank.get(url).content.decode()
    district.post(reverse("cooperation:objection_withdraw", args=[o.pk]))
    o.refresh_from_db()
    assert o.withdrawn_at is None
    bank.post(reverse("cooperation:objection_withdraw", args=[o.pk]), {"reason": "迁址取消"})
    o.refresh_from_db()
    assert o.withdrawn_at is not None
    assert "已撤回" in bank.get(url).content.decode()
