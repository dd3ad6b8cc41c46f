"""Appraisal (R7.2, R9.4, R9.5; Annex 3): a quarterly and yearly score per outlet, a grade, rankings.

The rule is decision record 0115. Each indicator is a 0–100 figure for the period, counted only when the
outlet has data for it; the score is the weighted mean of those indicators with the editable weights
re-normalised over them (default ratings 30, inspections 30, data-analysis findings 15, archives on time
10, tickets and rectification 15):
- ratings: the ratings app's `outlet_scores` score, when the period holds at least `min_ratings` ratings;
- inspections: mean score of the inspections done in the period, when there is one;
- findings: 100 − penalty × findings from data rules, public feedback and rating bursts (not dismissed),
  when the outlet accepted at least `min_cases` cases (something the rules could look at) or has a finding;
- archives: share of archive records due in the period that were sent on or before their due date;
- tickets: share of tickets due to close and rectification orders due in the period met on time.
When the indicators with data carry less than `min_coverage` % of the weight, the outlet is marked
数据不足: no score, no grade, no rank and no consequence. Grades: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, 不合格
below (editable lines). Ranks: competition ranking by score among graded outlets, per district and city-wide.

A period is appraised only after it ends; a running period may be previewed (nothing is stored, so nothing
can follow from it). A failed appraisal schedules a formal talk (约谈) and orders rectification; a second
failed year in a row proposes unilateral termination (R6.3) — a 数据不足 year is neither.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import require
from sheyin.accounts.roles import Role
from sheyin.audit.services import record
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from .models import (
    Appraisal,
    Finding,
    FormalTalk,
    Inspection,
    Rectification,
    SupervisionSettings,
    TerminationProposal,
    period_name,
)
from .workflow import InspectionStatus

PENALISED = (Finding.Source.DATA_RULE, Finding.Source.PUBLIC_FEEDBACK, Finding.Source.RATING_BURST)
INDICATORS = [
    ("ratings", gettext_lazy("好差评")),
    ("inspections", gettext_lazy("现场检查")),
    ("findings", gettext_lazy("数据分析发现")),
    ("archives", gettext_lazy("档案按时移交")),
    ("tickets", gettext_lazy("问题处理与整改")),
]
# The data behind each indicator, as the detail page names it.
FIGURES = [
    ("ratings", gettext_lazy("评价数")),
    ("inspections", gettext_lazy("现场检查次数")),
    ("cases", gettext_lazy("受理业务量")),
    ("findings", gettext_lazy("数据分析发现数")),
    ("archives", gettext_lazy("到期档案数")),
    ("tickets", gettext_lazy("到期工单和整改数")),
]
TALK_DAYS = 7  # the talk is scheduled a week after the appraisal (the district may record another date)


def period_bounds(year: int, quarter: int) -> tuple[dt.date, dt.date]:
    if quarter == 0:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    first = dt.date(year, 3 * quarter - 2, 1)
    last = (dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)) - dt.timedelta(days=1)
    return first, last


def period_ended(year: int, quarter: int, today: dt.date | None = None) -> bool:
    return period_bounds(year, quarter)[1] < (today or timezone.localdate())


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


@dataclass
class Assessment:
    """One outlet's appraisal for a period, before it is stored (or shown as a preview)."""

    components: dict[str, float | None]
    figures: dict[str, int]
    weights: dict[str, float]
    coverage: int
    score: Decimal | None
    grade: str


