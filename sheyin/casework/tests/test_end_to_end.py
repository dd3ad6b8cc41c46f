"""The whole path through the pages (R2.3, R9.2, Annex 10): a staff member accepts a case at the window →
prints the receipt → the case's archive record → the outlet hands it over → the district confirms it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from sheyin.casework.models import ArchiveRecord, Case, CustodyEvent, HandoverBatch
from sheyin.casework.workflow import ArchiveStatus, BatchStatus, CaseStatus
from sheyin.institutions.workdays import add_working_days

from .factories import WINDOW_ITEM, item, png, world

pytestmark = pytest.mark.django_db


def test_a_case_goes_from_the_window_to_the_district_archive(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    it = item(WINDOW_ITEM)
    client.force_login(w.staff)

    # The call, then the four steps on the same page.
    resp = client.post(reverse("casework:accept_home"))
    case = Case.objects.get(staff=w.staff)
    assert resp.url == reverse("casework:case_work", args=[case.pk])
    work = resp.url
    client.post(work, {"step": "item", "item": it.pk})
    client.post(
        work, {"step": "identify", "id_number": w.applicant.id_number, "card_number": w.applicant.card_number}
    )
    client.post(work, {"step": "materials", "materials": it.material_list})
    client.post(work, {"step": "upload", "material": it.material_list[0], "file": png()})
    resp = client.post(work, {"step": "submit"})
    assert resp.url == reverse("casework:case_detail", args=[case.pk])

    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    assert case.catalogue_version == it.version and case.item == it
    assert case.outlet == w.outlet and case.staff == w.staff
    assert case.called_at <= case.started_at <= case.ended_at
    assert case.applicant_hukou == "110108" and case.district.code == "110105"  # 无差别受理
    assert case.core_reference.startswith("HX") and case.rating_token

    # The receipt: a PDF whose QR codes carry its verification and the rating link; the case lists it.
    receipt = client.post(reverse("casework:case_receipt", args=[case.pk]))
    assert receipt["Content-Type"] == "application/pdf" and receipt.content.startswith(b"%PDF")
    detail = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    verify_url = re.search(r'href="(/verify/receipt/[A-Z2-7]{16}/)"', detail).group(1)
    assert "已办结" in client.get(verify_url).content.decode()

    # The archive record: its materials and files, due in 5 working days.
    rec = ArchiveRecord.objects.get(case=case)
    assert rec.materials == it.material_list and rec.file_count == 1
    assert rec.due_date == add_working_days(case.ended_at.astimezone().date(), 5)

    # The outlet manager hands it over in a batch.
    client.force_login(w.manager)
    resp = client.post(reverse("casework:archive_list"), {"records": [rec.pk], "note": "第一批"})
    batch = HandoverBatch.objects.get()
    client.post(reverse("casework:handover_detail", args=[batch.pk]), {"action": "send"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.SENT

    # The district officer confirms it item by item; the batch closes.
    client.force_login(w.officer)
    inbox = client.get(reverse("casework:handover_inbox")).content.decode()
    assert batch.number in inbox
    client.post(reverse("casework:handover_detail", args=[batch.pk]), {"action": "receive", "record": rec.pk})
    rec.refresh_from_db()
    batch.refresh_from_db()
    assert rec.status == ArchiveStatus.RECEIVED and rec.received_by == w.officer
    assert batch.status == BatchStatus.CLOSED
    chain = list(rec.events.values_list("kind", flat=True))
    assert chain == [CustodyEvent.Kind.CREATED, CustodyEvent.Kind.BATCHED, CustodyEvent.Kind.SENT,
                     CustodyEvent.Kind.RECEIVED]  # fmt: skip
    page = client.get(reverse("casework:archive_detail", args=[rec.pk])).content.decode()
    assert "区经办机构确认接收" in page
