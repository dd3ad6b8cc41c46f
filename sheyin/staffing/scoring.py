"""Exam scoring, pure Python and exact.

The rule (shown on the exam page and in the certificate):
- single choice and true/false: full marks iff the one right option is chosen;
- multiple choice: full marks iff exactly the right set of options is chosen — a missing or an extra
  option earns nothing (no partial credit);
- every question weighs the same; the score is 100 × right ÷ drawn, rounded half-up to 0.01;
- an unanswered question (including one answered only after the deadline) earns nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def is_correct(kind: str, right: Iterable[int], chosen: Iterable[int] | None) -> bool:
    right_set, chosen_set = set(right), set(chosen or ())
    if not chosen_set:
        return False
    if kind in ("single", "true_false"):
        return len(chosen_set) == 1 and chosen_set == right_set
    return chosen_set == right_set  # multiple choice: exactly the right set


def score(results: Iterable[bool]) -> Decimal:
    marks = list(results)
    if not marks:
        return Decimal("0.00")
    return (HUNDRED * sum(1 for m in marks if m) / len(marks)).quantize(CENT, rounding=ROUND_HALF_UP)


def passes(value: Decimal, pass_mark: int) -> bool:
    return value >= Decimal(pass_mark)
