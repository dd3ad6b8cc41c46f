"""One outlet's whole life, from its bank's application to the municipal center (R4.1) to its termination
(R6.3, R6.4), through the services, asserting every side effect along the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.cooperation import selectors, services
from sheyin.cooperation.models import Agreement, LifecycleEvent, OpenItem, Plaque, Termination
from sheyin.cooperation.workflow import (
    AgreementStatus,
    BankApplicationStatus,
    FilingStatus,
    OutletApplicationStatus,
    PlaqueStatus,
    TerminationStatus,
)
from sheyin.institutions.models import Bank, OutletStatus
from sheyin.institutions.workdays import add_working_days
from sheyin.notices.models import PublicNotice
from sheyin.notifications.models import Notification

from .factories import People, answer_all, application_data, files

pytestmark = pytest.mark.django_db


def test_an_outlet_goes_from_bank_application_to_termination_with_every_side_effect(
    reference, client, open_item_source
):  # type: ignore[no-untyped-def]
    p = People()
    today = timezone.localdate()

    # R4.1: the bank applies; a municipal officer reviews, a municipal admin approves.
    bank_app = services.bank_application_create(
        bank=p.bank,
        data={
            "applicant": "branch",
            "contact_name": "联络员",
            "contact_phone": "010-1",
            "planned_outlets": 5,
            "proposal": "总对总对接，设立社保服务合作网点。",
        },
        by=p.bank_admin,
    )
    services.bank_application_submit(application=bank_app, by=p.bank_admin)
    assert Notification.objects.filter(user=p.muni_officer, title__contains="银行合作申请").exists()
    services.bank_application_review(application=bank_app, opinion="材料齐全，同意。", by=p.muni_officer)
    bank_app = services.bank_application_approve(application=bank_app, reason="同意合作", by=p.muni_admin)
    assert bank_app.status == BankApplicationStatus.APPROVED
    municipal = Agreement.objects.get(bank_application=bank_app)
    assert municipal.status == AgreementStatus.DRAFT and p.bank.name in municipal.body

    # The municipal agreement (Annex 2) is signed on recorded dates; it runs for the configured term.
    municipal = services.agreement_sign(
        agreement=municipal, bank_signed_on=today, agency_signed_on=today, by=p.muni_officer
    )
    assert municipal.status == AgreementStatus.ACTIVE
    assert municipal.end_date == today.replace(year=today.year + 3) - dt.timedelta(days=1)
    p.bank.refresh_from_db()
    assert p.bank.status == Bank.Status.ACTIVE

    # R4.2: the branch applies for one outlet to its district, with equipment, staffing, plan and photos.
    app = services.outlet_application_create(
        bank=p.bank, data=application_data(), files=files(), by=p.bank_admin
    )
    outlet = app.outlet
    assert outlet.status == OutletStatus.APPLYING and app.files.count() == 3
    app = services.outlet_application_submit(application=app, by=p.bank_admin)
    assert app.status == OutletApplicationStatus.SUBMITTED
    assert app.layout_result is not None and app.layout_result["violations"] == []  # R8.4 at submission
    assert Notification.objects.filter(user=p.district_officer, title__contains=outlet.name).exists()
    app = services.outlet_application_admit(application=app, by=p.district_officer)

    # R4.3: the inspector fills the Annex 1 checklist item by item, with a photo; all pass.
    insp = services.inspection_start(application=app, by=p.inspector)
    first = insp.results.first()
    services.inspection_save(
        inspection=insp,
        answers=answer_all(insp),
        photos={first.item_id: [files()["photo"][0]]},
        summary="三种服务方式齐备。",
        by=p.inspector,
    )
    insp = services.inspection_complete(inspection=insp, by=p.inspector)
    assert insp.passed is True and first.photos.count() == 1

    # Acceptance re-checks the layout; the outlet is accepted and its district agreement (Annex 4) generated.
    app = services.outlet_application_accept(application=app, reason="验收合格", by=p.district_admin)
    outlet.refresh_from_db()
    assert app.status == OutletApplicationStatus.ACCEPTED and outlet.status == OutletStatus.ACCEPTED
    district_ag = selectors.district_agreement_of(outlet)
    assert (
        district_ag is not None
        and district_ag.status == AgreementStatus.DRAFT
        and outlet.name in district_ag.body
    )

    # R4.4: signing starts the 10-working-day filing deadline; the filing is maker–checker; then the plaque.
    signed = today - dt.timedelta(days=1)
    district_ag = services.agreement_sign(
        agreement=district_ag, bank_signed_on=signed, agency_signed_on=signed, by=p.district_officer
    )
    assert district_ag.filing_due == add_working_days(signed, 10)
    filing = services.filing_submit(agreement=district_ag, note="报备", by=p.district_officer)
    assert Notification.objects.filter(user=p.muni_officer, title__contains="待备案审核").exists()
    filing = services.filing_check(filing=filing, approve=True, by=p.muni_officer)
    assert filing.status == FilingStatus.APPROVED
    plaque = services.plaque_issue(outlet=outlet, by=p.district_officer)
    outlet.refresh_from_db()
    assert outlet.status == OutletStatus.OPERATING and plaque.status == PlaqueStatus.VALID
    opened = PublicNotice.objects.get(kind=PublicNotice.Kind.OUTLET_OPENED, object_id=str(outlet.pk))
    assert plaque.number in opened.body
    assert outlet in selectors.publicly_listed()
    page = client.get(f"/verify/plaque/{plaque.number}/")
    assert (
        page.status_code == 200 and "有效" in page.content.decode() and outlet.name in page.content.decode()
    )

    # The outlet's staff work; a logged-in staff member's session is live.
    staff = user_with_role(Role.OUTLET_STAFF, outlet=outlet, username="t_staff", display_name="王经办")
    client.force_login(staff)
    assert client.get(reverse("dashboards:home")).status_code == 200

    # R6.3: unilateral termination for a violation, with a notice date, approved by another district admin.
    effective = today + dt.timedelta(days=5)
    open_item_source.append(
        {
            "kind": "archives",
            "description": "业务档案3件未移交",
            "object_type": "casework.archive",
            "object_id": "A-1",
        }
    )
    t = services.termination_propose(
        outlet=outlet,
        kind=Termination.Kind.UNILATERAL,
        ground=Termination.Ground.VIOLATION,
        reason="违规办理业务并造成不良影响",
        notice_date=today,
        effective_date=effective,
        by=p.district_admin,
    )
    t = services.termination_approve(termination=t, by=p.district_admin2)
    assert t.status == TerminationStatus.SCHEDULED
    assert services.terminations_execute_due(today=today) == 0  # not before its date
    assert client.get(reverse("dashboards:home")).status_code == 200

    # On the effective date the job carries it out, in one transaction.
    assert services.terminations_execute_due(today=effective) == 1
    t.refresh_from_db()
    outlet.refresh_from_db()
    district_ag.refresh_from_db()
    plaque.refresh_from_db()
    assert t.status == TerminationStatus.EFFECTIVE and t.executed_at is not None
    assert outlet.status == OutletStatus.TERMINATED
    assert district_ag.status == AgreementStatus.TERMINATED and district_ag.ended_on == effective
    assert plaque.status == PlaqueStatus.RECOVERED and plaque.recovered_on == effective
    # the staff member's session stops at the next request (redirected to the login page)
    refused = client.get(reverse("dashboards:home"))
    assert refused.status_code == 302 and refused.url.startswith("/accounts/login/")
    staff.refresh_from_db()
    assert staff.sessions_valid_after is not None
    # the plaque's public page says revoked; the outlet leaves every public listing
    page = client.get(f"/verify/plaque/{plaque.number}/").content.decode()
    assert "已失效" in page and "有效</p>" not in page and "王经办" not in page
    assert outlet not in selectors.publicly_listed()
    # the municipal center's public notice, with nothing personal
    notice = PublicNotice.objects.get(kind=PublicNotice.Kind.OUTLET_TERMINATED, object_id=str(outlet.pk))
    assert outlet.name in notice.body and "王经办" not in notice.body and staff.username not in notice.body
    assert t.notice_id == notice.pk
    # open items listed and tracked to closure
    item = OpenItem.objects.get(termination=t)
    assert item.description == "业务档案3件未移交"
    services.open_item_close(item=item, note="已全部移交区社保中心", by=p.district_officer)
    t.refresh_from_db()
    assert t.status == TerminationStatus.CLOSED

    # Every step left a timeline event and an audit event.
    actions = set(LifecycleEvent.objects.filter(outlet=outlet).values_list("action", flat=True))
    assert {
        "application.create",
        "application.submit",
        "application.admit",
        "inspection.complete",
        "application.accept",
        "agreement.sign",
        "filing.submit",
        "filing.approve",
        "plaque.issue",
        "termination.propose",
        "termination.approve",
        "termination.execute",
        "plaque.recover",
        "staff.revoke",
        "notice.publish",
        "open_item.close",
    } <= actions
    audited = set(
        AuditEvent.objects.filter(action__startswith="cooperation.").values_list("action", flat=True)
    )
    assert {
        "cooperation.bank_application.approve",
        "cooperation.agreement.sign",
        "cooperation.application.accept",
        "cooperation.filing.approve",
        "cooperation.plaque.issue",
        "cooperation.termination.execute",
        "cooperation.plaque.recover",
        "cooperation.open_item.close",
    } <= audited
    assert AuditEvent.objects.filter(action="user.sessions_revoked", object_id=str(staff.pk)).exists()
    assert Plaque.objects.filter(outlet=outlet, status=PlaqueStatus.VALID).count() == 0
