"""Checking an issued paper (a rights-record printout, an acceptance receipt): its 核验码 and comparisons.

A paper carries a 核验码 (16 characters of base32 from 80 random bits, printed in groups of four), the
first 32 hex digits of its content hash (SM3) and a QR code to its verification page. What each check
proves:

* an uploaded PDF byte-identical to the one issued proves the whole content (`SAME`);
* a digest typed from the paper, or carried in the QR code's link, proves only that this digest was
  issued with this code. Whoever alters the figures of a paper keeps its digest and QR code, so a digest
  never proves the figures: the verification page shows the figures as issued and the verifier compares
  them with the paper. A digest that does not belong to the code proves the paper is not genuine.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .crypto import sm3_hex

CODE_LENGTH = 16
DIGEST_PRINTED = 32  # hex digits of the content hash printed on a paper
# base32 has no 0, 1, 8 or 9: what a person reads as one of them is the letter it resembles.
_TYPED = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_code() -> str:
    """16 characters of base32 from 80 random bits."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


def normalise_code(raw: str) -> str:
    """A code as typed or scanned (any case, spaces or hyphens, 0/1/8 for O/I/B) in its stored form."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum()).translate(_TYPED)[:CODE_LENGTH]


def group_code(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class Check(StrEnum):
    SAME = "same"  # the uploaded PDF is byte-identical to the one issued
    DIFFERENT = "different"  # the uploaded PDF is not the one issued
    DIGEST_ISSUED = "digest_issued"  # the digest was issued with this code; the figures are still to compare
    DIGEST_FOREIGN = "digest_foreign"  # the digest was not issued with this code: the paper is not genuine
    PARTIAL = "partial"  # fewer digits than printed: the whole digest is needed


def check_pdf(pdf_hash: str, data: bytes) -> Check:
    return Check.SAME if secrets.compare_digest(sm3_hex(data), pdf_hash) else Check.DIFFERENT


def hex_digits(value: str) -> str:
    return "".join(ch for ch in value.lower() if ch in "0123456789abcdef")[:64]


def check_digest(content_hash: str, given: str) -> Check:
    """Compare the digest printed on a paper (its first 32 hex digits, or more) with the issued one."""
    digits = hex_digits(given)
    if len(digits) < DIGEST_PRINTED:
        return Check.PARTIAL
    if secrets.compare_digest(content_hash[: len(digits)], digits):
        return Check.DIGEST_ISSUED
    return Check.DIGEST_FOREIGN


@dataclass
class PaperCheck:
    """What a verification page shows after a check: the form, and the outcome with what it came from."""

    form: Any
    outcome: Check | None = None
    source: str = ""  # "pdf", "digest" (typed) or "qr" (the digest in the QR code's link)


def check_request(request: HttpRequest, *, pdf_hash: str, content_hash: str) -> PaperCheck:
    """The check a verifier asked for: an uploaded PDF or a typed digest (POST), or the digest in the QR
    code's link (GET ?h=). A partial typed digest is refused with a request for the whole one."""
    from .forms import PaperCheckForm, apply_errors
    from .uploads import check_upload

    form = PaperCheckForm(request.POST or None, request.FILES or None)
    result = PaperCheck(form)
    if request.method == "GET" and request.GET.get("h"):
        result.outcome, result.source = check_digest(content_hash, request.GET["h"][:80]), "qr"
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data.get("pdf")
        if upload:
            try:
                check_upload(upload, allowed=("pdf",))
            except ValidationError as exc:
                apply_errors(form, exc, "pdf")
            else:
                result.outcome, result.source = check_pdf(pdf_hash, upload.read()), "pdf"
        else:
            outcome = check_digest(content_hash, form.cleaned_data["content_hash"])
            if outcome == Check.PARTIAL:
                form.add_error("content_hash", _("请输入纸面上完整的32位内容摘要：只输入一部分无法核对。"))
            else:
                result.outcome, result.source = outcome, "digest"
    return result
