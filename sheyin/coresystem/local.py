"""The simulated SI core: the `CoreSystem` protocol over this app's own tables.

It acts as the external core would: it finds people by ID number through the blind index, keeps its own
case numbers and results, and produces rights records. Writes here are the core's own business (it is
not the platform), so they are not platform services; the platform's services call it after their own
permission checks and audit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.common.crypto import blind_index, decrypt
from sheyin.common.identifiers import check_id_number

from .adapter import BenefitRow, CaseResult, CaseSubmission, Employer, MonthRow, Person, RightsRecord
from .models import BenefitPayment, ContributionMonth, CoreCase, InsuredPerson
from .models import Employer as EmployerRow

PERSON_FIELDS = ("pk", "name", "id_masked", "id_index", "gender", "birth_date", "hukou_code")
MONTH_VALUES = (
    "month", "employer_id", "kind", "pension_base", "pension_er", "pension_ee", "unemployment_base",
    "unemployment_er", "unemployment_ee", "injury_base", "injury_er", "medical_base", "medical_er",
    "medical_ee", "pension_account",
)  # fmt: skip
FLEXIBLE_LABEL = "灵活就业"


def _person(values: tuple[Any, ...]) -> Person:
    pk, name, masked, index, gender, birth, hukou = values
    return Person(str(pk), name, masked, index, gender, birth, hukou)


def _pk(ref: str) -> int:
    """The core's key from a reference; 0 (no such row) for anything else."""
    return int(ref) if ref and ref.isdigit() else 0


class LocalCore:
    # --- people and employers -------------------------------------------------------------------

    def find_person(self, id_number: str) -> Person | None:
        checked = check_id_number(id_number)
        if not checked.ok:
            return None
        row = (
            InsuredPerson.objects.filter(id_index=blind_index(checked.value))
            .values_list(*PERSON_FIELDS)
            .first()
        )
        return _person(row) if row else None

    def person(self, ref: str) -> Person | None:
        pk = _pk(ref)
        row = InsuredPerson.objects.filter(pk=pk).values_list(*PERSON_FIELDS).first() if pk else None
        return _person(row) if row else None

    def card_matches(self, ref: str, card_number: str) -> bool:
        stored = InsuredPerson.objects.filter(pk=_pk(ref)).values_list("card_number", flat=True).first()
        given = card_number.strip().upper()
        return bool(stored) and bool(given) and secrets.compare_digest((stored or "").upper(), given)

    def reveal_id_number(self, ref: str) -> str:
        enc = InsuredPerson.objects.filter(pk=_pk(ref)).values_list("id_number_enc", flat=True).first()
        return decrypt(enc) if enc else ""

    def contact_phone(self, ref: str) -> str:
        enc = InsuredPerson.objects.filter(pk=_pk(ref)).values_list("phone_enc", flat=True).first()
        return decrypt(enc) if enc else ""

    def find_employer(self, uscc: str) -> Employer | None:
        e = EmployerRow.objects.filter(uscc=uscc.strip().upper()).first()
        return Employer(str(e.pk), e.name, e.uscc, e.district_code) if e else None

    # --- cases ----------------------------------------------------------------------------------

    def submit_case(self, submission: CaseSubmission) -> CaseResult:
        now = timezone.now()
        person_pk = _pk(submission.person_ref or "")
        accepted, message = True, _("已办结")
        if submission.person_ref and not InsuredPerson.objects.filter(pk=person_pk).exists():
            accepted, message = False, _("核心系统中没有该参保人员。")
        elif person_pk and "停保" in submission.item_name and "灵活就业" in submission.item_name:
            last = ContributionMonth.objects.filter(person_id=person_pk).order_by("-month").first()
            if last is None or last.kind != ContributionMonth.Kind.FLEXIBLE:
                accepted, message = False, _("该人员当前不是灵活就业参保状态，不能办理停保登记。")
        for _attempt in range(5):
            reference = f"HX{timezone.localdate():%Y%m%d}{secrets.randbelow(10**8):08d}"
            try:
                with transaction.atomic():
                    CoreCase.objects.create(
                        reference=reference,
                        item_code=submission.item_code,
                        item_name=submission.item_name,
                        person_id=person_pk,
                        outlet_code=submission.outlet_code,
                        operator=submission.operator,
                        received_at=now,
                        result=CoreCase.Result.COMPLETED if accepted else CoreCase.Result.REJECTED,
                        message=message,
                        payload={"materials": list(submission.materials), **submission.payload},
                    )
                break
            except IntegrityError:
                continue
        return CaseResult(reference, accepted, message, now)

    # --- contributions and the rights record ----------------------------------------------------

    def _ensure_history(self, pk: int) -> None:
        """Histories not stored at seeding are generated from the person's seed now, once."""
        if InsuredPerson.objects.filter(pk=pk, history_ready=True).exists():
            return
        from .seeding import EmployerBook, store_histories

        with transaction.atomic():
            row = (
                InsuredPerson.objects.select_for_update()
                .filter(pk=pk, history_ready=False)
                .values_list("pk", "seed", "birth_date", "gender", "hukou_code")
                .first()
            )
            if row is not None:
                store_histories([row], EmployerBook())

    def contributions(
        self, ref: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[MonthRow]:
        pk = _pk(ref)
        if not pk:
            return []
        self._ensure_history(pk)
        qs = ContributionMonth.objects.filter(person_id=pk)
        if start:
            qs = qs.filter(month__gte=start)
        if end:
            qs = qs.filter(month__lte=end)
        raw = list(qs.order_by("month").values_list(*MONTH_VALUES))
        names = dict(EmployerRow.objects.filter(pk__in={r[1] for r in raw if r[1]}).values_list("pk", "name"))
        return [MonthRow(r[0], names.get(r[1], FLEXIBLE_LABEL), r[2], *r[3:]) for r in raw]

    def benefits(
        self, ref: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[BenefitRow]:
        qs = BenefitPayment.objects.filter(person_id=_pk(ref))
        if start:
            qs = qs.filter(month__gte=start)
        if end:
            qs = qs.filter(month__lte=end)
        labels = dict(BenefitPayment.Kind.choices)
        return [
            BenefitRow(m, k, str(labels.get(k, k)), a)
            for m, k, a in qs.order_by("month", "kind").values_list("month", "kind", "amount")
        ]

    def rights_record(
        self, ref: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> RightsRecord:
        person = self.person(ref)
        if person is None:
            raise LookupError("no such person")
        rows = self.contributions(ref, start, end)
        benefits = self.benefits(ref, start, end)
        first = rows[0].month if rows else None
        last = rows[-1].month if rows else None
        return RightsRecord(
            person=person, rows=rows, benefits=benefits, period_start=start or first, period_end=end or last
        )
