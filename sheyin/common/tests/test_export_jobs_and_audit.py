"""Export jobs are their owner's only (another user gets 404 on the page and the download), and every
export and every queued job leaves an audit event with its filters and row count (issue 18 items 3, 6)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.models import ExportJob
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

pytestmark = pytest.mark.django_db


def test_an_export_job_is_its_owners_only_and_both_steps_are_audited(
    client, reference, settings, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    settings.SHEYIN_EXPORT_JOB_ROWS = 1
    home = district("110105")
    bank = BankFactory()
    OutletFactory(bank=bank, district=home)
    OutletFactory(bank=bank, district=home)
    owner = user_with_role(Role.DISTRICT_OFFICER, agency=home)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        resp = client.get(reverse("institutions:outlet_list"), {"export": "xlsx", "bank": bank.pk})
    job = ExportJob.objects.get(user=owner)
    assert resp.status_code == 302 and job.status == ExportJob.Status.DONE
    queued = AuditEvent.objects.get(action="list.export_job")
    assert queued.after["job"] == job.pk and queued.after["filters"] == {"bank": [str(bank.pk)]}
    written = AuditEvent.objects.get(action="list.export")
    assert written.after["rows"] == 2 and written.after["job"] == job.pk and written.actor == owner
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 200
    for other in (
        user_with_role(Role.DISTRICT_OFFICER, agency=home),
        user_with_role(Role.MUNICIPAL_ADMIN, agency=district("110108")),
    ):
        client.force_login(other)
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
        assert (
            reverse("exports:job", args=[job.pk]) not in client.get(reverse("exports:jobs")).content.decode()
        )


def test_a_direct_export_is_audited_with_its_row_count(client, reference) -> None:  # type: ignore[no-untyped-def]
    home = district("110105")
    OutletFactory(district=home)
    client.force_login(user_with_role(Role.DISTRICT_OFFICER, agency=home))
    resp = client.get(reverse("supervision:consultation_list"), {"export": "xlsx", "q": "会商"})
    assert resp.status_code == 200
    event = AuditEvent.objects.get(action="list.export")
    assert (
        event.after["rows"] == 0 and event.after["filters"] == {"q": ["会商"]} and event.after["job"] is None
    )
