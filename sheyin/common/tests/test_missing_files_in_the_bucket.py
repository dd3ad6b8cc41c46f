"""With the production storage on a bucket (a local S3 server, moto), a record whose object is missing from
the bucket — a database restored to a later point than the files, a partial restore — answers 404 with the
message "文件暂不可用" on the file views of each kind (scans, uploaded materials, generated PDFs, imports,
public materials, ticket attachments), never 500: the storage raises FileNotFoundError for a missing key
and common.middleware answers it (docs/operations.md, "Restore")."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common import geo
from sheyin.common.storage import PrivateS3Storage
from sheyin.institutions.tests.factories import district

pytestmark = pytest.mark.django_db

# Each: make a record whose file is in the bucket; (who may see it, the view's address, the stored file).
Made = tuple[Any, str, FieldFile]


def a_case_scan() -> Made:
    from sheyin.casework.tests.factories import completed, world

    w = world()
    case = completed(w)
    scan = case.files.first()
    return w.manager, reverse("casework:case_file", args=[case.pk, scan.pk]), scan.file


def a_signed_agreement_pdf() -> Made:
    from sheyin.staffing import reference as staffing_reference
    from sheyin.staffing.tests.factories import signed, staff_with_account

    staffing_reference.load(StringIO())
    staff = staff_with_account()
    agreement = signed(staff)
    agreement.pdf.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    return staff.user, reverse("staffing:my_agreement_pdf", args=[agreement.pk]), agreement.pdf


def a_planning_import() -> Made:
    from sheyin.planning import services
    from sheyin.planning.tests.factories import csv_upload, offset

    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    centre = geo.districts()["110105"].center
    rows = [[*offset(*centre, 300 * i, 200 * i), 100 + i] for i in range(2)]
    imp = services.demand_import_create(name="需求", district=district("110105"), upload=csv_upload(rows),
                                        by=officer)  # fmt: skip
    return officer, reverse("planning:import_file", args=["demand", imp.pk]), imp.file


def a_public_material() -> Made:
    from sheyin.portal.tests.factories import MaterialFactory, upload

    material = MaterialFactory(file=upload("pdf"), file_type="pdf")
    return None, reverse("portal:material_file", args=[material.pk]), material.file


def a_ticket_attachment() -> Made:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sheyin.staffing.tests.factories import StaffFactory, active_grant
    from sheyin.support import services
    from sheyin.support.models import Category
    from sheyin.support.tests.factories import world

    w = world()
    active_grant(StaffFactory(outlet=w.outlet, user=w.staff))  # a staff member in force sees the ticket
    scan = SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), content_type="image/png")
    ticket = services.ticket_raise(category=Category.OTHER, title="扫描件", description="描述一下问题",
                                   attachments=[scan], by=w.staff)  # fmt: skip
    att = ticket.attachments.get()
    return w.staff, reverse("support:attachment", args=[att.pk]), att.file


@pytest.mark.parametrize(
    "make", [a_case_scan, a_signed_agreement_pdf, a_planning_import, a_public_material, a_ticket_attachment]
)
def test_a_file_view_whose_object_is_missing_from_the_bucket_answers_404_with_a_message(
    client, reference, s3_bucket, make: Callable[[], Made]
) -> None:  # type: ignore[no-untyped-def]
    user, url, stored = make()
    assert isinstance(stored.storage, PrivateS3Storage) and stored.storage.exists(stored.name)
    if user is not None:
        client.force_login(user)
    assert client.get(url).status_code == 200  # served from the bucket while the object is there
    stored.storage.delete(stored.name)  # the restore brought the row back, not the object
    answer = client.get(url)
    assert answer.status_code == 404
    page = answer.content.decode()
    assert "文件暂不可用" in page and "尚未从备份中恢复" in page
