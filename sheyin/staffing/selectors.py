"""Scoped reads of outlet staff, training, exams, agreements and grants; the grant checks casework uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of, scoped
from sheyin.common.memo import remember
from sheyin.institutions.models import Outlet, OutletStatus
from sheyin.institutions.selectors import outlets_for

from .models import (
    AgreementTemplate,
    ConfidentialityAgreement,
    Course,
    Enrolment,
    ExamAttempt,
    PermissionGrant,
    Question,
    SecurityEducation,
    StaffEvent,
    StaffingSettings,
    StaffMember,
    TrainingSession,
    Transfer,
)
from .workflow import EnrolmentStatus, GrantStatus, Post, StaffStatus


def staff_for(user: Any) -> QuerySet[StaffMember]:
    return scoped(StaffMember.objects.select_related("outlet", "bank", "district", "user"), user)


def staff_events_for(user: Any) -> QuerySet[StaffEvent]:
    return scoped(StaffEvent.objects.all(), user)


def own_staff(user: Any) -> StaffMember | None:
    """The roster entry linked to this account (R2.0: one account per person), if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return StaffMember.objects.select_related("outlet", "bank", "district").filter(user=user).first()


def transfers_for(user: Any) -> QuerySet[Transfer]:
    """Both ends of the handshake: the scope of the proposing side plus transfers into the user's outlets."""
    base = Transfer.objects.select_related("staff", "from_outlet", "to_outlet", "proposed_by", "decided_by")
    mine = scoped(Transfer.objects.all(), user).values("pk")
    incoming = Transfer.objects.filter(to_outlet__in=outlets_for(user).values("pk")).values("pk")
    if not any(a.role != Role.OUTLET_STAFF for a in assignments_of(user)):
        incoming = Transfer.objects.none().values("pk")
    return base.filter(Q(pk__in=mine) | Q(pk__in=incoming))


def transfer_targets(staff: StaffMember) -> QuerySet[Outlet]:
    """Where a person may be transferred: the other live outlets of the same bank. The proposing outlet sees
    these names (not their data) because a handshake needs a counterpart."""
    return (
        Outlet.objects.filter(bank_id=staff.bank_id)
        .exclude(pk=staff.outlet_id)
        .exclude(status=OutletStatus.TERMINATED)
        .select_related("district")
        .order_by("district__code", "code")
    )


def courses_for(user: Any) -> QuerySet[Course]:
    return scoped(Course.objects.select_related("district"), user)


def sessions_for(user: Any) -> QuerySet[TrainingSession]:
    return scoped(TrainingSession.objects.select_related("course", "district"), user).annotate(
        enrolled=Count("enrolments", filter=~Q(enrolments__status=EnrolmentStatus.CANCELLED))
    )


def enrolments_for(user: Any) -> QuerySet[Enrolment]:
    return scoped(Enrolment.objects.select_related("session__course", "staff__outlet", "enrolled_by"), user)


def questions_for(user: Any) -> QuerySet[Question]:
    """District staff see their own district's bank and the municipal courses' banks; outlets see none."""
    qs = scoped(Question.objects.select_related("course"), user)
    if user.has_perm("staffing.manage_questions"):
        qs = Question.objects.select_related("course").filter(
            Q(pk__in=qs.values("pk")) | Q(course__district__isnull=True)
        )
    return qs


def attempts_for(user: Any) -> QuerySet[ExamAttempt]:
    return scoped(ExamAttempt.objects.select_related("staff__outlet", "course", "recorded_by"), user)


def agreements_for(user: Any) -> QuerySet[ConfidentialityAgreement]:
    return scoped(ConfidentialityAgreement.objects.select_related("staff__outlet", "template"), user)