def _data(start: dt.date, end: dt.date) -> dict[int, tuple[dict[str, float | None], dict[str, int]]]:
    """Per outlet id: each indicator's figure (None: no data in the period) and the volume of data behind
    it. All aggregation is in SQL."""
    s = SupervisionSettings.current()
    lo, hi = _aware(start), _aware(end + dt.timedelta(days=1))
    try:
        from sheyin.ratings.statistics import outlet_scores

        rated = outlet_scores(start, end)
    except ImportError:
        rated = {}
    insp = {r["outlet_id"]: r for r in Inspection.objects.filter(status=InspectionStatus.DONE, visited_at__gte=lo,
            visited_at__lt=hi).values("outlet_id").annotate(a=Avg("score"), n=Count("id"))}  # fmt: skip
    nfind = dict(Finding.objects.filter(source__in=PENALISED, found_at__gte=lo, found_at__lt=hi)
                 .exclude(status="dismissed").values("outlet_id").annotate(n=Count("id"))
                 .values_list("outlet_id", "n"))  # fmt: skip
    try:
        from sheyin.casework import selectors as casework

        cases = casework.case_counts(lo, hi)
        archives = {r["outlet_id"]: r for r in casework.archives_due(start, end)}
    except ImportError:
        cases, archives = {}, {}
    from sheyin.support.selectors import tickets_due

    t_rows = {r["outlet_id"]: r for r in tickets_due(start, end)}
    r_rows = {r["outlet_id"]: r for r in Rectification.objects.filter(due_date__gte=start, due_date__lte=end)
              .values("outlet_id").annotate(n=Count("id"), ok=Count("id", filter=Q(answered_at__date__lte=F("due_date"))))}  # fmt: skip
    out: dict[int, tuple[dict[str, float | None], dict[str, int]]] = {}
    for oid in Outlet.objects.filter(status__in=[OutletStatus.OPERATING, OutletStatus.SUSPENDED, OutletStatus.ACCEPTED]
                                     ).values_list("pk", flat=True):  # fmt: skip
        n_rated = int(rated.get(oid, {}).get("ratings") or 0)
        n_insp = int(insp.get(oid, {}).get("n") or 0)
        n_cases, n_find = int(cases.get(oid, 0)), int(nfind.get(oid, 0))
        n_arch, ok_arch = archives.get(oid, {}).get("n", 0), archives.get(oid, {}).get("ok", 0)
        n_due = t_rows.get(oid, {}).get("n", 0) + r_rows.get(oid, {}).get("n", 0)
        ok_due = t_rows.get(oid, {}).get("ok", 0) + r_rows.get(oid, {}).get("ok", 0)
        parts: dict[str, float | None] = {
            "ratings": float(rated[oid]["score"]) if n_rated and n_rated >= s.min_ratings else None,
            "inspections": float(insp[oid]["a"]) if n_insp else None,
            "findings": float(max(0, 100 - s.finding_penalty * n_find))
            if n_find or (n_cases and n_cases >= s.min_cases)
            else None,
            "archives": 100.0 * ok_arch / n_arch if n_arch else None,
            "tickets": 100.0 * ok_due / n_due if n_due else None,
        }
        figures = {"ratings": n_rated, "inspections": n_insp, "cases": n_cases, "findings": n_find,
                   "archives": n_arch, "tickets": n_due}  # fmt: skip
        out[oid] = (parts, figures)
    return out


def components(start: dt.date, end: dt.date) -> dict[int, dict[str, float | None]]:
    """Per outlet id, each indicator (None: no data in the period)."""
    return {oid: parts for oid, (parts, _figures) in _data(start, end).items()}


def grade_of(score: Decimal, s: SupervisionSettings) -> str:
    if score >= s.grade_excellent:
        return Appraisal.Grade.EXCELLENT
    if score >= s.grade_good:
        return Appraisal.Grade.GOOD
    if score >= s.grade_pass:
        return Appraisal.Grade.PASS
    return Appraisal.Grade.FAIL


def assess(parts: dict[str, float | None], figures: dict[str, int], s: SupervisionSettings) -> Assessment:
    """Weights re-normalised over the indicators with data; 数据不足 below the minimum coverage."""
    configured = s.weights
    total = sum(configured.values())
    used = {k: w for k, w in configured.items() if parts.get(k) is not None and w}
    coverage = round(100 * sum(used.values()) / total) if total else 0
    weights = {k: round(100 * w / sum(used.values()), 2) for k, w in used.items()} if used else {}
    if not used or coverage < s.min_coverage:
        return Assessment(parts, figures, weights, coverage, None, Appraisal.Grade.INSUFFICIENT)
    value = sum((Decimal(str(parts[k])) * w for k, w in used.items()), Decimal(0)) / Decimal(
        sum(used.values())
    )
    score = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Assessment(parts, figures, weights, coverage, score, grade_of(score, s))


