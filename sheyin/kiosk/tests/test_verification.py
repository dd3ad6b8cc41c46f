"""The public verification page of a rights-record printout (R2.1), as a verifier holding the paper meets it:
what the printout said when printed (masked name, period, months, bases, amounts, totals), where, when and
how it was printed, and the check of a PDF file or of the digest printed on the paper.

A digest (typed from the footer, or carried in the QR code's link) proves only that it was issued with the
code: whoever alters the figures keeps the digest and the QR code. So the page never says 一致 for a digest;
a paper whose figures were changed is told apart by the figures the page shows."""

from __future__ import annotations

import re
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.common.crypto import encrypt_bytes
from sheyin.coresystem.adapter import get_core
from sheyin.kiosk import services
from sheyin.kiosk.models import PrintedRecord
from sheyin.kiosk.templatetags.kiosk import yuan, yuan0

from .factories import print_record, site

pytestmark = pytest.mark.django_db


@pytest.fixture
def printout(reference):  # type: ignore[no-untyped-def]
    s = site()
    person = services.kiosk_identify(
        terminal=s.terminal, id_number=s.citizen.id_number, card_number=s.citizen.card_number
    )
    printed, pdf = print_record(s, person.ref)
    return s, printed, pdf, get_core().rights_record(person.ref)


def url(printed: PrintedRecord) -> str:
    return f"/verify/record/{printed.code}/"


def month_row(page: str, month: str) -> str:
    """The table row of one month on the page."""
    found = re.search(rf"<tr><td class=\"text-nowrap\">{month}</td>.*?</tr>", page, re.S)
    assert found, month
    return found.group(0)


def test_the_page_shows_the_printed_figures_and_where_and_when_it_was_printed(client, printout) -> None:  # type: ignore[no-untyped-def]
    s, printed, _pdf, rec = printout
    page = client.get(url(printed)).content.decode()
    assert 'data-testid="genuine"' in page and printed.code_display in page
    assert (
        printed.masked_name in page and printed.printed_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") in page
    )
    assert s.outlet.name in page and s.terminal.name in page and s.outlet.address in page
    assert f"{rec.period_start:%Y-%m} — {rec.period_end:%Y-%m}" in page and f"{len(rec.rows)}个月" in page
    t = rec.summary.totals
    for fen in (
        t["pension_er"],
        t["pension_ee"],
        t["unemployment_er"],
        t["medical_ee"],
        rec.summary.pension_account,
    ):
        assert yuan(fen) in page
    first, last = rec.rows[0], rec.rows[-1]
    assert yuan0(first.pension_base) in month_row(page, f"{first.month:%Y-%m}")
    assert yuan(last.medical_ee) in month_row(page, f"{last.month:%Y-%m}")
    assert page.count('<tr><td class="text-nowrap">') == len(rec.rows)
    # Only what the paper shows, masked: no name, no ID number, not even the masked one.
    assert s.citizen.name not in page and s.citizen.id_number not in page and printed.id_masked not in page