def grants_for(user: Any) -> QuerySet[PermissionGrant]:
    return scoped(
        PermissionGrant.objects.select_related("staff", "outlet", "district", "proposed_by", "decided_by"),
        user,
    )


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the last day of a shorter month)."""
    y, m = divmod(day.month - 1 + months, 12)
    year, month = day.year + y, m + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def educations_for(user: Any) -> QuerySet[SecurityEducation]:
    return scoped(SecurityEducation.objects.select_related("staff", "recorded_by"), user)


def education_due(grant: PermissionGrant) -> dt.date | None:
    """The last day a grant holds without new confidentiality and security education (R7.3): the end of
    the holder's latest education, or — for a holder with none recorded yet — one period from the grant's
    start (the training and the signed agreement before it count as the first)."""
    latest = (
        SecurityEducation.objects.filter(staff_id=grant.staff_id)
        .order_by("-valid_until")
        .values_list("valid_until", flat=True)
        .first()
    )
    if latest is not None:
        return latest
    if grant.valid_from is None:
        return None
    return add_months(grant.valid_from, rules().education_period_months)


def staffed_outlets() -> QuerySet[PermissionGrant, Any]:
    """Outlet ids with at least one authorised staff member (an active grant): only these offer staffed
    window services to the public (R9.1). For `Exists`/`pk__in` filters."""
    return PermissionGrant.objects.filter(status=GrantStatus.ACTIVE).values("outlet_id")


def has_authorised_staff(outlet: Outlet) -> bool:
    return PermissionGrant.objects.filter(outlet=outlet, status=GrantStatus.ACTIVE).exists()


def authorised_count(outlet: Outlet) -> int:
    return PermissionGrant.objects.filter(outlet=outlet, status=GrantStatus.ACTIVE).count()


def current_template() -> AgreementTemplate | None:
    return AgreementTemplate.objects.order_by("-version").first()


def rules() -> StaffingSettings:
    return StaffingSettings.current()


# --- Prerequisites of a grant (R9.1) -------------------------------------------------------------------


def training_hours(
    staff: StaffMember, on: dt.date | None = None, cfg: StaffingSettings | None = None
) -> Decimal:
    """Hours attended within the training window (so re-certification needs fresh training)."""
    on = on or timezone.localdate()
    cfg = cfg or rules()
    since = on - dt.timedelta(days=cfg.training_window_days)
    total = Enrolment.objects.filter(
        staff=staff, status=EnrolmentStatus.ATTENDED, attended_on__gte=since, attended_on__lte=on
    ).aggregate(h=Sum("hours_earned"))["h"]
    return total or Decimal("0")


def latest_pass(staff: StaffMember) -> ExamAttempt | None:
    return (
        ExamAttempt.objects.select_related("course")
        .filter(staff=staff, passed=True, course__certifies=True)
        .order_by("-valid_until")
        .first()
    )


def latest_agreement(staff: StaffMember) -> ConfidentialityAgreement | None:
    return ConfidentialityAgreement.objects.filter(staff=staff).order_by("-valid_until", "-signed_at").first()


@dataclass(frozen=True)
class Check:
    code: str  # staff, outlet, training, exam, agreement, account
    label: str
    ok: bool
    message: str  # why it fails, naming what is missing (Chinese); or what holds


def grant_checks(staff: StaffMember, on: dt.date | None = None) -> list[Check]:
    """Every prerequisite of a grant with its state, in the order the district reads them."""
    on = on or timezone.localdate()
    cfg = rules()
    checks: list[Check] = []
    status_label = StaffStatus(staff.status).label
    checks.append(
        Check(
            "staff", _("人员在岗"), staff.status == StaffStatus.ACTIVE,
            _("经办人员“%(name)s”状态为“%(status)s”，不是在岗状态。") % {"name": staff.name, "status": status_label}
            if staff.status != StaffStatus.ACTIVE else _("在岗"),
        )
    )  # fmt: skip
    outlet = Outlet.objects.get(pk=staff.outlet_id)
    ok = outlet.status == OutletStatus.OPERATING
    checks.append(
        Check(
            "outlet", _("网点运营中"), ok,
            _("网点“%(name)s”当前状态为“%(status)s”，不是运营中，不能授权。")
            % {"name": outlet.name, "status": OutletStatus(outlet.status).label} if not ok else _("运营中"),
        )
    )  # fmt: skip
    hours = training_hours(staff, on, cfg)
    need = Decimal(cfg.training_hours_required)
    ok = hours >= need
    checks.append(
        Check(
            "training", _("培训学时"), ok,
            _("培训学时不足：近%(days)s天内已完成%(done)s学时，要求%(need)s学时。")
            % {"days": cfg.training_window_days, "done": _fmt(hours), "need": _fmt(need)}
            if not ok else _("已完成%(done)s学时") % {"done": _fmt(hours)},
        )
    )  # fmt: skip
    best = latest_pass(staff)
    if best is None:
        checks.append(Check("exam", _("考核合格"), False, _("考核未通过：没有考试合格记录。")))
    elif best.valid_until is None or best.valid_until < on:
        checks.append(
            Check(
                "exam", _("考核合格"), False,
                _("考核合格已过有效期（%(date)s到期），须重新参加考核。") % {"date": _d(best.valid_until)},
            )
        )  # fmt: skip
    else:
        checks.append(
            Check(
                "exam", _("考核合格"), True,
                _("%(course)s %(score)s分，有效期至%(date)s")
                % {"course": best.course.title, "score": best.score, "date": _d(best.valid_until)},
            )
        )  # fmt: skip
    agreement = latest_agreement(staff)
    if agreement is None:
        checks.append(Check("agreement", _("保密协议"), False, _("未签署保密协议。")))
    elif agreement.valid_until < on:
        checks.append(
            Check(
                "agreement", _("保密协议"), False,
                _("保密协议已过有效期（%(date)s到期），须重新签署。") % {"date": _d(agreement.valid_until)},
            )
        )  # fmt: skip
    else:
        checks.append(
            Check(
                "agreement", _("保密协议"), True, _("有效期至%(date)s") % {"date": _d(agreement.valid_until)}
            )
        )
    if staff.user_id:
        bound = {a.outlet_id for a in staff.user.assignments.all() if a.outlet_id}  # type: ignore[union-attr]
        ok = not bound or bound == {staff.outlet_id}
        checks.append(
            Check(
                "account", _("本人账号"), ok,
                _("本人账号“%(username)s”的角色绑定在其他网点，须先由安全管理员调整角色。")
                % {"username": staff.user.get_username()} if not ok else staff.user.get_username(),  # type: ignore[union-attr]
            )
        )  # fmt: skip
    return checks


def grant_missing(staff: StaffMember, on: dt.date | None = None) -> list[str]:
    return [c.message for c in grant_checks(staff, on) if not c.ok]


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"


def _d(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


# --- The grant checks other apps use (R2.0) ----------------------------------------------------------


def _current_grants(user: Any, at: dt.date) -> QuerySet[PermissionGrant]:
    return PermissionGrant.objects.select_related("outlet", "staff").filter(
        staff__user=user,
        staff__status=StaffStatus.ACTIVE,
        status=GrantStatus.ACTIVE,
        valid_from__lte=at,
        valid_until__gte=at,
        outlet__status=OutletStatus.OPERATING,
        outlet_id=F("staff__outlet_id"),
    )


def active_grant_for(user: Any, at: dt.datetime | dt.date | None = None) -> PermissionGrant | None:
    """The user's grant in force at `at` (default now): approved, not expired, not revoked, at the staff
    member's current outlet, which is operating; None otherwise."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    day = _day(at)
    found = lambda: _current_grants(user, day).order_by("-valid_until").first()  # noqa: E731
    if at is None:  # asked by the grant middleware, then by the service, in the same request: read once
        return remember(("active_grant", user.pk, day), found)
    return found()