def score_of(parts: dict[str, float | None], weights: dict[str, int]) -> Decimal:
    """The weighted mean of the indicators with data (kept for callers that only want the figure)."""
    used = {k: w for k, w in weights.items() if parts.get(k) is not None and w}
    if not used:
        return Decimal("0.00")
    value = sum((Decimal(str(parts[k])) * w for k, w in used.items()), Decimal(0)) / Decimal(
        sum(used.values())
    )
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _build(year: int, quarter: int, today: dt.date) -> list[Appraisal]:
    """Every appraised outlet's result for the period (unsaved), ranked. A running period is assessed on
    the data so far."""
    s = SupervisionSettings.current()
    start, end = period_bounds(year, quarter)
    data = _data(start, min(end, today))
    outlets = {o.pk: o for o in Outlet.objects.filter(pk__in=data)}
    rows = []
    for oid, (parts, figures) in data.items():
        o, a = outlets[oid], assess(parts, figures, s)
        rows.append(Appraisal(outlet=o, district_id=o.district_id, bank_id=o.bank_id, year=year, quarter=quarter,
                              components=a.components, figures=a.figures, weights=a.weights, coverage=a.coverage,
                              score=a.score, grade=a.grade))  # fmt: skip
    _rank(rows)
    return rows


def appraisal_preview(
    *, year: int, quarter: int = 0, by: Any, today: dt.date | None = None
) -> list[Appraisal]:
    """What the appraisal would say now, for a running or an ended period: computed, never stored, so no
    grade is published and no talk, rectification or termination can follow from it."""
    require(by, "supervision.compute_appraisals")
    if not 0 <= quarter <= 4:
        raise ValidationError({"quarter": _("季度须为0至4。")})
    today = today or timezone.localdate()
    if period_bounds(year, quarter)[0] > today:
        raise ValidationError({"year": _("该期间尚未开始，无法预览。")})
    return _build(year, quarter, today)


def appraisal_compute(
    *, year: int, quarter: int = 0, by: Any = None, today: dt.date | None = None
) -> list[Appraisal]:
    """Compute (or recompute) every outlet's formal appraisal for an ended period; idempotent."""
    require(by, "supervision.compute_appraisals")
    if not 0 <= quarter <= 4:
        raise ValidationError({"quarter": _("季度须为0至4。")})
    today = today or timezone.localdate()
    end = period_bounds(year, quarter)[1]
    if end >= today:
        raise ValidationError({"quarter": _("%(p)s尚未结束（%(d)s结束），只能预览，不能正式考核。") % {
            "p": period_name(year, quarter), "d": end.isoformat()}})  # fmt: skip
    s = SupervisionSettings.current()
    built = _build(year, quarter, today)
    rows: list[Appraisal] = []
    with transaction.atomic():
        for b in built:
            a, _created = Appraisal.objects.update_or_create(
                outlet=b.outlet, year=year, quarter=quarter,
                defaults={"district_id": b.district_id, "bank_id": b.bank_id, "components": b.components,
                          "figures": b.figures, "weights": b.weights, "coverage": b.coverage, "score": b.score,
                          "grade": b.grade, "rank_city": b.rank_city, "rank_district": b.rank_district},
            )  # fmt: skip
            rows.append(a)
        record(action="appraisal.compute", by=by, object_type="supervision.appraisal",
               object_id=f"{year}Q{quarter}", after={"outlets": len(rows), "weights": s.weights,
               "insufficient": sum(1 for a in rows if a.insufficient), "min_coverage": s.min_coverage})  # fmt: skip
        for a in rows:
            if a.failed:
                _consequences(a, by)
    return rows


