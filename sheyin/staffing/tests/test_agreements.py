"""Confidentiality agreement (Annex 7): versioned template, signing by the person, the stored PDF."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.context import client_address
from sheyin.institutions.tests.factories import OutletFactory, district, municipal
from sheyin.staffing import reference as staffing_reference
from sheyin.staffing import services
from sheyin.staffing.models import AgreementTemplate

from .factories import StaffFactory, signed, staff_with_account

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(reference):  # type: ignore[no-untyped-def]
    staffing_reference.load(StringIO())
    return staff_with_account()


def test_the_default_template_covers_the_law_and_third_parties(staff) -> None:  # type: ignore[no-untyped-def]
    body = AgreementTemplate.objects.get(version=1).body
    assert "个人信息保护法" in body and "第八十一条" in body and "第三方" in body and "R9.3" not in body


def test_the_person_signs_with_typed_name_consent_time_and_address(staff) -> None:  # type: ignore[no-untyped-def]
    token = client_address.set("10.1.2.3")
    try:
        agreement = services.agreement_sign(staff=staff, typed_name=staff.name, consent=True, by=staff.user)
    finally:
        client_address.reset(token)
    assert (
        agreement.signed_name == staff.name and agreement.consent and agreement.client_address == "10.1.2.3"
    )
    assert agreement.template.version == 1 and agreement.body == agreement.template.body
    assert agreement.pdf.name.endswith(".pdf") and len(agreement.pdf_sm3) == 64
    with agreement.pdf.open("rb") as f:
        assert f.read(5) == b"%PDF-"
    assert staff.events.filter(kind="agreement").exists()


def test_the_typed_name_must_match_the_roster_and_consent_is_required(staff) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as info:
        services.agreement_sign(staff=staff, typed_name="别人", consent=False, by=staff.user)
    assert set(info.value.message_dict) == {"signed_name", "consent"}


def test_nobody_signs_for_someone_else(staff) -> None:  # type: ignore[no-untyped-def]
    colleague = user_with_role(Role.OUTLET_STAFF, outlet=staff.outlet)
    with pytest.raises(ValidationError, match="本人"):
        services.agreement_sign(staff=staff, typed_name=staff.name, consent=True, by=colleague)
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    with pytest.raises(NotAllowed):
        services.agreement_sign(staff=staff, typed_name=staff.name, consent=True, by=officer)


def test_editing_the_template_makes_a_new_version_and_keeps_signed_text(staff) -> None:  # type: ignore[no-untyped-def]
    first = services.agreement_sign(staff=staff, typed_name=staff.name, consent=True, by=staff.user)
    muni = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    tpl = services.template_save(title="保密协议（修订）", body="新的条款。" * 20, by=muni)
    assert tpl.version == 2
    first.refresh_from_db()
    assert first.template.version == 1 and "新的条款" not in first.body
    with pytest.raises(NotAllowed):
        services.template_save(title="x", body="y" * 60, by=user_with_role(Role.DISTRICT_OFFICER,
                                                                           agency=district("110105")))  # fmt: skip


def test_the_signed_pdf_is_served_only_within_scope(client, staff) -> None:  # type: ignore[no-untyped-def]
    agreement = services.agreement_sign(staff=staff, typed_name=staff.name, consent=True, by=staff.user)
    url = reverse("staffing:agreement_pdf", args=[agreement.pk])
    client.logout()
    assert client.get(url).status_code == 302  # anonymous: to the login page
    outsider = user_with_role(Role.OUTLET_MANAGER, outlet=OutletFactory())
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=staff.outlet)
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_reference_load_is_idempotent(staff) -> None:  # type: ignore[no-untyped-def]
    staffing_reference.load(StringIO())
    staffing_reference.load(StringIO())
    assert AgreementTemplate.objects.count() == 1
    assert signed(StaffFactory()).template.version == 1
