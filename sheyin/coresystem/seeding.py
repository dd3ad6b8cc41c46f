"""Bulk loading of the simulated core (seed_core, demo data, benchmark).

Rows go in with one multi-row statement per chunk: `executemany` inside a transaction on SQLite,
COPY into a staging table on PostgreSQL (then INSERT … ON CONFLICT DO NOTHING, so a rerun or a rare
duplicate ID number is skipped, not an error). A person's contribution history is generated from the
person's seed; it is stored now for `history_share` of the persons and on first access for the rest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from sheyin.common.crypto import blind_index, encrypt

from . import generator
from .models import BenefitPayment, ContributionMonth, Employer, InsuredPerson

PERSON_COLUMNS = [
    "name", "id_number_enc", "id_index", "id_masked", "gender", "birth_date", "card_number", "phone_enc",
    "hukou_code", "seed", "history_ready", "created_at",
]  # fmt: skip
MONTH_COLUMNS = [
    "person_id", "month", "employer_id", "kind", "pension_base", "pension_er", "pension_ee",
    "unemployment_base", "unemployment_er", "unemployment_ee", "injury_base", "injury_er",
    "medical_base", "medical_er", "medical_ee", "pension_account",
]  # fmt: skip
BENEFIT_COLUMNS = ["person_id", "month", "kind", "amount"]
EMPLOYER_COLUMNS = ["slot", "name", "uscc", "district_code", "industry_class", "injury_rate_bp"]


def _insert(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]], conflict: str | None) -> None:
    """Insert many rows fast; rows that clash on `conflict` (a unique column list) are skipped."""
    if not rows:
        return
    cols = ", ".join(columns)
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            stage = f"stage_{table}"
            # Only the columns being loaded: the id is an identity column the final INSERT fills in.
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {stage} AS SELECT {cols} FROM {qn(table)} WITH NO DATA"  # noqa: S608
            )
            cur.execute(f"TRUNCATE {stage}")
            with cur.cursor.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            on = f" ON CONFLICT ({conflict}) DO NOTHING" if conflict else ""
            cur.execute(f"INSERT INTO {qn(table)} ({cols}) SELECT {cols} FROM {stage}{on}")  # noqa: S608
        else:
            verb = "INSERT OR IGNORE" if conflict else "INSERT"
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"{verb} INTO {qn(table)} ({cols}) VALUES ({marks})", rows)


def seed_employers(count: int) -> int:
    """Employers with slots 0 … count-1 (existing slots kept). Returns how many were added."""
    have = Employer.objects.count()
    if have >= count:
        return 0
    rows = []
    for slot in range(have, count):
        e = generator.employer_for_slot(slot)
        rows.append((e.slot, e.name, e.uscc, e.district_code, e.industry_class, e.injury_rate_bp))
    for start in range(0, len(rows), 20_000):
        with transaction.atomic():
            _insert(Employer._meta.db_table, EMPLOYER_COLUMNS, rows[start : start + 20_000], "uscc")
    return count - have


class EmployerBook:
    """Employer slot → (pk, injury rate), loaded once per run."""

    def __init__(self) -> None:
        rows = list(Employer.objects.order_by("slot").values_list("slot", "pk", "injury_rate_bp"))
        self.count = len(rows)
        self.pk = {slot: pk for slot, pk, _bp in rows}
        self.bp = {slot: bp for slot, _pk, bp in rows}

    def injury_bp(self, slot: int) -> int:
        return self.bp[slot]


def history_rows(person_id: int, seed: int, birth: dt.date, gender: str, hukou: str, book: EmployerBook,
                 today: dt.date, continuous: tuple[dt.date, int] | None = None,
                 ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:  # fmt: skip
    h = generator.generate_history(
        seed=seed,
        birth=birth,
        gender=gender,
        beijing_hukou=hukou.startswith("11"),
        employer_count=book.count,
        injury_bp=book.injury_bp,
        today=today,
        continuous=continuous,
    )
    months = [
        (person_id, m, book.pk[slot] if slot is not None else None, kind, *a) for m, slot, kind, a in h.months
    ]
    benefits = [(person_id, m, kind, amount) for m, kind, amount in h.benefits]
    return months, benefits


def store_histories(people: Iterable[tuple[int, int, dt.date, str, str]], book: EmployerBook,
                    today: dt.date | None = None) -> int:  # fmt: skip
    """Generate and store the histories of (pk, seed, birth, gender, hukou) persons. Returns months stored."""
    today = today or timezone.localdate()
    months: list[tuple[Any, ...]] = []
    benefits: list[tuple[Any, ...]] = []
    pks: list[int] = []
    stored = 0

    def flush() -> None:
        nonlocal stored
        with transaction.atomic():
            _insert(ContributionMonth._meta.db_table, MONTH_COLUMNS, months, "person_id, month")
            _insert(BenefitPayment._meta.db_table, BENEFIT_COLUMNS, benefits, "person_id, month, kind")
            InsuredPerson.objects.filter(pk__in=pks).update(history_ready=True)
        stored += len(months)
        months.clear()
        benefits.clear()
        pks.clear()

    for pk, seed, birth, gender, hukou in people:
        m, b = history_rows(pk, seed, birth, gender, hukou, book, today)
        months.extend(m)
        benefits.extend(b)
        pks.append(pk)
        if len(months) >= 200_000:
            flush()
    flush()
    return stored


def person_row(p: generator.PersonSeed, now: dt.datetime) -> tuple[Any, ...]:
    return (
        p.name, encrypt(p.id_number), blind_index(p.id_number), p.id_masked, p.gender, p.birth_date,
        p.card_number, encrypt(p.phone), p.hukou_code, p.seed, False, now,
    )  # fmt: skip


def seed_persons(
    target: int,
    *,
    seed: int = 20261126,
    history_share: float = 0.05,
    chunk: int = 50_000,
    progress: Callable[[str], None] | None = None,
) -> tuple[int, int]:
    """Bring the number of persons up to `target`. Returns (persons added, contribution months stored)."""
    say = progress or (lambda _msg: None)
    have = InsuredPerson.objects.count()
    if have >= target:
        return 0, 0
    seed_employers(max(200, target // 20))
    book = EmployerBook()
    now = timezone.now()
    today = timezone.localdate()
    rng = np.random.default_rng([seed, have])
    table = InsuredPerson._meta.db_table
    added = months = 0
    cut = int(history_share * 10_000)
    while have + added < target:
        n = min(chunk, target - have - added)
        batch = generator.person_batch(rng, n)
        last_pk = InsuredPerson.objects.aggregate(m=Max("pk"))["m"] or 0
        with transaction.atomic():
            _insert(table, PERSON_COLUMNS, [person_row(p, now) for p in batch], "id_index")
        new = InsuredPerson.objects.filter(pk__gt=last_pk)
        added += new.count()  # a rare duplicate ID number is skipped and made up by the next chunk
        if cut:
            rows = new.values_list("pk", "seed", "birth_date", "gender", "hukou_code")
            months += store_histories([r for r in rows if r[1] % 10_000 < cut], book, today)
        say(f"persons: {have + added:,}/{target:,}, contribution months stored: {months:,}")
    return added, months


def ensure_person(p: generator.PersonSeed, *, with_history: bool = True) -> int:
    """A known person (demo, tests): inserted once, found by blind index afterwards. Returns the pk."""
    index = blind_index(p.id_number)
    pk = InsuredPerson.objects.filter(id_index=index).values_list("pk", flat=True).first()
    if pk is None:
        seed_employers(200)
        with transaction.atomic():
            _insert(InsuredPerson._meta.db_table, PERSON_COLUMNS, [person_row(p, timezone.now())], "id_index")
        pk = InsuredPerson.objects.get(id_index=index).pk
    if with_history and not InsuredPerson.objects.filter(pk=pk, history_ready=True).exists():
        store_histories([(pk, p.seed, p.birth_date, p.gender, p.hukou_code)], EmployerBook())
    return pk
