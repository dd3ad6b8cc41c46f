"""Appraisal (R7.2, R9.4, R9.5; Annex 3): a quarterly and yearly score per outlet, a grade, rankings.

Each component is a 0–100 figure for the period; the score is their weighted mean with the editable weights
(default ratings 30, inspections 30, data-analysis findings 15, archives on time 10, tickets and
rectification 15). A component with no data in the period (no rating, no inspection, nothing due) is
left out and the remaining weights carry the score: an outlet is neither rewarded nor punished for
what did not happen. Components:
- ratings: the ratings app's `outlet_scores` score;
- inspections: mean score of the inspections done in the period;
- findings: 100 − penalty × findings from data rules, public feedback and rating bursts (not dismissed);
- archives: share of archive records due in the period that were sent on or before their due date;
- tickets: share of tickets due to close and rectification orders due in the period that were met on time.
Grades: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格 below (editable lines). Ranks: competition ranking by score,
per district and city-wide. A failed appraisal records a formal talk and a rectification; a second failed
year in a row proposes unilateral termination (R6.3).
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require
from sheyin.accounts.roles import Role
from sheyin.audit.services import record
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify

from .models import (
    Appraisal,
    Finding,
    FormalTalk,
    Inspection,
    Rectification,
    SupervisionSettings,
    TerminationProposal,
)
from .workflow import InspectionStatus

PENALISED = (Finding.Source.DATA_RULE, Finding.Source.PUBLIC_FEEDBACK, Finding.Source.RATING_BURST)


def period_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter == 0:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year, 3 * quarter - 2, 1)
    last = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
    return first, last


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def _ratios(rows: Any) -> dict[int, float]:
    return {r["outlet_id"]: 100.0 * r["ok"] / r["n"] for r in rows if r["n"]}


def components(start: dt.date, end: dt.date) -> dict[int, dict[str, float | None]]:
    """Per outlet id, each component (None: no data in the period). All aggregation is in SQL."""
    s = SupervisionSettings.current()
    lo, hi = _aware(start), _aware(end + dt.timedelta(days=1))
    try:
        from sheyin.ratings.statistics import outlet_scores

        ratings = {k: float(v["score"]) for k, v in outlet_scores(start, end).items()}
    except ImportError:
        ratings = {}
    insp = dict(Inspection.objects.filter(status=InspectionStatus.DONE, visited_at__gte=lo, visited_at__lt=hi)
                .values("outlet_id").annotate(a=Avg("score")).values_list("outlet_id", "a"))  # fmt: skip
    nfind = dict(Finding.objects.filter(source__in=PENALISED, found_at__gte=lo, found_at__lt=hi)
                 .exclude(status="dismissed").values("outlet_id").annotate(n=Count("id"))
                 .values_list("outlet_id", "n"))  # fmt: skip
    try:
        from sheyin.casework.models import ArchiveRecord

        archives = _ratios(ArchiveRecord.objects.filter(due_date__gte=start, due_date__lte=end).values("outlet_id")
                           .annotate(n=Count("id"), ok=Count("id", filter=Q(batch__sent_at__date__lte=F("due_date")))))  # fmt: skip
    except ImportError:
        archives = {}
    from sheyin.support.models import Ticket

    t_rows = {r["outlet_id"]: r for r in Ticket.objects.filter(close_due__gte=start, close_due__lte=end)
              .values("outlet_id").annotate(n=Count("id"), ok=Count("id", filter=Q(closed_at__date__lte=F("close_due"))))}  # fmt: skip
    r_rows = {r["outlet_id"]: r for r in Rectification.objects.filter(due_date__gte=start, due_date__lte=end)
              .values("outlet_id").annotate(n=Count("id"), ok=Count("id", filter=Q(answered_at__date__lte=F("due_date"))))}  # fmt: skip
    out: dict[int, dict[str, float | None]] = {}
    for oid in Outlet.objects.filter(status__in=[OutletStatus.OPERATING, OutletStatus.SUSPENDED, OutletStatus.ACCEPTED]
                                     ).values_list("pk", flat=True):  # fmt: skip
        n = t_rows.get(oid, {}).get("n", 0) + r_rows.get(oid, {}).get("n", 0)
        ok = t_rows.get(oid, {}).get("ok", 0) + r_rows.get(oid, {}).get("ok", 0)
        out[oid] = {
            "ratings": ratings.get(oid),
            "inspections": float(insp[oid]) if insp.get(oid) is not None else None,
            "findings": float(max(0, 100 - s.finding_penalty * nfind.get(oid, 0))),
            "archives": archives.get(oid),
            "tickets": 100.0 * ok / n if n else None,
        }
    return out


def score_of(parts: dict[str, float | None], weights: dict[str, int]) -> Decimal:
    used = {k: w for k, w in weights.items() if parts.get(k) is not None and w}
    total = sum(used.values())
    if not total:
        return Decimal("0.00")
    value = sum((Decimal(str(parts[k])) * w for k, w in used.items()), Decimal(0)) / Decimal(total)
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def grade_of(score: Decimal, s: SupervisionSettings) -> str:
    if score >= s.grade_excellent:
        return Appraisal.Grade.EXCELLENT
    if score >= s.grade_good:
        return Appraisal.Grade.GOOD
    if score >= s.grade_pass:
        return Appraisal.Grade.PASS
    return Appraisal.Grade.FAIL


def appraisal_compute(*, year: int, quarter: int = 0, by: Any = None) -> list[Appraisal]:
    """Compute (or recompute) every outlet's appraisal for the period; idempotent."""
    require(by, "supervision.compute_appraisals")
    if not 0 <= quarter <= 4:
        raise ValueError("quarter must be 0..4")
    s = SupervisionSettings.current()
    start, end = period_bounds(year, quarter)
    parts = components(start, end)
    outlets = {o.pk: o for o in Outlet.objects.filter(pk__in=parts)}
    rows: list[Appraisal] = []
    with transaction.atomic():
        for oid, comp in parts.items():
            o = outlets[oid]
            sc = score_of(comp, s.weights)
            a, _created = Appraisal.objects.update_or_create(
                outlet=o, year=year, quarter=quarter,
                defaults={"district_id": o.district_id, "bank_id": o.bank_id, "components": comp, "score": sc,
                          "grade": grade_of(sc, s)},
            )  # fmt: skip
            rows.append(a)
        _rank(rows)
        record(action="appraisal.compute", by=by, object_type="supervision.appraisal",
               object_id=f"{year}Q{quarter}", after={"outlets": len(rows), "weights": s.weights})  # fmt: skip
        for a in rows:
            if a.failed:
                _consequences(a, by)
    return rows