def test_a_paper_whose_figures_were_changed_is_told_apart_by_the_page(client, printout) -> None:  # type: ignore[no-untyped-def]
    """The forger raises one month's pension base on the paper and keeps its QR code and digest."""
    _s, printed, pdf, rec = printout
    month = rec.rows[len(rec.rows) // 2]
    forged_base = yuan0(month.pension_base + 500_000)
    qr_link = (
        f"{url(printed)}?h={printed.content_hash[:32]}"  # the QR code on the forged paper is the genuine one
    )
    page = client.get(qr_link).content.decode()
    assert "一致" not in page  # the QR code proves the code, never the figures
    assert 'data-testid="digest-issued"' in page and "逐项比对" in page
    row = month_row(page, f"{month.month:%Y-%m}")
    assert yuan0(month.pension_base) in row and forged_base not in row  # the verifier sees the difference
    typed = client.post(url(printed), {"content_hash": printed.content_hash[:32]}).content.decode()
    assert "一致" not in typed and 'data-testid="digest-issued"' in typed
    forged_pdf = pdf.replace(b"/Subject", b"/Subjecu", 1)  # any changed file
    upload = SimpleUploadedFile("r.pdf", forged_pdf, content_type="application/pdf")
    checked = client.post(url(printed), {"pdf": upload}).content.decode()
    assert 'data-testid="mismatch"' in checked and "不一致" in checked


def test_a_qr_link_whose_digest_was_not_issued_with_the_code_is_refused(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf, _rec = printout
    flipped = printed.content_hash[:31] + ("0" if printed.content_hash[31] != "0" else "1")
    page = client.get(url(printed), {"h": flipped}).content.decode()
    assert 'data-testid="mismatch"' in page and "不符" in page and "一致" not in page
    typed = client.post(url(printed), {"content_hash": flipped.upper()}).content.decode()
    assert 'data-testid="mismatch"' in typed and "一致" not in typed


def test_a_partial_digest_asks_for_the_whole_one(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf, _rec = printout
    typed = client.post(url(printed), {"content_hash": printed.content_hash[:12]}).content.decode()
    assert "完整的32位内容摘要" in typed
    assert 'data-testid="mismatch"' not in typed and 'data-testid="digest-issued"' not in typed
    short_qr = client.get(url(printed), {"h": printed.content_hash[:8]}).content.decode()
    assert 'data-testid="digest-partial"' in short_qr and "一致" not in short_qr


def test_the_same_pdf_is_confirmed_and_an_altered_byte_is_rejected(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, pdf, _rec = printout
    same = client.post(
        url(printed), {"pdf": SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf")}
    )
    assert 'data-testid="match"' in same.content.decode() and "一致" in same.content.decode()
    i = pdf.index(b"/Subject")  # change one byte of the content
    altered = pdf[:i] + bytes([pdf[i + 3] ^ 1]) + pdf[i + 1 :]
    resp = client.post(
        url(printed), {"pdf": SimpleUploadedFile("r.pdf", altered, content_type="application/pdf")}
    )
    assert 'data-testid="mismatch"' in resp.content.decode() and "不一致" in resp.content.decode()


def test_an_unknown_code_or_a_non_pdf_upload_is_refused(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf, _rec = printout
    resp = client.get("/kiosk/verify/AAAAAAAAAAAAAAAA/")
    assert resp.status_code == 404 and "未找到该核验码" in resp.content.decode()
    png = SimpleUploadedFile("r.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="application/pdf")
    assert "类型不支持" in client.post(url(printed), {"pdf": png}).content.decode()
    assert PrintedRecord.objects.count() == 1


def test_the_lookup_form_takes_a_grouped_code_typed_with_look_alike_digits(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf, _rec = printout
    typed = printed.code_display.lower().replace("o", "0").replace("i", "1")
    assert client.post("/verify/record/", {"code": typed}).url.endswith(f"/{printed.code}/")


def test_an_archive_that_no_longer_matches_its_digest_is_not_shown(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf, rec = printout
    tampered = rec.canonical_bytes(code=printed.code, printed_at=printed.printed_at).replace(
        b"|E|", b"|F|", 1
    )
    PrintedRecord.objects.filter(pk=printed.pk).update(content=encrypt_bytes(zlib.compress(tampered)))
    page = client.get(url(printed)).content.decode()
    assert 'data-testid="content-damaged"' in page and 'data-testid="months"' not in page


def test_a_printout_made_before_archiving_still_checks_its_pdf(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, pdf, _rec = printout
    PrintedRecord.objects.filter(pk=printed.pk).update(content=None)
    page = client.get(url(printed)).content.decode()
    assert 'data-testid="no-content"' in page
    same = client.post(
        url(printed), {"pdf": SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf")}
    )
    assert 'data-testid="match"' in same.content.decode()


def test_the_printed_content_comes_back_exactly_from_its_archive(printout) -> None:  # type: ignore[no-untyped-def]
    from sheyin.coresystem.adapter import RightsRecord

    _s, printed, _pdf, rec = printout
    canonical = rec.canonical_bytes(code=printed.code, printed_at=printed.printed_at)
    back, code, at = RightsRecord.from_canonical(canonical)
    assert (code, at) == (printed.code, printed.printed_at)
    assert back.rows == rec.rows and back.benefits == rec.benefits and back.summary == rec.summary
    assert back.canonical_bytes(code=code, printed_at=at) == canonical
