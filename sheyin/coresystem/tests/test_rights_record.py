"""The rights record (人社部令第14号, R2.1): contents, sums, masking, the content hash and the PDF."""

from __future__ import annotations

import datetime as dt
import re
import zlib

import pytest
from django.utils import timezone

from sheyin.coresystem.adapter import get_core
from sheyin.coresystem.printing import PrintMeta, render_rights_record
from sheyin.coresystem.seeding import ensure_person

from .test_adapter import ZHANG

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(db):  # type: ignore[no-untyped-def]
    return get_core().rights_record(str(ensure_person(ZHANG)))


def test_the_summary_adds_up_the_rows(record) -> None:  # type: ignore[no-untyped-def]
    s = record.summary
    assert s.pension_months == sum(1 for r in record.rows if r.pension_base)
    assert s.totals["pension_ee"] == sum(r.pension_ee for r in record.rows)
    assert s.totals["medical_er"] == sum(r.medical_er for r in record.rows)
    assert s.pension_account == sum(r.pension_account for r in record.rows)
    assert record.period_start == record.rows[0].month and record.period_end == record.rows[-1].month
    assert [r.month for r in record.rows] == sorted(r.month for r in record.rows)


def test_the_person_is_masked(record) -> None:  # type: ignore[no-untyped-def]
    assert record.person.id_masked == ZHANG.id_number[:6] + "********" + ZHANG.id_number[-4:]
    assert ZHANG.id_number.encode() not in record.canonical_bytes(code="X", printed_at=timezone.now())


def test_the_content_hash_changes_with_any_amount_or_the_print_time(record) -> None:  # type: ignore[no-untyped-def]
    at = timezone.now()
    h = record.content_hash(code="ABCD", printed_at=at)
    assert h == record.content_hash(code="ABCD", printed_at=at) and len(h) == 64
    assert h != record.content_hash(code="ABCD", printed_at=at + dt.timedelta(seconds=1))
    record.rows[5] = record.rows[5]._replace(pension_ee=record.rows[5].pension_ee + 1)
    assert h != record.content_hash(code="ABCD", printed_at=at)


def streams(pdf: bytes) -> bytes:
    """Every Flate stream of the file, decompressed (where the page text is)."""
    found = re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S)
    return b"".join(zlib.decompressobj().decompress(m) for m in found if m[:1] == b"x")


def test_the_pdf_has_several_pages_an_embedded_subset_font_and_no_clear_id(record) -> None:  # type: ignore[no-untyped-def]
    meta = PrintMeta(
        "ABCD-EFGH-JKLM-NPQR", timezone.now(), "f" * 64, "http://x/verify/record/ABCD/", "测试网点 · 1号机"
    )
    pdf = render_rights_record(record, meta)
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") >= len(record.rows) // 60
    assert b"/FontFile2" in pdf and b"AAAAAA+WenQuanYiZenHei" in pdf  # embedded, subset
    content = streams(pdf)
    assert ZHANG.id_number.encode() not in pdf + content
    assert ZHANG.id_number[-4:].encode() in content  # the masked number's visible part is printed
    assert b"ABCD-EFGH-JKLM-NPQR" in content
    first = record.rows[0]
    assert f"{first.month.year}-{first.month.month:02d}".encode() in content
