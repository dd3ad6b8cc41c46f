"""Personal data (R9.3): masked by default, a full view only with a stated reason and audited, nothing
personal in URLs, receipts or logs; the public status page shows only status and masked data."""

from __future__ import annotations

import base64
import logging
import re
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.casework import services

from .factories import completed, world

pytestmark = pytest.mark.django_db


def page_streams(pdf: bytes) -> bytes:
    """The file's streams decoded (ASCII85 and/or Flate), where the page text is."""
    out = []
    for m in re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        data = m.strip()
        if data.endswith(b"~>"):
            data = base64.a85decode(b"<~" + data if not data.startswith(b"<~") else data, adobe=True)
        try:
            out.append(zlib.decompressobj().decompress(data))
        except zlib.error:
            out.append(data)
    return b"".join(out)


def test_revealing_the_id_number_needs_a_reason_and_is_audited(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    with pytest.raises(ValidationError) as exc:
        services.case_reveal_applicant_id(case=case, reason="  ", by=w.manager)
    assert "须填写事由" in " ".join(exc.value.messages)
    assert (
        services.case_reveal_applicant_id(case=case, reason="申请人要求更正信息", by=w.manager)
        == w.applicant.id_number
    )
    event = AuditEvent.objects.get(action="pii.reveal")
    assert event.reason == "申请人要求更正信息" and event.actor == w.manager
    assert w.applicant.id_number not in str(event.after) + event.object_repr


def test_the_bank_head_office_may_not_reveal(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    with pytest.raises(NotAllowed):
        services.case_reveal_applicant_id(
            case=case, reason="核查", by=user_with_role(Role.BANK_ADMIN, bank=w.outlet.bank)
        )


def test_pages_show_the_masked_number_and_the_full_one_only_after_a_reason(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    client.force_login(w.manager)
    url = reverse("casework:case_detail", args=[case.pk])
    page = client.get(url).content.decode()
    assert case.applicant_masked in page and w.applicant.id_number not in page
    shown = client.post(url, {"action": "reveal", "reveal-reason": "核对身份"}).content.decode()
    assert w.applicant.id_number in shown


def test_nothing_personal_in_urls_logs_or_the_receipt(client, reference, caplog) -> None:  # type: ignore[no-untyped-def]
    w = world()
    caplog.set_level(logging.DEBUG)
    client.force_login(w.staff)
    client.post(reverse("casework:accept_home"))
    case = completed(w)
    detail = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    urls = re.findall(r'href="([^"]+)"', detail)
    assert urls and not any(w.applicant.id_number in u or w.applicant.name in u for u in urls)
    assert w.applicant.id_number not in caplog.text and w.applicant.card_number not in caplog.text
    receipt, pdf = services.receipt_issue(case=case, verify_url=lambda c, h: "http://x/v", rating_url=lambda t: "http://x/r",
                                          by=w.staff)  # fmt: skip
    text = page_streams(pdf)
    assert w.applicant.id_number not in str(receipt.content) and w.applicant.name not in str(receipt.content)
    assert case.applicant_masked[-4:].encode() in text  # the page text was read
    assert w.applicant.id_number.encode() not in pdf + text


def test_the_public_status_page_needs_the_check_code(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    url = reverse("casework:status", args=[case.receipt_no])
    assert client.get(url).status_code == 404
    assert client.get(url, {"c": "0" * 12}).status_code == 404
    page = client.get(url, {"c": services.status_check(case.receipt_no)}).content.decode()
    assert "已办结" in page and case.applicant_masked in page
    assert w.applicant.name not in page  # the name is masked too


def test_the_receipt_carries_the_rating_code_only_for_completed_cases(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.casework.models import IssuedReceipt
    from sheyin.ratings.codes import ALPHABET, LENGTH

    w = world()
    case = completed(w)
    assert len(case.rating_token) == LENGTH and set(case.rating_token) <= set(ALPHABET)
    client.force_login(w.staff)
    resp = client.post(reverse("casework:case_receipt", args=[case.pk]))
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"
    text = page_streams(resp.content).decode("latin-1")
    assert case.rating_token[:5] in text and case.rating_token[5:] in text  # printed as ABCDE-FGHJK
    draft = services.case_open(by=w.staff)
    assert draft.rating_token is None
    refused = client.post(reverse("casework:case_receipt", args=[draft.pk]), follow=True)
    assert "不能打印受理回执" in refused.content.decode()
    assert (
        client.get(reverse("casework:case_receipt", args=[case.pk])).status_code == 405
    )  # printing is a POST
    assert IssuedReceipt.objects.filter(case=draft).count() == 0 and IssuedReceipt.objects.count() == 1
