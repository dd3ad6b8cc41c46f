"""Demo data for the simulated SI core: a few thousand insured persons with full histories, and two known
persons whose ID and card numbers are printed so the kiosk and the window can be tried."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sheyin.common.identifiers import make_id_number

from .generator import PersonSeed
from .seeding import ensure_person, seed_persons

DEMO_PERSONS = 3000

# A Chaoyang resident with a long career, and a Haidian resident (served anywhere: 无差别受理).
KNOWN = [
    PersonSeed(name="王建国", id_number=make_id_number("11010519780315003"), gender="M",
               birth_date=dt.date(1978, 3, 15), card_number="B88886666", phone="13800138000",
               hukou_code="110105", seed=20261126001),
    PersonSeed(name="李秀英", id_number=make_id_number("11010819900307002"), gender="F",
               birth_date=dt.date(1990, 3, 7), card_number="B66668888", phone="13900139000",
               hukou_code="110108", seed=20261126002),
]  # fmt: skip


def seed(rng: random.Random, stdout: Any) -> None:
    added, months = seed_persons(DEMO_PERSONS, history_share=1.0)
    for p in KNOWN:
        ensure_person(p)
    stdout.write(f"core system demo data: {added} insured persons added ({months} contribution months)")
    for p in KNOWN:
        stdout.write(f"  demo insured person {p.name}: ID number {p.id_number}, card number {p.card_number}")
