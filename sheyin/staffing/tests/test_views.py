"""Pages: every page renders for the roles that use it; forms show the services' Chinese messages; exports."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.institutions.tests.factories import OutletFactory, district, municipal
from sheyin.staffing.models import StaffMember

from .factories import (
    CourseFactory,
    SessionFactory,
    StaffFactory,
    active_grant,
    certified,
    new_id_number,
    passed,
    question,
    signed,
    staff_with_account,
    template,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    staff = certified(staff_with_account(outlet))
    active_grant(staff)
    bare = StaffFactory(outlet=outlet, name="待培训人员")
    course = CourseFactory(district=district("110105"))
    question(course)
    session = SessionFactory(course=course)
    template()
    return {
        "outlet": outlet, "staff": staff, "bare": bare, "course": course, "session": session,
        "officer": user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")),
        "admin": user_with_role(Role.DISTRICT_ADMIN, agency=district("110105")),
        "manager": user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
        "bank": user_with_role(Role.BANK_ADMIN, bank=outlet.bank),
        "muni": user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()),
    }  # fmt: skip


PAGES = {
    "officer": ["staffing:staff_list", "staffing:staff_create", "staffing:session_list", "staffing:session_create",
                "staffing:course_list", "staffing:course_create", "staffing:exam_list", "staffing:exam_offline",
                "staffing:agreement_list", "staffing:template_edit", "staffing:grant_list", "staffing:grant_propose",
                "staffing:check"],
    "admin": ["staffing:grant_list", "staffing:settings", "staffing:check"],
    "manager": ["staffing:staff_list", "staffing:staff_create", "staffing:transfer_list", "staffing:session_list",
                "staffing:check", "staffing:my"],
    "bank": ["staffing:staff_list", "staffing:transfer_list", "staffing:check", "staffing:grant_list"],
    "muni": ["staffing:settings", "staffing:template_edit", "staffing:check", "staffing:session_create"],
}  # fmt: skip


@pytest.mark.parametrize("who", list(PAGES))
def test_the_pages_of_each_role_render(client, world, who) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world[who])
    for name in PAGES[who]:
        assert client.get(reverse(name)).status_code == 200, name
    staff, session, course = world["staff"], world["session"], world["course"]
    for url in (
        reverse("staffing:staff_detail", args=[staff.pk]),
        reverse("staffing:session_detail", args=[session.pk]),
    ):
        assert client.get(url).status_code == 200, url
    if who in ("officer", "muni"):
        assert client.get(reverse("staffing:question_list", args=[course.pk])).status_code == 200


def test_the_outlet_staff_pages_render(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["staff"].user)
    for name in ("staffing:my", "staffing:my_agreement"):
        assert client.get(reverse(name)).status_code == 200
    assert client.get(reverse("staffing:staff_list")).status_code == 403


def test_the_roster_shows_masked_ids_and_exports_without_full_ids(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.common.crypto import decrypt

    client.force_login(world["officer"])
    staff = world["staff"]
    full = decrypt(staff.id_number_enc)
    body = client.get(reverse("staffing:staff_list")).content.decode()
    assert staff.id_number_masked in body and full not in body
    resp = client.get(reverse("staffing:staff_list"), {"export": "xlsx"})
    rows = list(load_workbook(io.BytesIO(resp.content)).active.iter_rows(values_only=True))
    assert any(staff.id_number_masked in r for r in rows) and not any(full in str(r) for r in rows)


def test_adding_staff_through_the_form_shows_field_errors_in_chinese(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["manager"])
    data = {
        "outlet": world["outlet"].pk,
        "employee_no": "N1",
        "name": "新人",
        "id_number": "123",
        "post": "window",
    }
    body = client.post(reverse("staffing:staff_create"), data).content.decode()
    assert "身份证号码应为18位" in body
    data["id_number"] = new_id_number()
    resp = client.post(reverse("staffing:staff_create"), data)
    assert resp.status_code == 302 and StaffMember.objects.filter(name="新人").exists()


def test_revealing_an_id_on_the_page_needs_a_reason_and_is_audited(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.common.crypto import decrypt

    client.force_login(world["officer"])
    staff = world["staff"]
    page = client.get(reverse("staffing:staff_detail", args=[staff.pk])).content.decode()
    assert 'data-testid="reveal-open"' in page and decrypt(staff.id_number_enc) not in page
    url = reverse("accounts:reveal", args=["staff.id_number", staff.pk])
    assert "至少4个字" in client.post(url, {"reason": "other", "note": "看"}).content.decode()
    resp = client.post(url, {"reason": "correct_record"})
    assert decrypt(staff.id_number_enc) in resp.content.decode() and resp["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action="pii.reveal", actor=world["officer"]).count() == 1
    fragment = client.post(url, {"reason": "correct_record"}, HTTP_HX_REQUEST="true").content.decode()
    assert "data-revealed" in fragment and decrypt(staff.id_number_enc) in fragment
    assert "<html" not in fragment


def test_the_edit_form_never_shows_the_full_phone_or_id_number(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.common.crypto import decrypt

    client.force_login(world["manager"])
    staff = world["staff"]
    body = client.get(reverse("staffing:staff_edit", args=[staff.pk])).content.decode()
    assert decrypt(staff.phone_enc) not in body and decrypt(staff.id_number_enc) not in body
    assert staff.phone_masked in body and staff.id_number_masked in body


def test_proposing_through_the_form_names_the_missing_prerequisites(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    bare = world["bare"]
    checks = client.get(reverse("staffing:grant_checks"), {"staff": bare.pk}).content.decode()
    assert "培训学时不足" in checks and "未签署保密协议" in checks
    body = client.post(reverse("staffing:grant_propose"),
                       {"staff": bare.pk, "channels": ["W"], "categories": ["query"]}).content.decode()  # fmt: skip
    assert "不能授权：培训学时不足" in body and "不能授权：考核未通过" in body


def test_the_approval_page_hides_the_decision_from_the_proposer(client, world) -> None:  # type: ignore[no-untyped-def]
    from sheyin.staffing import services

    staff = StaffFactory(outlet=world["outlet"])
    certified(staff)
    grant = services.grant_propose(
        staff=staff, channels=["W"], categories=["query"], note="", by=world["admin"]
    )
    client.force_login(world["admin"])
    body = client.get(reverse("staffing:grant_detail", args=[grant.pk])).content.decode()
    assert "须由其他区级管理员审批" in body and 'value="approve"' not in body
    resp = client.post(reverse("staffing:grant_decide", args=[grant.pk]), {"action": "approve"}, follow=True)
    assert "审批人不能是提出人" in resp.content.decode()


def test_the_certificate_and_the_signed_agreement_are_served_as_pdf(client, world) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.base import ContentFile

    staff = world["staff"]
    attempt = passed(staff)
    agreement = signed(staff)
    agreement.pdf.save("a.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    client.force_login(staff.user)
    resp = client.get(reverse("staffing:my_certificate", args=[attempt.pk]))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")
    resp = client.get(reverse("staffing:my_agreement_pdf", args=[agreement.pk]))
    assert resp.status_code == 200 and b"".join(resp.streaming_content).startswith(b"%PDF-")


def test_the_pages_switch_to_english(client, world) -> None:  # type: ignore[no-untyped-def]
    client.force_login(world["officer"])
    client.cookies["django_language"] = "en"  # the header switch's choice
    body = client.get(reverse("staffing:staff_list")).content.decode()
    assert "Staff roster" in body


def test_a_district_cannot_edit_the_municipal_question_bank(client, world) -> None:  # type: ignore[no-untyped-def]
    city_course = CourseFactory(district=None)
    client.force_login(world["officer"])
    assert client.get(reverse("staffing:question_list", args=[city_course.pk])).status_code == 200
    assert client.get(reverse("staffing:question_create", args=[city_course.pk])).status_code == 403
    client.force_login(world["muni"])
    assert client.get(reverse("staffing:question_create", args=[city_course.pk])).status_code == 200
