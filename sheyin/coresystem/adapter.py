"""The adapter the rest of the platform calls to reach the SI core system (design.md).

Callers depend only on the `CoreSystem` protocol and the plain data classes below; `get_core()` returns
the configured implementation (setting `SHEYIN_CORE_SYSTEM`, a dotted path; default: the simulated core
in `sheyin.coresystem.local`). Nothing here returns a clear ID number except `reveal_id_number`, which
callers use only behind an audited, stated-reason view (R9.3).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from sheyin.common.crypto import sm3_hex


@dataclass(frozen=True)
class Person:
    ref: str  # the core's own key for the person: opaque to callers, never an ID number
    name: str
    id_masked: str
    id_index: str
    gender: str
    birth_date: dt.date
    hukou_code: str


@dataclass(frozen=True)
class Employer:
    ref: str
    name: str
    uscc: str
    district_code: str


class MonthRow(NamedTuple):
    """One month of a rights record; amounts in fen (a tuple: 360 of them are built per record)."""

    month: dt.date
    employer: str
    kind: str  # "E" employee, "F" flexible employment
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


AMOUNT_FIELDS = MonthRow._fields[3:]


class BenefitRow(NamedTuple):
    month: dt.date
    kind: str
    label: str
    amount: int


@dataclass(frozen=True)
class Summary:
    pension_months: int
    unemployment_months: int
    injury_months: int
    medical_months: int
    pension_account: int  # fen, principal only (the simulation credits no interest)
    totals: dict[str, int]  # amount field -> sum in fen
    benefit_totals: dict[str, int]


@dataclass
class RightsRecord:
    """个人社会保险权益记录 (人社部令第14号): registration, contributions, benefits, years and account."""

    person: Person
    rows: list[MonthRow]
    benefits: list[BenefitRow]
    period_start: dt.date | None
    period_end: dt.date | None
    summary: Summary = field(init=False)

    def __post_init__(self) -> None:
        self.summary = summarise(self.rows, self.benefits)

    def canonical_bytes(self, *, code: str, printed_at: dt.datetime) -> bytes:
        """The printed content in a fixed text form: its SM3 is the printout's content hash."""
        head = [
            "sheyin-rights-record/1",
            code,
            printed_at.isoformat(timespec="seconds"),
            self.person.name,
            self.person.id_masked,
            f"{self.period_start or ''}~{self.period_end or ''}",
        ]
        body = ["|".join(map(str, r)) for r in self.rows]
        body += ["|".join(map(str, b)) for b in self.benefits]
        s = self.summary
        tail = [
            f"{s.pension_months}|{s.unemployment_months}|{s.injury_months}|{s.medical_months}|{s.pension_account}",
            "|".join(f"{k}={v}" for k, v in sorted(s.totals.items())),
        ]
        return "\n".join(head + body + tail).encode()

    def content_hash(self, *, code: str, printed_at: dt.datetime) -> str:
        return sm3_hex(self.canonical_bytes(code=code, printed_at=printed_at))

    @classmethod
    def from_canonical(cls, data: bytes) -> tuple[RightsRecord, str, dt.datetime]:
        """The record, code and print time back from `canonical_bytes` (what a printout's archive keeps).
        Only the printed facts come back: the person has a name and a masked number, no reference."""
        lines = data.decode().split("\n")
        if len(lines) < 8 or lines[0] != "sheyin-rights-record/1":
            raise ValueError("not a rights-record content")
        code, printed, name, id_masked, period = lines[1:6]
        start, _sep, end = period.partition("~")
        rows: list[MonthRow] = []
        benefits: list[BenefitRow] = []
        for line in lines[6:-2]:
            month, _sep, rest = line.partition("|")
            parts = rest.rsplit("|", len(AMOUNT_FIELDS) + 1)
            if not benefits and len(parts) == len(AMOUNT_FIELDS) + 2:
                employer, kind, *amounts = parts
                rows.append(MonthRow(dt.date.fromisoformat(month), employer, kind, *map(int, amounts)))
            else:
                kind, _sep, tail = rest.partition("|")
                label, _sep, amount = tail.rpartition("|")
                benefits.append(BenefitRow(dt.date.fromisoformat(month), kind, label, int(amount)))
        person = Person(ref="", name=name, id_masked=id_masked, id_index="", gender="", birth_date=dt.date.min,
                        hukou_code="")  # fmt: skip
        record = cls(person=person, rows=rows, benefits=benefits,
                     period_start=dt.date.fromisoformat(start) if start else None,
                     period_end=dt.date.fromisoformat(end) if end else None)  # fmt: skip
        return record, code, dt.datetime.fromisoformat(printed)


def summarise(rows: list[MonthRow], benefits: list[BenefitRow]) -> Summary:
    totals = dict.fromkeys(AMOUNT_FIELDS, 0)
    pm = um = im = mm = 0
    for r in rows:
        if r.pension_base:
            pm += 1
        if r.unemployment_base:
            um += 1
        if r.injury_base:
            im += 1
        if r.medical_base:
            mm += 1
    for name in AMOUNT_FIELDS:
        totals[name] = sum(getattr(r, name) for r in rows)
    btotals: dict[str, int] = {}
    for b in benefits:
        btotals[b.kind] = btotals.get(b.kind, 0) + b.amount
    return Summary(pm, um, im, mm, totals["pension_account"], totals, btotals)


@dataclass(frozen=True)
class CaseSubmission:
    item_code: str
    item_name: str
    outlet_code: str
    operator: str  # the staff member's account name
    person_ref: str | None = None
    employer_ref: str | None = None
    materials: tuple[str, ...] = ()
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CaseResult:
    reference: str  # the core's business number
    accepted: bool
    message: str
    completed_at: dt.datetime


class CoreSystem(Protocol):
    def find_person(self, id_number: str) -> Person | None: ...

    def person(self, ref: str) -> Person | None: ...

    def card_matches(self, ref: str, card_number: str) -> bool: ...

    def reveal_id_number(self, ref: str) -> str: ...

    def contact_phone(self, ref: str) -> str: ...

    def find_employer(self, uscc: str) -> Employer | None: ...

    def submit_case(self, submission: CaseSubmission) -> CaseResult: ...

    def contributions(
        self, ref: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[MonthRow]: ...

    def rights_record(
        self, ref: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> RightsRecord: ...


@functools.cache
def _core(path: str) -> CoreSystem:
    core: CoreSystem = import_string(path)()
    return core


def get_core() -> CoreSystem:
    return _core(getattr(settings, "SHEYIN_CORE_SYSTEM", "sheyin.coresystem.local.LocalCore"))
