"""Contribution parameters of the simulated core: rates (domain.md, default Beijing rates) and yearly
contribution-base limits.

These belong to the SI core, not to this platform: the real core owns them, so the simulation keeps them
here, in one place, rather than as platform settings. The yearly base limits are APPROXIMATIONS built
from a table of Beijing's average monthly wage (upper limit 300 % of it; lower limit 40 % before 2019
and 60 % from 2019), close to the published figures for recent years (e.g. 2024: 6,821–35,283 yuan) and
only plausible for earlier ones. Rates are the current defaults applied to every year (the real rates
changed over time: pension employer share was 20 % before 2019). All amounts in fen.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import NamedTuple

# Employee rates in basis points of the base (1 bp = 0.01 %).
PENSION_ER_BP = 1600
PENSION_EE_BP = 800
PENSION_ACCOUNT_BP = 800  # the personal account receives 8 % of the base
UNEMPLOYMENT_ER_BP = 50
UNEMPLOYMENT_EE_BP = 50
MEDICAL_ER_BP = 980
MEDICAL_EE_BP = 200
MEDICAL_EE_FIXED_FEN = 300  # + 3 yuan a month (大额医疗互助)
# Work injury: employer only, by industry class (1 … 8), 0.2 % … 1.9 %.
INJURY_CLASS_BP = {1: 20, 2: 40, 3: 70, 4: 90, 5: 110, 6: 130, 7: 160, 8: 190}

# Flexible employment (灵活就业): everything is paid by the person (approximation of Beijing practice):
# pension 20 % (8 % to the personal account), medical 7 %, unemployment 1 % for Beijing hukou only.
FLEX_PENSION_BP = 2000
FLEX_MEDICAL_BP = 700
FLEX_UNEMPLOYMENT_BP = 100

# Beijing average monthly wage used for base limits, yuan (approximate; anchors, interpolated between).
_WAGE_ANCHORS = {
    1992: 280, 1995: 700, 2000: 1300, 2005: 2730, 2010: 4200, 2015: 7090, 2019: 8847,
    2020: 9400, 2021: 9911, 2022: 10628, 2023: 11297, 2024: 11761, 2025: 12200, 2026: 12600,
}  # fmt: skip
FIRST_YEAR = 1992


@functools.cache
def average_wage(year: int) -> int:
    """Yuan per month; geometric interpolation between anchors, flat outside them."""
    years = sorted(_WAGE_ANCHORS)
    if year <= years[0]:
        return _WAGE_ANCHORS[years[0]]
    if year >= years[-1]:
        return _WAGE_ANCHORS[years[-1]]
    lo = max(y for y in years if y <= year)
    hi = min(y for y in years if y >= year)
    if lo == hi:
        return _WAGE_ANCHORS[lo]
    a, b = _WAGE_ANCHORS[lo], _WAGE_ANCHORS[hi]
    return round(a * (b / a) ** ((year - lo) / (hi - lo)))


@dataclass(frozen=True)
class BaseLimits:
    lower: int  # yuan
    upper: int


@functools.cache
def base_limits(year: int) -> BaseLimits:
    w = average_wage(year)
    return BaseLimits(lower=round(w * (0.6 if year >= 2019 else 0.4)), upper=w * 3)


def clamp_base(year: int, wanted: int) -> int:
    lim = base_limits(year)
    return min(max(wanted, lim.lower), lim.upper)


def part(base_fen: int, bp: int) -> int:
    """An amount in fen: base × rate, rounded half up to the fen."""
    return (base_fen * bp + 5000) // 10000


class MonthAmounts(NamedTuple):
    pension_base: int
    pension_er: int
    pension_ee: int
    unemployment_base: int
    unemployment_er: int
    unemployment_ee: int
    injury_base: int
    injury_er: int
    medical_base: int
    medical_er: int
    medical_ee: int
    pension_account: int


def employee_month(base_yuan: int, injury_bp: int) -> MonthAmounts:
    b = base_yuan * 100
    return MonthAmounts(
        pension_base=b,
        pension_er=part(b, PENSION_ER_BP),
        pension_ee=part(b, PENSION_EE_BP),
        unemployment_base=b,
        unemployment_er=part(b, UNEMPLOYMENT_ER_BP),
        unemployment_ee=part(b, UNEMPLOYMENT_EE_BP),
        injury_base=b,
        injury_er=part(b, injury_bp),
        medical_base=b,
        medical_er=part(b, MEDICAL_ER_BP),
        medical_ee=part(b, MEDICAL_EE_BP) + MEDICAL_EE_FIXED_FEN,
        pension_account=part(b, PENSION_ACCOUNT_BP),
    )


def flexible_month(base_yuan: int, beijing_hukou: bool) -> MonthAmounts:
    b = base_yuan * 100
    return MonthAmounts(
        pension_base=b,
        pension_er=0,
        pension_ee=part(b, FLEX_PENSION_BP),
        unemployment_base=b if beijing_hukou else 0,
        unemployment_er=0,
        unemployment_ee=part(b, FLEX_UNEMPLOYMENT_BP) if beijing_hukou else 0,
        injury_base=0,
        injury_er=0,
        medical_base=b,
        medical_er=0,
        medical_ee=part(b, FLEX_MEDICAL_BP),
        pension_account=part(b, PENSION_ACCOUNT_BP),
    )
