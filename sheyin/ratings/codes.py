"""评价码: the single-use code that rates one service (R9.5), printed under a QR code on every paper.

People without a smartphone type it at /rate/, so it is short and has no characters that read alike: no
0/O, 1/I/L. Ten characters of 31 give ~49 bits: with a million codes open at once, a guess finds one
with a chance of about one in 800 million, and the rating page limits guesses per address. Codes made
before these were longer tokens of mixed case; they still resolve as they are.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
GROUP = 5


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(raw: str) -> str:
    """A code as typed: any case, spaces and hyphens allowed."""
    return "".join(ch for ch in raw.upper() if ch.isascii() and ch.isalnum())[:43]


def is_short(token: str) -> bool:
    return len(token) == LENGTH and all(ch in ALPHABET for ch in token)


def display(token: str) -> str:
    """ABCDE-FGHJK for a short code; an older token as it is."""
    return f"{token[:GROUP]}-{token[GROUP:]}" if is_short(token) else token
