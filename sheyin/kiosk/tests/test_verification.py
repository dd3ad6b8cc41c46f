"""The public verification page (R2.1): a printout is checked by its code and content hash, showing only
masked name, period and print time; an altered printout is rejected."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.kiosk import services
from sheyin.kiosk.models import PrintedRecord

from .factories import site

pytestmark = pytest.mark.django_db


@pytest.fixture
def printout(reference):  # type: ignore[no-untyped-def]
    s = site()
    person = services.kiosk_identify(
        terminal=s.terminal, id_number=s.citizen.id_number, card_number=s.citizen.card_number
    )
    printed, pdf = services.record_print(terminal=s.terminal, person_ref=person.ref,
                                         verify_url=lambda c, h: f"http://testserver/verify/record/{c}/?h={h[:32]}")  # fmt: skip
    return s, printed, pdf


def test_the_page_shows_only_what_proves_authenticity(client, printout) -> None:  # type: ignore[no-untyped-def]
    s, printed, _pdf = printout
    page = client.get(f"/kiosk/verify/{printed.code}/").content.decode()
    assert printed.masked_name in page and printed.printed_at.astimezone().strftime("%Y-%m-%d") in page
    assert printed.period_start.strftime("%Y-%m") in page
    assert s.citizen.name not in page and s.citizen.id_number not in page and printed.id_masked not in page


def test_the_same_pdf_is_confirmed_and_an_altered_byte_is_rejected(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, pdf = printout
    url = f"/kiosk/verify/{printed.code}/"
    same = client.post(url, {"pdf": SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf")})
    assert 'data-testid="match"' in same.content.decode() and "一致" in same.content.decode()
    i = pdf.index(b"/Subject")  # change one byte of the content
    altered = pdf[:i] + bytes([pdf[i + 3] ^ 1]) + pdf[i + 1 :]
    resp = client.post(url, {"pdf": SimpleUploadedFile("r.pdf", altered, content_type="application/pdf")})
    body = resp.content.decode()
    assert 'data-testid="mismatch"' in body and "不一致" in body


def test_the_content_hash_from_the_paper_or_the_qr_code_is_compared(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf = printout
    url = f"/kiosk/verify/{printed.code}/"
    assert 'data-testid="match"' in client.get(url, {"h": printed.content_hash[:32]}).content.decode()
    typed = client.post(url, {"content_hash": printed.content_hash[:32].upper()})
    assert 'data-testid="match"' in typed.content.decode()
    flipped = printed.content_hash[:31] + ("0" if printed.content_hash[31] != "0" else "1")
    assert "不一致" in client.post(url, {"content_hash": flipped}).content.decode()
    assert "不一致" in client.get(url, {"h": "abc"}).content.decode()  # too short to prove anything


def test_an_unknown_code_or_a_non_pdf_upload_is_refused(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf = printout
    resp = client.get("/kiosk/verify/AAAAAAAAAAAAAAAA/")
    assert resp.status_code == 404 and "未找到该验证码" in resp.content.decode()
    png = SimpleUploadedFile("r.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 32, content_type="application/pdf")
    bad = client.post(f"/kiosk/verify/{printed.code}/", {"pdf": png}).content.decode()
    assert "类型不支持" in bad
    assert PrintedRecord.objects.count() == 1


def test_the_lookup_form_takes_a_grouped_code(client, printout) -> None:  # type: ignore[no-untyped-def]
    _s, printed, _pdf = printout
    resp = client.post("/kiosk/verify/", {"code": printed.code_display.lower()})
    assert resp.url.endswith(f"/{printed.code}/")
