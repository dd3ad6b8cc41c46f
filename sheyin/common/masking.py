"""Masking of personal data for display: lists, printouts, logs."""

from __future__ import annotations

import re


def mask_id_number(value: str | None) -> str:
    """110101********123X — region code and the last four, nothing of the birth date."""
    if not value:
        return ""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*, 欧阳** — the family name only (first character)."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"


# Personal numbers inside free text a citizen typed (a rating comment, a complaint): ID numbers (18 and
# 15 digits), mobile and fixed-line phone numbers, and bank-card-like digit runs.
_ID18 = r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
_ID15 = r"[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
_MOBILE = r"(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}"
_LANDLINE = r"0\d{2,3}[- ]?\d{7,8}"
_CARD = r"\d{12,19}"
PERSONAL_NUMBER_RE = re.compile(
    rf"(?<![0-9A-Za-z])(?:(?P<id>{_ID18}|{_ID15})|(?P<phone>{_MOBILE}|{_LANDLINE})|(?P<card>{_CARD}))"
    r"(?![0-9A-Za-z])"
)


def _mask_match(m: re.Match[str]) -> str:
    if m.group("id"):
        return mask_id_number(m.group("id").upper())
    digits = re.sub(r"\D", "", m.group(0))
    if m.group("phone"):
        return mask_phone(digits[-11:] if digits.startswith("86") and len(digits) == 13 else digits)
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_free_text(value: str | None) -> str:
    """The text with every ID, phone or card number in it masked (110101********123X, 138****5678).

    Used when storing what citizens type: the masked text is what every page, export and API shows; a
    service keeps the original only encrypted, and only where a handler needs it."""
    if not value:
        return ""
    return PERSONAL_NUMBER_RE.sub(_mask_match, value)


def mask_email(value: str | None) -> str:
    """z***@example.cn — the first character of the mailbox and the domain."""
    if not value or "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"