def _rank(rows: list[Appraisal]) -> None:
    """Competition ranking among the graded outlets; an outlet with too little data has no rank."""
    graded = sorted((a for a in rows if a.score is not None and not a.insufficient), key=lambda a: -a.score)  # type: ignore[operator]
    last: dict[Any, tuple[Decimal, int]] = {}
    city: tuple[Decimal, int] | None = None
    seen: dict[Any, int] = {}
    for a in rows:
        a.rank_city = a.rank_district = None
    for i, a in enumerate(graded, start=1):
        score = a.score or Decimal(0)
        city = (score, city[1] if city and city[0] == score else i)
        seen[a.district_id] = seen.get(a.district_id, 0) + 1
        prev = last.get(a.district_id)
        last[a.district_id] = (score, prev[1] if prev and prev[0] == score else seen[a.district_id])
        a.rank_city, a.rank_district = city[1], last[a.district_id][1]


def _bank_side(a: Appraisal) -> list[Any]:
    return [r.user for r in RoleAssignment.objects.filter(
        Q(role=Role.OUTLET_MANAGER, outlet_id=a.outlet_id) | Q(role=Role.BANK_ADMIN, bank_id=a.bank_id))
        .select_related("user") if r.user.is_active]  # fmt: skip


def _consequences(a: Appraisal, by: Any) -> None:
    """A failed appraisal: a formal talk and a rectification; the second failed year: a termination proposal."""
    from .services import _create_finding, rectification_order

    if not FormalTalk.objects.filter(appraisal=a).exists():
        talk = FormalTalk.objects.create(appraisal=a, outlet_id=a.outlet_id, district_id=a.district_id,
                                         bank_id=a.bank_id,
                                         scheduled_date=timezone.localdate() + dt.timedelta(days=TALK_DAYS))  # fmt: skip
        f = _create_finding(outlet=a.outlet, source=Finding.Source.APPRAISAL,
                            title=_("考核不合格（%(p)s，%(s)s分）") % {"p": a.period_name, "s": a.score},
                            evidence={"appraisal_id": a.pk, "components": a.components}, severity="high")  # fmt: skip
        rectification_order(finding=f, requirement=_("针对考核失分项逐项整改，并报送整改情况。"), by=None)
        record(action="appraisal.formal_talk", by=by, obj=a, after={"score": str(a.score), "talk": talk.pk})
        notify(users=_bank_side(a), kind=Notification.Kind.TASK,
               title=_("考核不合格，区经办机构将约谈：%(o)s（%(p)s）") % {"o": a.outlet, "p": a.period_name},
               url=reverse("supervision:talk_detail", args=[talk.pk]))  # fmt: skip
    if a.quarter == 0:
        prev = Appraisal.objects.filter(outlet_id=a.outlet_id, year=a.year - 1, quarter=0,
                                        grade=Appraisal.Grade.FAIL).first()  # fmt: skip
        if prev and not TerminationProposal.objects.filter(appraisal=a).exists():
            p = TerminationProposal.objects.create(outlet_id=a.outlet_id, district_id=a.district_id,
                                                   bank_id=a.bank_id, appraisal=a, previous=prev)  # fmt: skip
            record(action="termination_proposal.create", by=by, obj=p,
                   reason=_("连续两年考核不合格"))  # fmt: skip
            heads = [r.user for r in RoleAssignment.objects.filter(role=Role.DISTRICT_ADMIN, agency_id=a.district_id)
                     .select_related("user")]  # fmt: skip
            notify(users=heads, title=_("连续两年考核不合格，建议单方解除合作：%(o)s") % {"o": a.outlet},
                   url=reverse("supervision:appraisal_detail", args=[a.pk]), kind=Notification.Kind.ALERT)  # fmt: skip


# --- the formal talk (约谈) and its follow-up -------------------------------------------------------------


