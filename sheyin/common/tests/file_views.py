"""Every view that serves a stored file (an upload or a generated document kept in storage), each with a
small builder: a record whose file is in the default storage, who may read it, the view's address, the stored
file, and a user of the same kind outside the record's scope. Used by test_missing_files.py (file system)
and test_missing_files_in_the_bucket.py (a local S3 server).

The views, by app:
  casework      case_file                 a case's scanned document
  cooperation   application_file          an outlet application's uploaded material
  cooperation   inspection_photo          a site inspection's photo
  supervision   inspection_photo          a supervision inspection's photo
  staffing      exam_evidence             an offline exam's score sheet
  staffing      agreement_pdf             a signed confidentiality agreement (the district's view)
  staffing      my_agreement_pdf          the same agreement (the staff member's own view)
  planning      import_file               the original file of a planning import
  portal        material_file             a published policy material (public)
  support       attachment                a ticket's attachment
  ratings       evidence                  a bad review's rectification evidence
  exports       download                  a finished export job's workbook
  dashboards    report_download           an issued report's Excel and PDF files
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.fields.files import FieldFile
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@dataclass(frozen=True)
class Served:
    reader: Any  # who may read it (None: anyone, a public file)
    url: str
    stored: FieldFile
    outsider: Any  # a user of the same kind outside the record's scope (None for a public file)


def a_case_scan() -> Served:
    from sheyin.casework.tests.factories import completed, world

    w = world()
    case = completed(w)
    scan = case.files.first()
    other = user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory())  # another outlet's manager
    return Served(w.manager, reverse("casework:case_file", args=[case.pk, scan.pk]), scan.file, other)


def an_application_material() -> Served:
    from sheyin.cooperation.tests.factories import cooperating, submitted

    p = cooperating()
    material = submitted(p).files.first()
    other = user_with_role(Role.BANK_ADMIN, bank=BankFactory())
    return Served(
        p.bank_admin, reverse("cooperation:application_file", args=[material.pk]), material.file, other
    )


def a_cooperation_inspection_photo() -> Served:
    from sheyin.cooperation import services
    from sheyin.cooperation.tests.factories import answer_all, cooperating, png, submitted

    p = cooperating()
    app = services.outlet_application_admit(application=submitted(p), by=p.district_officer)
    insp = services.inspection_start(application=app, by=p.inspector)
    answers = answer_all(insp)
    services.inspection_save(inspection=insp, answers=answers, photos={next(iter(answers)): [png()]},
                             by=p.inspector)  # fmt: skip
    photo = insp.results.get(item_id=next(iter(answers))).photos.get()
    other = user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110108"))
    return Served(p.inspector, reverse("cooperation:inspection_photo", args=[photo.pk]), photo.file, other)


def a_supervision_inspection_photo() -> Served:
    from sheyin.supervision import services
    from sheyin.supervision.tests.factories import outlet

    inspector = user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110105"))
    i = services.inspection_schedule(outlet=outlet("110105"), scheduled_date=dt.date.today(), by=inspector)
    services.inspection_record(inspection=i, results=[{"item": "标牌", "result": "pass", "note": ""}], notes="良好",
                               photos=[SimpleUploadedFile("p.png", PNG, content_type="image/png")],
                               by=inspector)  # fmt: skip
    photo = i.photos.get()
    other = user_with_role(Role.DISTRICT_INSPECTOR, agency=district("110108"))
    return Served(inspector, reverse("supervision:inspection_photo", args=[photo.pk]), photo.file, other)


def an_exam_evidence() -> Served:
    from sheyin.staffing.tests.factories import passed, staff_with_account

    attempt = passed(staff_with_account())  # an outlet of 朝阳区 (110105)
    attempt.evidence.save("sheet.pdf", ContentFile(PDF))
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    return Served(officer, reverse("staffing:exam_evidence", args=[attempt.pk]), attempt.evidence, other)


def _signed_agreement() -> Any:
    from sheyin.staffing import reference as staffing_reference
    from sheyin.staffing.tests.factories import signed, staff_with_account

    staffing_reference.load(StringIO())
    agreement = signed(staff_with_account())
    agreement.pdf.save("a.pdf", ContentFile(PDF))
    return agreement


def a_signed_agreement_pdf() -> Served:
    agreement = _signed_agreement()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    return Served(officer, reverse("staffing:agreement_pdf", args=[agreement.pk]), agreement.pdf, other)


def my_signed_agreement_pdf() -> Served:
    from sheyin.staffing.tests.factories import staff_with_account

    agreement = _signed_agreement()
    other = staff_with_account(agreement.staff.outlet).user  # a colleague: not their agreement
    return Served(agreement.staff.user, reverse("staffing:my_agreement_pdf", args=[agreement.pk]), agreement.pdf,
                  other)  # fmt: skip


def a_planning_import() -> Served:
    from sheyin.common import geo
    from sheyin.planning import services
    from sheyin.planning.tests.factories import csv_upload, offset

    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    centre = geo.districts()["110105"].center
    rows = [[*offset(*centre, 300 * i, 200 * i), 100 + i] for i in range(2)]
    imp = services.demand_import_create(name="需求", district=district("110105"), upload=csv_upload(rows),
                                        by=officer)  # fmt: skip
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    return Served(officer, reverse("planning:import_file", args=["demand", imp.pk]), imp.file, other)


def a_public_material() -> Served:
    from sheyin.portal.tests.factories import MaterialFactory, upload

    material = MaterialFactory(file=upload("pdf"), file_type="pdf")
    return Served(None, reverse("portal:material_file", args=[material.pk]), material.file, None)


def a_ticket_attachment() -> Served:
    from sheyin.staffing.tests.factories import StaffFactory, active_grant, staff_with_account
    from sheyin.support import services
    from sheyin.support.models import Category
    from sheyin.support.tests.factories import world

    w = world()
    active_grant(StaffFactory(outlet=w.outlet, user=w.staff))  # a staff member in force sees the ticket
    scan = SimpleUploadedFile("scan.png", PNG, content_type="image/png")
    ticket = services.ticket_raise(category=Category.OTHER, title="扫描件", description="描述一下问题",
                                   attachments=[scan], by=w.staff)  # fmt: skip
    att = ticket.attachments.get()
    colleague = staff_with_account(w.outlet).user  # outside the ticket's scope
    active_grant(colleague.staff_member)
    return Served(w.staff, reverse("support:attachment", args=[att.pk]), att.file, colleague)


def a_bad_review_evidence() -> Served:
    from sheyin.ratings import services
    from sheyin.ratings.tests.factories import completed_case, good, outlet, rate

    o = outlet("110105")
    bad = rate(completed_case(o), good(1)).bad_review
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    bad = services.bad_review_verify(bad=bad, note="调取录像，情况属实", by=officer)
    evidence = SimpleUploadedFile("e.png", PNG, content_type="image/png")
    bad = services.bad_review_rectify(bad=bad, note="开展服务礼仪培训", evidence=evidence,
                                      by=user_with_role(Role.OUTLET_MANAGER, outlet=o))  # fmt: skip
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    return Served(officer, reverse("ratings:evidence", args=[bad.pk]), bad.evidence, other)


def an_export_download() -> Served:
    from sheyin.common.models import ExportJob

    owner = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    job = ExportJob.objects.create(user=owner, title="网点", path="/institutions/outlets/",
                                   status=ExportJob.Status.DONE, file_name="网点.xlsx")  # fmt: skip
    job.file.save(f"export-{job.pk}.xlsx", ContentFile(b"PK\x03\x04" + bytes(60)))
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))  # only the owner downloads it
    return Served(owner, reverse("exports:download", args=[job.pk]), job.file, other)


def _issued_report() -> Any:
    from sheyin.dashboards import services
    from sheyin.dashboards.models import ReportKind

    run = services.report_run_request(kind=ReportKind.MONTHLY, district=district("110105"),
                                      start=dt.date(2026, 3, 1), by=None, execute=False)  # fmt: skip
    return services.report_run_execute(run_id=run.pk)


def _report_file(fmt: str) -> Served:
    report = _issued_report()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    other = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    url = reverse("dashboards:report_download", args=[report.pk, fmt])
    return Served(officer, url, report.xlsx if fmt == "xlsx" else report.pdf, other)


def an_issued_report_workbook() -> Served:
    return _report_file("xlsx")


def an_issued_report_pdf() -> Served:
    return _report_file("pdf")


FILE_VIEWS: list[Callable[[], Served]] = [
    a_case_scan,
    an_application_material,
    a_cooperation_inspection_photo,
    a_supervision_inspection_photo,
    an_exam_evidence,
    a_signed_agreement_pdf,
    my_signed_agreement_pdf,
    a_planning_import,
    a_public_material,
    a_ticket_attachment,
    a_bad_review_evidence,
    an_export_download,
    an_issued_report_workbook,
    an_issued_report_pdf,
]


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else bytes(response.content)