def _rank(rows: list[Appraisal]) -> None:
    ordered = sorted(rows, key=lambda a: -a.score)
    last: dict[Any, tuple[Decimal, int]] = {}
    city: tuple[Decimal, int] | None = None
    seen: dict[Any, int] = {}
    for i, a in enumerate(ordered, start=1):
        city = (a.score, city[1] if city and city[0] == a.score else i)
        seen[a.district_id] = seen.get(a.district_id, 0) + 1
        prev = last.get(a.district_id)
        last[a.district_id] = (a.score, prev[1] if prev and prev[0] == a.score else seen[a.district_id])
        a.rank_city, a.rank_district = city[1], last[a.district_id][1]
    Appraisal.objects.bulk_update(rows, ["rank_city", "rank_district"])


def _consequences(a: Appraisal, by: Any) -> None:
    """A failed appraisal: a formal talk and a rectification; the second failed year: a termination proposal."""
    from .services import _create_finding, rectification_order

    if not FormalTalk.objects.filter(appraisal=a).exists():
        FormalTalk.objects.create(appraisal=a, outlet_id=a.outlet_id, district_id=a.district_id, bank_id=a.bank_id,
                                  scheduled_date=timezone.localdate() + dt.timedelta(days=7))  # fmt: skip
        f = _create_finding(outlet=a.outlet, source=Finding.Source.APPRAISAL,
                            title=_("考核不合格（%(p)s，%(s)s分）") % {"p": a.period_label, "s": a.score},
                            evidence={"appraisal_id": a.pk, "components": a.components}, severity="high")  # fmt: skip
        rectification_order(finding=f, requirement=_("针对考核失分项逐项整改，并报送整改情况。"), by=None)
        record(action="appraisal.formal_talk", by=by, obj=a, after={"score": str(a.score)})
    if a.quarter == 0:
        prev = Appraisal.objects.filter(outlet_id=a.outlet_id, year=a.year - 1, quarter=0,
                                        grade=Appraisal.Grade.FAIL).first()  # fmt: skip
        if prev and not TerminationProposal.objects.filter(appraisal=a).exists():
            p = TerminationProposal.objects.create(outlet_id=a.outlet_id, district_id=a.district_id,
                                                   bank_id=a.bank_id, appraisal=a, previous=prev)  # fmt: skip
            record(action="termination_proposal.create", by=by, obj=p,
                   reason=_("连续两年考核不合格（R6.3）"))  # fmt: skip
            from sheyin.accounts.models import RoleAssignment

            heads = [r.user for r in RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN, agency_id=a.district_id)
                     .select_related("user")]  # fmt: skip
            notify(users=heads, title=_("连续两年考核不合格，建议单方解除合作：%(o)s") % {"o": a.outlet},
                   kind=Notification.Kind.ALERT)  # fmt: skip