def _talk_error(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def formal_talk_record(*, talk: FormalTalk, held_at: dt.datetime | None, attendees: str, minutes: str,
                       commitments: str, commitment_due: dt.date | None = None, place: str = "",
                       by: Any) -> FormalTalk:  # fmt: skip
    """The district records the talk it held with the outlet's bank: when and where, who attended, the
    minutes and what the bank committed to (by when)."""
    from sheyin.accounts.permissions import require_scope

    from .workflow import TALK_TRANSITIONS, TalkStatus, find

    require(by, "supervision.formal_talk")
    require_scope(by, talk)
    now = timezone.now()
    errors: dict[str, str] = {}
    if held_at is None:
        errors["held_at"] = _("请填写约谈时间。")
    elif held_at > now:
        errors["held_at"] = _("约谈时间不能晚于现在：请在约谈后记录。")
    elif timezone.localdate(held_at) <= period_bounds(talk.appraisal.year, talk.appraisal.quarter)[1]:
        errors["held_at"] = _("约谈时间须在考核期间结束之后。")
    if not attendees.strip():
        errors["attendees"] = _("请填写参加人员（双方单位、姓名和职务）。")
    if not minutes.strip():
        errors["minutes"] = _("请填写约谈记录。")
    if not commitments.strip():
        errors["commitments"] = _("请填写银行方的整改承诺。")
    if commitment_due is not None and held_at is not None and commitment_due < timezone.localdate(held_at):
        errors["commitment_due"] = _("承诺完成期限不能早于约谈日期。")
    _talk_error(errors)
    with transaction.atomic():
        t = FormalTalk.objects.select_for_update().get(pk=talk.pk)
        t.status = find(TALK_TRANSITIONS, "record", t.status, by, TalkStatus).target
        t.held_at, t.place, t.attendees = held_at, place.strip()[:100], attendees.strip()
        t.minutes, t.commitments, t.commitment_due = minutes.strip(), commitments.strip(), commitment_due
        t.recorded_by, t.recorded_at = by, now
        t.save()
        record(action="formal_talk.record", by=by, obj=t,
               after={"held_at": held_at, "commitment_due": commitment_due})  # fmt: skip
        todos_done(urls=[reverse("supervision:talk_detail", args=[t.pk])])  # "the district will talk to you"
        notify(users=_bank_side(t.appraisal), kind=Notification.Kind.TASK,
               title=_("约谈记录：%(o)s，请按承诺落实整改") % {"o": t.outlet}, body=t.commitments,
               url=reverse("supervision:talk_detail", args=[t.pk]))  # fmt: skip
    return t


def formal_talk_follow_up(*, talk: FormalTalk, fulfilled: bool | None, note: str, by: Any) -> FormalTalk:
    """The district checks the commitments and closes the talk. Commitments not kept become a finding of
    their own (severity 严重) with a rectification order."""
    from sheyin.accounts.permissions import require_scope

    from .services import _create_finding, rectification_order
    from .workflow import TALK_TRANSITIONS, TalkStatus, find

    require(by, "supervision.formal_talk")
    require_scope(by, talk)
    errors: dict[str, str] = {}
    if fulfilled is None:
        errors["fulfilled"] = _("请选择承诺是否已落实。")
    if not note.strip():
        errors["note"] = _("请填写跟踪落实情况。")
    _talk_error(errors)
    with transaction.atomic():
        t = FormalTalk.objects.select_for_update().select_related("outlet").get(pk=talk.pk)
        t.status = find(TALK_TRANSITIONS, "follow_up", t.status, by, TalkStatus).target
        t.fulfilled, t.follow_up_note, t.followed_by, t.followed_at = (
            fulfilled,
            note.strip(),
            by,
            timezone.now(),
        )
        t.save()
        record(
            action="formal_talk.follow_up",
            by=by,
            obj=t,
            after={"fulfilled": fulfilled},
            reason=t.follow_up_note,
        )
        todos_done(urls=[reverse("supervision:talk_detail", args=[t.pk])])  # the commitments are checked
        if not fulfilled:
            f = _create_finding(outlet=t.outlet, source=Finding.Source.APPRAISAL, severity=Finding.Severity.HIGH,
                                title=_("约谈承诺未落实（%(p)s考核）") % {"p": t.appraisal.period_name},
                                detail=t.follow_up_note, evidence={"appraisal_id": t.appraisal_id}, by=by)  # fmt: skip
            rectification_order(
                finding=f, requirement=_("按约谈承诺逐项落实整改，并报送整改情况和佐证材料。"), by=by
            )
        notify(users=_bank_side(t.appraisal), title=_("约谈跟踪已办结：%(o)s") % {"o": t.outlet}, body=t.follow_up_note,
               url=reverse("supervision:talk_detail", args=[t.pk]))  # fmt: skip
    return t
