"""A printed acceptance receipt can be checked (R2.3, R2.1): each print gets a 核验码 under a QR code and its
rows are kept; the public page shows what the receipt said, who printed it where and when, and the case's
status now. Like a printout's, a receipt's digest never proves its figures: a forged receipt is told apart
by the rows the page shows. A completed case's receipt carries its 评价码 under the rating QR code."""

from __future__ import annotations

import re
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheyin.audit.models import AuditEvent
from sheyin.casework import services
from sheyin.casework.models import IssuedReceipt
from sheyin.ratings.services import display_token

from .factories import HIGH_RISK_ITEM, accepted, completed, world

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def print_receipt(client, w, case):  # type: ignore[no-untyped-def]
    client.force_login(w.staff)
    resp = client.post(reverse("casework:case_receipt", args=[case.pk]))
    assert resp.status_code == 200, resp.content[:300]
    return IssuedReceipt.objects.filter(case=case).latest("id"), resp.content


def test_each_print_is_a_receipt_of_its_own_with_both_codes_under_their_qr_codes(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = completed(w)
    first, pdf = print_receipt(client, w, case)
    second, _pdf = print_receipt(client, w, case)
    assert first.code != second.code and first.printed_by == w.staff and first.outlet == w.outlet
    text = pdf_text(pdf)
    assert f"核验码 {first.code_display}" in text and f"评价码 {display_token(case.rating_token)}" in text
    assert first.content_hash[:32] in text and "验证码" not in text
    assert AuditEvent.objects.filter(action="receipt.issue").count() == 2
    detail = client.get(reverse("casework:case_detail", args=[case.pk])).content.decode()
    assert first.code_display in detail and second.code_display in detail


def test_the_page_shows_what_the_receipt_said_who_printed_it_where_and_the_status_now(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = accepted(w, HIGH_RISK_ITEM)
    case = services.case_submit(case=case, by=w.staff)  # waits for a second person's review
    receipt, _pdf = print_receipt(client, w, case)
    assert "待复核" in dict(receipt.content)["办理状态"] and "评价码" not in pdf_text(_pdf)
    services.case_review(case=case, approve=True, by=w.colleague)
    client.logout()
    page = client.get(f"/verify/receipt/{receipt.code}/").content.decode()
    for label, value in receipt.content:
        assert label in page and value in page
    assert w.outlet.name in page and w.outlet.address in page and str(w.staff) in page
    status_now = re.search(r'data-testid="status-now">(.*?)</dd>', page, re.S).group(1)
    assert "已办结" in status_now
    assert w.applicant.name not in page and w.applicant.id_number not in page


def test_a_forged_receipt_is_told_apart_by_the_page(client, reference) -> None:  # type: ignore[no-untyped-def]
    """The forger changes the result on the paper and keeps its QR code; or makes a QR code of their own."""
    w = world()
    receipt, pdf = print_receipt(client, w, completed(w))
    client.logout()
    qr = client.get(f"/verify/receipt/{receipt.code}/", {"h": receipt.content_hash[:32]}).content.decode()
    assert "一致" not in qr and 'data-testid="digest-issued"' in qr
    rows = re.search(r'data-testid="receipt-rows">(.*?)</dl>', qr, re.S).group(1)
    assert dict(receipt.content)["办理结果"] in rows and "已办结" in rows
    foreign = client.get(f"/verify/receipt/{receipt.code}/", {"h": "ab" * 16}).content.decode()
    assert 'data-testid="mismatch"' in foreign and "一致" not in foreign
    same = client.post(
        f"/verify/receipt/{receipt.code}/", {"pdf": SimpleUploadedFile("r.pdf", pdf, "application/pdf")}
    )
    assert 'data-testid="match"' in same.content.decode()
    partial = client.post(f"/verify/receipt/{receipt.code}/", {"content_hash": receipt.content_hash[:10]})
    assert "完整的32位内容摘要" in partial.content.decode()


def test_a_receipt_code_typed_where_printouts_are_checked_leads_to_the_receipt(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    receipt, _pdf = print_receipt(client, w, completed(w))
    client.logout()
    entry = client.get("/verify/", {"code": receipt.code_display.lower()})
    resp = client.get(entry["Location"], follow=True)
    assert resp.redirect_chain[-1][0] == f"/verify/receipt/{receipt.code}/"
    assert receipt.code_display in resp.content.decode()
    unknown = client.get("/verify/receipt/AAAAAAAAAAAAAAAA/")
    assert unknown.status_code == 404 and "未找到该核验码" in unknown.content.decode()


def test_a_kept_receipt_that_no_longer_matches_its_digest_is_not_shown(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    receipt, _pdf = print_receipt(client, w, completed(w))
    rows = [[label, "已办结（改）" if label == "办理状态" else value] for label, value in receipt.content]
    IssuedReceipt.objects.filter(pk=receipt.pk).update(content=rows)
    page = client.get(f"/verify/receipt/{receipt.code}/").content.decode()
    assert 'data-testid="content-damaged"' in page and "已办结（改）" not in page


def test_a_receipt_is_printed_only_inside_the_scope_and_only_past_the_draft(client, reference) -> None:  # type: ignore[no-untyped-def]
    from sheyin.accounts.permissions import NotAllowed

    w, other = world(), world(code="110108")
    case = completed(w)
    with pytest.raises(NotAllowed):
        services.receipt_issue(
            case=case, verify_url=lambda c, h: "", rating_url=lambda t: "", by=other.manager
        )
    client.force_login(other.manager)
    assert client.post(reverse("casework:case_receipt", args=[case.pk])).status_code == 404
    assert not IssuedReceipt.objects.exists()