def has_active_grant(
    user: Any,
    channel: str | None = None,
    category: str | None = None,
    at: dt.datetime | dt.date | None = None,
) -> bool:
    """Whether the user may handle SI business now, optionally on a channel (T/O/W) and a catalogue category.
    Casework calls this before a staff member accepts a case."""
    grant = active_grant_for(user, at)
    if grant is None:
        return False
    if channel and channel not in grant.channel_list:
        return False
    return not (category and category not in grant.category_list)


def _day(at: dt.datetime | dt.date | None) -> dt.date:
    if at is None:
        return timezone.localdate()
    if isinstance(at, dt.datetime):
        return timezone.localdate(at) if timezone.is_aware(at) else at.date()
    return at


# --- Staffing check (Annex 1: one certified person per window plus one guide) -------------------------


@dataclass
class StaffingRow:
    outlet: Outlet
    windows: int
    window_certified: int
    guide_certified: int

    @property
    def window_short(self) -> int:
        return max(0, self.windows - self.window_certified)

    @property
    def guide_short(self) -> int:
        return max(0, 1 - self.guide_certified)

    @property
    def ok(self) -> bool:
        return self.window_short == 0 and self.guide_short == 0


def staffing_check(
    user: Any, on: dt.date | None = None, statuses: tuple[str, ...] | None = None
) -> QuerySet[Outlet]:
    """Outlets in the user's scope annotated with their certified window staff and guides.

    A certified window person: active, post window, with a grant in force at that outlet including the
    staffed-window channel W; a certified guide: post guide with a grant including the online channel O."""
    on = on or timezone.localdate()
    statuses = statuses or (OutletStatus.OPERATING,)
    live = Q(
        staff_grants__status=GrantStatus.ACTIVE,
        staff_grants__valid_from__lte=on,
        staff_grants__valid_until__gte=on,
        staff_grants__staff__status=StaffStatus.ACTIVE,
        staff_grants__staff__outlet_id=F("pk"),
    )
    return (
        outlets_for(user)
        .filter(status__in=statuses)
        .annotate(
            window_certified=Count(
                "staff_grants__staff",
                filter=live & Q(staff_grants__staff__post=Post.WINDOW, staff_grants__channels__contains="W"),
                distinct=True,
            ),
            guide_certified=Count(
                "staff_grants__staff",
                filter=live & Q(staff_grants__staff__post=Post.GUIDE, staff_grants__channels__contains="O"),
                distinct=True,
            ),
        )
    )


def staffing_shortfalls(qs: QuerySet[Outlet]) -> QuerySet[Outlet]:
    return qs.filter(Q(window_certified__lt=F("windows")) | Q(guide_certified__lt=1))


def rows(qs: Any) -> list[StaffingRow]:
    return [StaffingRow(o, o.windows, o.window_certified, o.guide_certified) for o in qs]
