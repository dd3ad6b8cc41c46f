"""Batch filing checks on the filing list (issue 18 item 3): each ticked filing goes through filing_check —
maker-checker, scope and audit per filing; a rejection without a reason is refused for that row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.audit.models import AuditEvent
from sheyin.cooperation import services
from sheyin.cooperation.models import Filing
from sheyin.cooperation.workflow import FilingStatus

from .factories import cooperating, signed

pytestmark = pytest.mark.django_db


def test_a_municipal_officer_approves_submitted_filings_in_a_batch(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    filing = services.filing_submit(agreement=signed(p), by=p.district_officer)
    client.force_login(p.muni_officer)
    page = client.get(reverse("cooperation:filing_list")).content.decode()
    assert f'name="ids" value="{filing.pk}"' in page
    resp = client.post(
        reverse("cooperation:filing_list"), {"batch": "approve", "ids": [filing.pk]}, follow=True
    )
    assert Filing.objects.get(pk=filing.pk).status == FilingStatus.APPROVED
    assert "已通过 1 条记录" in resp.content.decode()
    assert AuditEvent.objects.filter(action="cooperation.filing.approve", object_id=str(filing.pk)).exists()


def test_a_batch_rejection_needs_a_reason_and_the_district_cannot_check(client, reference) -> None:  # type: ignore[no-untyped-def]
    p = cooperating()
    filing = services.filing_submit(agreement=signed(p), by=p.district_officer)
    client.force_login(p.muni_officer)
    resp = client.post(
        reverse("cooperation:filing_list"), {"batch": "reject", "ids": [filing.pk]}, follow=True
    )
    assert Filing.objects.get(pk=filing.pk).status == FilingStatus.SUBMITTED
    assert "未能处理" in resp.content.decode()
    client.force_login(p.district_officer)
    assert "batch-filings" not in client.get(reverse("cooperation:filing_list")).content.decode()
    resp = client.post(reverse("cooperation:filing_list"), {"batch": "approve", "ids": [filing.pk]})
    assert resp.status_code == 403 and Filing.objects.get(pk=filing.pk).status == FilingStatus.SUBMITTED
