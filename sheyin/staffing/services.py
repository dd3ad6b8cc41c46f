"""Writes for outlet staff: roster, transfers, training, exams, agreements, permission grants, revocation.

Every path (pages, jobs, commands, the outlet lifecycle) goes through these. Each runs in a transaction,
checks permission and scope, raises ValidationError with Chinese messages keyed by field, writes an audit
event and a line of the staff member's history, and sends notifications after the commit.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts import services as account_services
from sheyin.accounts.models import RoleAssignment
from sheyin.accounts.permissions import require, require_scope
from sheyin.accounts.roles import Role
from sheyin.audit.context import client_address
from sheyin.audit.services import changes, record, snapshot
from sheyin.catalogue.choices import Category, Channel
from sheyin.common.crypto import blind_index, encrypt, sm3_hex
from sheyin.common.identifiers import check_id_number
from sheyin.common.masking import mask_id_number, mask_phone
from sheyin.common.uploads import check_upload
from sheyin.institutions.models import Agency, Outlet, OutletStatus
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify, todos_done

from . import scoring, selectors
from .models import (
    AgreementTemplate,
    AttemptAnswer,
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
    codes,
)
from .workflow import (
    ATTEMPT_TRANSITIONS,
    CANCELS_ENROLMENTS,
    ENDS_SESSIONS,
    ENROLMENT_TRANSITIONS,
    GRANT_TRANSITIONS,
    REVOKES_GRANTS,
    SESSION_TRANSITIONS,
    STAFF_TRANSITIONS,
    SYSTEM,
    TRANSFER_TRANSITIONS,
    AttemptStatus,
    EnrolmentStatus,
    GrantStatus,
    Post,
    RevokeReason,
    SessionStatus,
    StaffStatus,
    TransferStatus,
    TransitionError,
    find,
    step,
)

# --- helpers -----------------------------------------------------------------------------------------


def _event(staff: StaffMember, kind: str, text: str, by: Any, at: dt.datetime | None = None) -> None:
    StaffEvent.objects.create(
        staff=staff, kind=kind, text=text[:300], at=at or timezone.now(),
        by_name=(by.get_username() if by is not None else _("系统")),
    )  # fmt: skip


def _is(by: Any, staff: StaffMember) -> bool:
    return by is not None and staff.user_id is not None and staff.user_id == by.pk


def _users(role: str, *, outlet: Outlet | None = None, agency: Agency | None = None) -> list[Any]:
    qs = RoleAssignment.objects.filter(role=role, user__is_active=True).select_related("user")
    if outlet is not None:
        qs = qs.filter(outlet=outlet)
    if agency is not None:
        qs = qs.filter(agency=agency)
    return [a.user for a in qs]


def _notify_later(
    users: Iterable[Any], title: str, body: str = "", url: str = "", kind: str = "info"
) -> None:
    people = [u for u in users if u is not None]
    if people:
        transaction.on_commit(lambda: notify(users=people, title=title, body=body, url=url, kind=kind))


def _transition_error(exc: TransitionError) -> ValidationError:
    return ValidationError({NON_FIELD_ERRORS: exc.message})


def _d(value: dt.date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


# --- settings ----------------------------------------------------------------------------------------

SETTINGS_FIELDS = [
    "training_hours_required", "training_window_days", "pass_mark", "exam_validity_days", "max_attempts",
    "attempt_window_days", "agreement_validity_days", "grant_validity_days", "reminder_days",
    "education_period_months", "education_reminder_days",
]  # fmt: skip


def settings_update(*, data: dict[str, Any], by: Any) -> StaffingSettings:
    require(by, "staffing.edit_settings")
    errors: dict[str, str] = {}
    pass_mark = data.get("pass_mark")
    if pass_mark is not None and not 1 <= int(pass_mark) <= 100:
        errors["pass_mark"] = _("合格分数应在1至100之间。")
    for f in ("exam_validity_days", "agreement_validity_days", "grant_validity_days", "training_window_days"):
        if f in data and int(data[f]) < 1:
            errors[f] = _("有效期至少1天。")
    if "education_period_months" in data and not 1 <= int(data["education_period_months"]) <= 60:
        errors["education_period_months"] = _("教育周期应在1至60个月之间。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        StaffingSettings.current()
        locked = StaffingSettings.objects.select_for_update().get(pk=1)
        before = snapshot(locked)
        for f in SETTINGS_FIELDS:
            if f in data and data[f] is not None:
                setattr(locked, f, data[f])
        locked.save()
        b, a = changes(before, snapshot(locked))
        record(action="staffing.settings_update", by=by, obj=locked, before=b, after=a)
    return locked


# --- roster ------------------------------------------------------------------------------------------

STAFF_FIELDS = ["employee_no", "name", "phone", "post"]


def _clean_staff(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    out: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in STAFF_FIELDS:
        if f in data:
            out[f] = (data[f] or "").strip()
    if "name" in out and not out["name"]:
        errors["name"] = _("请填写姓名。")
    if "employee_no" in out and not out["employee_no"]:
        errors["employee_no"] = _("请填写银行员工编号。")
    if out.get("post") and out["post"] not in Post.values:
        errors["post"] = _("岗位无效。")
    if out.get("phone") and not (
        out["phone"].isdigit() and len(out["phone"]) == 11 and out["phone"][0] == "1"
    ):
        errors["phone"] = _("请输入11位手机号。")
    return out, errors


def _set_id_number(staff: StaffMember, raw: str, errors: dict[str, str]) -> None:
    checked = check_id_number(raw)
    if not checked.ok:
        errors["id_number"] = str(checked.error)
        return
    index = blind_index(checked.value)
    clash = (
        StaffMember.objects.filter(id_number_index=index)
        .exclude(status=StaffStatus.LEFT)
        .exclude(pk=staff.pk)
    )
    if clash.exists():
        # Never say where: the other outlet may lie outside the user's scope.
        errors["id_number"] = _(
            "该人员已在其他网点的花名册上，一人同时只能在一个网点在册；请先办理调动或离职。"
        )
        return
    staff.id_number_enc = encrypt(checked.value)
    staff.id_number_index = index
    staff.id_number_masked = mask_id_number(checked.value)


def _set_phone(staff: StaffMember, phone: str) -> None:
    staff.phone_enc = encrypt(phone) if phone else ""
    staff.phone_masked = mask_phone(phone)


def _employee_no_clash(staff: StaffMember) -> bool:
    return (
        StaffMember.objects.filter(bank_id=staff.bank_id, employee_no=staff.employee_no)
        .exclude(status=StaffStatus.LEFT)
        .exclude(pk=staff.pk)
        .exists()
    )


def staff_create(*, outlet: Outlet, data: dict[str, Any], by: Any) -> StaffMember:
    """Put a person on an outlet's roster (R7.3)."""
    require(by, "staffing.manage_roster")
    values, errors = _clean_staff(data)
    phone = values.pop("phone", "")
    staff = StaffMember(outlet=outlet, bank_id=outlet.bank_id, district_id=outlet.district_id, **values)
    _set_phone(staff, phone)
    require_scope(by, staff)
    if outlet.status == OutletStatus.TERMINATED:
        errors["outlet"] = _("网点已终止合作，不能登记人员。")
    _set_id_number(staff, data.get("id_number") or "", errors)
    if staff.employee_no and _employee_no_clash(staff):
        errors["employee_no"] = _("该银行已有在册人员使用此员工编号。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            staff.save()
            _event(staff, StaffEvent.Kind.ROSTER, _("登记到网点“%(o)s”花名册，岗位：%(p)s") % {
                "o": outlet.name, "p": staff.get_post_display()}, by)  # fmt: skip
            record(
                action="staff.create",
                by=by,
                obj=staff,
                after=snapshot(staff, ["outlet", "employee_no", "post"]),
            )
    except IntegrityError as exc:  # the database's guard under a race
        raise ValidationError(
            {"id_number": _("该人员已在其他网点的花名册上，一人同时只能在一个网点在册。")}
        ) from exc
    return staff


def staff_update(*, staff: StaffMember, data: dict[str, Any], by: Any) -> StaffMember:
    require(by, "staffing.manage_roster")
    require_scope(by, staff)
    values, errors = _clean_staff(data)
    try:
        with transaction.atomic():
            locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
            if locked.status == StaffStatus.LEFT:
                raise ValidationError({NON_FIELD_ERRORS: _("人员已离职，不能修改。")})
            before = snapshot(locked, ["employee_no", "name", "phone_masked", "post", "id_number_masked"])
            # A blank phone (or ID number) on the edit form means "unchanged": the form never shows them.
            phone = values.pop("phone", "")
            for k, v in values.items():
                setattr(locked, k, v)
            if phone:
                _set_phone(locked, phone)
            if data.get("id_number"):
                _set_id_number(locked, data["id_number"], errors)
            if locked.employee_no and _employee_no_clash(locked):
                errors["employee_no"] = _("该银行已有在册人员使用此员工编号。")
            if errors:
                raise ValidationError(errors)
            locked.save()
            after = snapshot(locked, ["employee_no", "name", "phone_masked", "post", "id_number_masked"])
            b, a = changes(before, after)
            if a:
                _event(locked, StaffEvent.Kind.ROSTER, _("花名册信息变更：%(f)s") % {
                    "f": "、".join(str(getattr(StaffMember._meta.get_field(k), "verbose_name", k)) for k in a)}, by)  # fmt: skip
            record(action="staff.update", by=by, obj=locked, before=b, after=a)
    except IntegrityError as exc:
        raise ValidationError(
            {"id_number": _("该人员已在其他网点的花名册上，一人同时只能在一个网点在册。")}
        ) from exc
    return locked


def staff_link_user(*, staff: StaffMember, user: Any, by: Any) -> StaffMember:
    """Bind the staff member's own account (R2.0: own account only, one account per person)."""
    require(by, "staffing.manage_roster")
    require_scope(by, staff)
    errors: dict[str, str] = {}
    if user is not None:
        roles = {a.role: a.outlet_id for a in user.assignments.all()}
        outlet_roles = {r: o for r, o in roles.items() if r in (Role.OUTLET_STAFF, Role.OUTLET_MANAGER)}
        if not outlet_roles:
            errors["user"] = _("该账号没有网点经办人员或网点负责人角色。")
        elif set(outlet_roles.values()) != {staff.outlet_id}:
            errors["user"] = _("该账号的角色不在本网点。")
        other = StaffMember.objects.filter(user=user).exclude(pk=staff.pk).first()
        if other is not None:
            errors["user"] = _("该账号已绑定其他人员，一人一号。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
        before = locked.user_id
        locked.user = user
        locked.save(update_fields=["user", "updated_at"])
        if user is not None:
            _event(
                locked, StaffEvent.Kind.ROSTER, _("绑定本人系统账号 %(u)s") % {"u": user.get_username()}, by
            )
        else:
            _event(locked, StaffEvent.Kind.ROSTER, _("解除系统账号绑定"), by)
        record(action="staff.link_user", by=by, obj=locked, before={"user": before},
               after={"user": locked.user_id})  # fmt: skip
        if before and before != locked.user_id:
            from sheyin.accounts.models import User

            account_services.user_revoke_sessions(
                user=User.objects.get(pk=before), reason=_("经办人员账号解绑"), by=by
            )
    return locked


def staff_transition(*, staff: StaffMember, action: str, reason: str, by: Any) -> StaffMember:
    """Suspend (停岗), reinstate (复岗) or record leaving (离职); suspending or leaving revokes grants."""
    require(by, "staffing.manage_roster")
    require_scope(by, staff)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写原因。")})
    with transaction.atomic():
        locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
        try:
            t = find(STAFF_TRANSITIONS, action, locked.status, by, StaffStatus.choices)
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        before = locked.status
        locked.status = t.target
        if t.target == StaffStatus.LEFT:
            locked.left_on = timezone.localdate()
            left = _("人员离职")
            TRANSFER_TRANSITIONS.apply_bulk(
                Transfer.objects.filter(staff=locked, status=TransferStatus.PROPOSED), "lapse", by=by,
                roles={SYSTEM}, reason=left, changes={"decided_at": timezone.now(), "decision_note": left},
            )  # fmt: skip
        locked.save()
        _event(locked, StaffEvent.Kind.ROSTER, _("状态：%(a)s → %(b)s（%(r)s）") % {
            "a": StaffStatus(before).label, "b": locked.get_status_display(), "r": reason}, by)  # fmt: skip
        record(action=f"staff.{action}", by=by, obj=locked, before={"status": before},
               after={"status": locked.status}, reason=reason)  # fmt: skip
        if REVOKES_GRANTS in t.effects:
            kind = RevokeReason.LEFT if t.target == StaffStatus.LEFT else RevokeReason.STAFF_SUSPENDED
            for grant in PermissionGrant.objects.filter(staff=locked, status=GrantStatus.ACTIVE):
                _end_grant(grant, action="revoke", kind=kind, note=reason, by=by, check_roles=False)
    return locked


# --- transfers ---------------------------------------------------------------------------------------


def transfer_propose(*, staff: StaffMember, to_outlet: Outlet, note: str, by: Any) -> Transfer:
    """The current outlet (or the bank) proposes moving a person to another outlet of the same bank."""
    require(by, "staffing.transfer")
    require_scope(by, staff)
    errors: dict[str, str] = {}
    if staff.status == StaffStatus.LEFT:
        errors[NON_FIELD_ERRORS] = _("人员已离职，不能调动。")
    if to_outlet.pk == staff.outlet_id:
        errors["to_outlet"] = _("调入网点不能与当前网点相同。")
    elif to_outlet.bank_id != staff.bank_id:
        errors["to_outlet"] = _("只能在同一银行的网点之间调动。")
    elif to_outlet.status == OutletStatus.TERMINATED:
        errors["to_outlet"] = _("调入网点已终止合作。")
    if Transfer.objects.filter(staff=staff, status=TransferStatus.PROPOSED).exists():
        errors[NON_FIELD_ERRORS] = _("该人员已有待接收的调动。")
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            t = Transfer.objects.create(
                staff=staff, bank_id=staff.bank_id, from_outlet_id=staff.outlet_id, to_outlet=to_outlet,
                note=(note or "").strip()[:300], proposed_by=by,
            )  # fmt: skip
            _event(staff, StaffEvent.Kind.TRANSFER, _("提出调动：调往“%(o)s”") % {"o": to_outlet.name}, by)
            record(
                action="transfer.propose", by=by, obj=t, after={"to_outlet": to_outlet.pk, "staff": staff.pk}
            )
    except IntegrityError as exc:
        raise ValidationError({NON_FIELD_ERRORS: _("该人员已有待接收的调动。")}) from exc
    _notify_later(
        _users(Role.OUTLET_MANAGER, outlet=to_outlet),
        _("待接收的人员调动：%(name)s") % {"name": staff.name},
        url=_transfer_page(t),
        kind=Notification.Kind.TASK,
    )
    return t


def _transfer_page(t: Transfer) -> str:
    """Where a transfer is decided: the list, at this transfer (one to-do per transfer)."""
    return f"{reverse('staffing:transfer_list')}#transfer-{t.pk}"


def transfer_decide(*, transfer: Transfer, action: str, note: str, by: Any) -> Transfer:
    """The receiving side accepts or refuses; the proposing side may withdraw. Acceptance moves the person
    and revokes every grant at the old outlet (the grant is tied to the outlet)."""
    require(by, "staffing.transfer")
    with transaction.atomic():
        t_locked = (
            Transfer.objects.select_for_update()
            .select_related("staff", "to_outlet", "from_outlet")
            .get(pk=transfer.pk)
        )
        try:
            t = step(TRANSFER_TRANSITIONS, action, t_locked, by)
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        if action == "reject" and not (note or "").strip():
            raise ValidationError({"note": _("拒绝调动须填写理由。")})
        t_locked.status = t.target
        t_locked.decided_by = by
        t_locked.decided_at = timezone.now()
        t_locked.decision_note = (note or "").strip()[:300]
        t_locked.save()
        todos_done(
            urls=[_transfer_page(t_locked)]
        )  # decided or withdrawn: the receiving side's to-do is done
        staff = StaffMember.objects.select_for_update().get(pk=t_locked.staff_id)
        record(
            action=f"transfer.{action}",
            by=by,
            obj=t_locked,
            after={"status": t_locked.status},
            reason=note or "",
        )
        if t.target == TransferStatus.ACCEPTED:
            if staff.status == StaffStatus.LEFT or staff.outlet_id != t_locked.from_outlet_id:
                raise ValidationError({NON_FIELD_ERRORS: _("人员状态已变化，该调动不再有效。")})
            for grant in PermissionGrant.objects.filter(staff=staff, status=GrantStatus.ACTIVE):
                _end_grant(
                    grant, action="revoke", kind=RevokeReason.TRANSFER,
                    note=_("调往“%(o)s”") % {"o": t_locked.to_outlet.name}, by=by, check_roles=False,
                )  # fmt: skip
            gone = _("人员已调离")
            GRANT_TRANSITIONS.apply_bulk(
                PermissionGrant.objects.filter(staff=staff, status=GrantStatus.PROPOSED), "lapse", by=by,
                roles={SYSTEM}, reason=gone, changes={"ended_at": timezone.now(), "revoke_note": gone},
            )  # fmt: skip
            staff.outlet = t_locked.to_outlet
            staff.district_id = t_locked.to_outlet.district_id
            staff.save()
            _event(staff, StaffEvent.Kind.TRANSFER, _("调动生效：“%(a)s” → “%(b)s”") % {
                "a": t_locked.from_outlet.name, "b": t_locked.to_outlet.name}, by)  # fmt: skip
            record(action="staff.transfer", by=by, obj=staff,
                   before={"outlet": t_locked.from_outlet_id}, after={"outlet": staff.outlet_id})  # fmt: skip
            if staff.user is not None:
                # The account follows the person: their outlet roles move to the new outlet. An account that
                # holds anything else is left to the security admin (三员分立), who gets the task.
                moved = account_services.roles_follow_transfer(
                    user=staff.user, from_outlet=t_locked.from_outlet, to_outlet=t_locked.to_outlet,
                    reason=_("人员调动生效：调往“%(o)s”") % {"o": t_locked.to_outlet.name}, by=by,
                )  # fmt: skip
                if moved:
                    _notify_later([staff.user], _("您的账号已随调动转至“%(o)s”，业务权限须经区经办机构重新授权。") % {
                        "o": t_locked.to_outlet.name}, url=reverse("staffing:my"))  # fmt: skip
                else:
                    _notify_later(
                        _users(Role.SECURITY_ADMIN),
                        _("请调整账号角色：%(u)s 已调往“%(o)s”") % {"u": staff.user.get_username(),
                                                             "o": t_locked.to_outlet.name},
                        url=reverse("accounts:user_detail", args=[staff.user.pk]),
                        kind=Notification.Kind.TASK,
                    )  # fmt: skip
        else:
            label = TransferStatus(t.target).label
            _event(staff, StaffEvent.Kind.TRANSFER, _("调动%(s)s（调往“%(o)s”）") % {
                "s": label, "o": t_locked.to_outlet.name}, by)  # fmt: skip
    return t_locked


# --- training (Annex 6) ------------------------------------------------------------------------------

COURSE_FIELDS = ["code", "title", "kind", "district", "description", "exam_question_count", "exam_minutes",
                 "has_exam", "certifies", "active"]  # fmt: skip


def _own_district(by: Any) -> Agency | None:
    """The district agency of a district user; None for the municipal level and the system."""
    if by is None:
        return None
    for a in by.assignments.all():
        if a.role in (Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER):
            return a.agency
    return None


def course_save(*, data: dict[str, Any], by: Any, course: Course | None = None) -> Course:
    require(by, "staffing.manage_training")
    with transaction.atomic():
        obj = Course.objects.select_for_update().get(pk=course.pk) if course else Course()
        before = snapshot(obj) if course else {}
        for f in COURSE_FIELDS:
            if f in data:
                setattr(obj, f, data[f].strip() if isinstance(data[f], str) else data[f])
        own = _own_district(by)
        if own is not None:
            if course is not None and course.district_id != own.pk:
                raise ValidationError({NON_FIELD_ERRORS: _("只能修改本区组织的课程。")})
            obj.district = own  # a district organises its own courses
        errors: dict[str, str] = {}
        if not obj.code:
            errors["code"] = _("请填写课程编号。")
        elif Course.objects.filter(code=obj.code).exclude(pk=obj.pk).exists():
            errors["code"] = _("课程编号已存在。")
        if not obj.title:
            errors["title"] = _("请填写课程名称。")
        if obj.kind not in Course.Kind.values:
            errors["kind"] = _("请选择培训方式。")
        if errors:
            raise ValidationError(errors)
        obj.save()
        b, a = changes(before, snapshot(obj))
        record(action="course.update" if course else "course.create", by=by, obj=obj, before=b, after=a)
    return obj


SESSION_FIELDS = ["course", "starts_at", "ends_at", "place", "video_link", "capacity", "hours"]


def session_save(*, data: dict[str, Any], by: Any, session: TrainingSession | None = None) -> TrainingSession:
    """The district schedules a run of a course: dates, place or video link, capacity, hours."""
    require(by, "staffing.manage_training")
    with transaction.atomic():
        obj = TrainingSession.objects.select_for_update().get(pk=session.pk) if session else TrainingSession()
        before = snapshot(obj) if session else {}
        for f in SESSION_FIELDS:
            if f in data:
                setattr(obj, f, data[f].strip() if isinstance(data[f], str) else data[f])
        if session is None:
            obj.district = data.get("district") or _own_district(by)  # type: ignore[assignment]
        errors: dict[str, str] = {}
        if not obj.district_id:
            errors["district"] = _("请选择组织培训的区。")
        if not obj.course_id:
            errors["course"] = _("请选择课程。")
        elif not obj.course.active:
            errors["course"] = _("该课程已停用。")
        if obj.starts_at and obj.ends_at and obj.ends_at <= obj.starts_at:
            errors["ends_at"] = _("结束时间须晚于开始时间。")
        if not (obj.place or obj.video_link):
            errors["place"] = _("请填写培训地点或视频会议链接。")
        if obj.hours is None or obj.hours <= 0:
            errors["hours"] = _("学时须大于0。")
        elif (
            obj.starts_at
            and obj.ends_at
            and obj.hours * 3600 > Decimal((obj.ends_at - obj.starts_at).total_seconds())
        ):
            errors["hours"] = _("学时不能超过培训时长。")
        if session is not None and session.status != SessionStatus.PLANNED:
            errors[NON_FIELD_ERRORS] = _("只有计划中的班次可以修改。")
        if obj.capacity and session is not None:
            taken = obj.enrolments.exclude(status=EnrolmentStatus.CANCELLED).count()
            if obj.capacity < taken:
                errors["capacity"] = _("名额不能少于已报名人数（%(n)s人）。") % {"n": taken}
        if errors:
            raise ValidationError(errors)
        require_scope(by, obj)
        obj.save()
        b, a = changes(before, snapshot(obj))
        record(action="session.update" if session else "session.create", by=by, obj=obj, before=b, after=a)
    return obj


def session_transition(*, session: TrainingSession, action: str, by: Any) -> TrainingSession:
    require(by, "staffing.manage_training")
    require_scope(by, session)
    with transaction.atomic():
        locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
        try:
            t = step(SESSION_TRANSITIONS, action, locked, by)
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        before = locked.status
        locked.status = t.target
        locked.save(update_fields=["status", "updated_at"])
        if CANCELS_ENROLMENTS in t.effects:
            cancelled = ENROLMENT_TRANSITIONS.apply_bulk(
                locked.enrolments.filter(status=EnrolmentStatus.ENROLLED),
                "lapse",
                by=by,
                roles={SYSTEM},
                reason=_("培训班次已取消"),
            )
            for e in cancelled:
                _event(e.staff, StaffEvent.Kind.TRAINING, _("培训班次已取消：%(s)s") % {"s": str(locked)}, by)
        record(
            action=f"session.{action}",
            by=by,
            obj=locked,
            before={"status": before},
            after={"status": t.target},
        )
    return locked


def enrolment_create(*, session: TrainingSession, staff: StaffMember, by: Any) -> Enrolment:
    """The outlet manager (or the district) enrols a person in a session of the staff member's district."""
    require(by, "staffing.enrol")
    require_scope(by, staff)
    try:
        with transaction.atomic():
            locked = TrainingSession.objects.select_for_update().get(pk=session.pk)
            errors: dict[str, str] = {}
            ended = locked.ends_at <= timezone.now()
            if locked.status != SessionStatus.PLANNED:
                errors["session"] = _("该班次不在报名阶段（%(s)s）。") % {"s": locked.get_status_display()}
            elif ended and not (by is None or by.has_perm("staffing.manage_training")):
                # Training already held is recorded by its organiser, who adds who took part (补录).
                errors["session"] = _("该班次已结束，只有组织培训的区经办机构可以补录参训人员。")
            if locked.district_id != staff.district_id:
                errors["session"] = _("该班次由其他区组织，只能报名本区的培训。")
            if staff.status != StaffStatus.ACTIVE:
                errors["staff"] = _("只有在岗人员可以报名培训。")
            if (
                Enrolment.objects.filter(session=locked, staff=staff)
                .exclude(status=EnrolmentStatus.CANCELLED)
                .exists()
            ):
                errors["staff"] = _("“%(n)s”已报名该班次。") % {"n": staff.name}
            taken = Enrolment.objects.filter(session=locked).exclude(status=EnrolmentStatus.CANCELLED).count()
            if taken >= locked.capacity:
                errors["session"] = _("该班次名额已满（%(n)s人）。") % {"n": locked.capacity}
            if errors:
                raise ValidationError(errors)
            e = Enrolment.objects.create(session=locked, staff=staff, enrolled_by=by)
            text = _("补录参训人员：%(s)s") if ended else _("报名培训：%(s)s")
            _event(staff, StaffEvent.Kind.TRAINING, text % {"s": str(locked)}, by)
            record(action="enrolment.create", by=by, obj=e,
                   after={"session": locked.pk, "staff": staff.pk, "backfilled": ended})  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"staff": _("“%(n)s”已报名该班次。") % {"n": staff.name}}) from exc
    if staff.user_id and not ended:
        _notify_later(
            [staff.user], _("您已报名培训：%(s)s") % {"s": str(session)}, url=reverse("staffing:my")
        )
    return e


def enrolment_transition(
    *, enrolment: Enrolment, action: str, by: Any, hours: Decimal | None = None
) -> Enrolment:
    """Attendance (attend/absent) is the district's record; cancelling is the outlet's or the district's."""
    require(by, "staffing.enrol" if action == "cancel" else "staffing.manage_training")
    with transaction.atomic():
        locked = (
            Enrolment.objects.select_for_update(of=("self",))
            .select_related("session", "staff")
            .get(pk=enrolment.pk)
        )
        require_scope(by, locked.staff if action == "cancel" else locked.session)
        try:
            t = find(ENROLMENT_TRANSITIONS, action, locked.status, by, EnrolmentStatus.choices)
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        session = locked.session
        if action in ("attend", "absent") and session.starts_at > timezone.now():
            raise ValidationError({NON_FIELD_ERRORS: _("培训尚未开始，不能登记出勤。")})
        if action == "attend":
            credit = session.hours if hours is None else Decimal(hours)
            if credit <= 0 or credit > session.hours:
                raise ValidationError(
                    {"hours": _("学时应大于0且不超过本班次学时%(h)s。") % {"h": session.hours}}
                )
            locked.hours_earned = credit
            locked.attended_on = timezone.localdate(session.ends_at)
        else:
            locked.hours_earned = Decimal("0")
            locked.attended_on = None
        before = locked.status
        locked.status = t.target
        locked.save()
        text = {
            "attend": _("参加培训“%(s)s”，获得%(h)s学时"),
            "absent": _("培训“%(s)s”记为缺勤"),
            "cancel": _("取消培训报名“%(s)s”"),
        }[action] % {"s": str(session), "h": locked.hours_earned}
        _event(locked.staff, StaffEvent.Kind.TRAINING, text, by)
        record(action=f"enrolment.{action}", by=by, obj=locked, before={"status": before},
               after={"status": locked.status, "hours": str(locked.hours_earned)})  # fmt: skip
    return locked


def attendance_record(*, session: TrainingSession, attended: set[int], by: Any) -> int:
    """Record the attendance list of a session in one go: listed enrolments attend, the others are absent."""
    require(by, "staffing.manage_training")
    require_scope(by, session)
    n = 0
    with transaction.atomic():
        for e in session.enrolments.exclude(status=EnrolmentStatus.CANCELLED):
            want = EnrolmentStatus.ATTENDED if e.pk in attended else EnrolmentStatus.ABSENT
            if e.status != want:
                enrolment_transition(enrolment=e, action="attend" if e.pk in attended else "absent", by=by)
                n += 1
    return n


# --- question bank and exams -------------------------------------------------------------------------

TRUE_FALSE_OPTIONS = ["正确", "错误"]


def question_save(
    *, course: Course, data: dict[str, Any], by: Any, question: Question | None = None
) -> Question:
    require(by, "staffing.manage_questions")
    own = _own_district(by)
    if own is not None and course.district_id != own.pk:
        raise ValidationError({NON_FIELD_ERRORS: _("只能维护本区组织课程的题库。")})
    kind = data.get("kind") or ""
    text = (data.get("text") or "").strip()
    options = [str(o).strip() for o in (data.get("options") or []) if str(o).strip()]
    answer = sorted({int(i) for i in (data.get("answer") or [])})
    errors: dict[str, str] = {}
    if kind not in Question.Kind.values:
        errors["kind"] = _("请选择题型。")
    if not text:
        errors["text"] = _("请填写题干。")
    if kind == Question.Kind.TRUE_FALSE:
        options = list(TRUE_FALSE_OPTIONS)
    elif len(options) < 2 or len(options) > 8:
        errors["options"] = _("选择题须有2至8个选项。")
    elif len(set(options)) != len(options):
        errors["options"] = _("选项不能重复。")
    if any(i < 0 or i >= len(options) for i in answer):
        errors["answer"] = _("正确答案须是已填写的选项。")
    elif kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and len(answer) != 1:
        errors["answer"] = _("单选题和判断题须有且只有一个正确答案。")
    elif kind == Question.Kind.MULTIPLE and len(answer) < 2:
        errors["answer"] = _("多选题至少有两个正确答案。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        obj = (
            Question.objects.select_for_update().get(pk=question.pk) if question else Question(course=course)
        )
        before = snapshot(obj) if question else {}
        obj.kind, obj.text, obj.options, obj.answer = kind, text, options, answer
        obj.explanation = (data.get("explanation") or "").strip()
        obj.active = bool(data.get("active", True))
        obj.save()
        b, a = changes(before, snapshot(obj))
        record(action="question.update" if question else "question.create", by=by, obj=obj, before=b, after=a)
    return obj


def _retake_error(staff: StaffMember, course: Course, cfg: StaffingSettings, now: dt.datetime) -> str | None:
    since = now - dt.timedelta(days=cfg.attempt_window_days)
    recent = list(
        ExamAttempt.objects.filter(staff=staff, course=course, started_at__gte=since).order_by("started_at")
    )
    if len(recent) >= cfg.max_attempts:
        nxt = recent[len(recent) - cfg.max_attempts].started_at + dt.timedelta(days=cfg.attempt_window_days)
        return _("%(days)s天内最多参加%(n)s次考试，已达上限；%(date)s后可再次参加。") % {
            "days": cfg.attempt_window_days, "n": cfg.max_attempts, "date": timezone.localtime(nxt).strftime("%Y-%m-%d"),
        }  # fmt: skip
    return None


def attempt_start(
    *, staff: StaffMember, course: Course, by: Any, now: dt.datetime | None = None
) -> ExamAttempt:
    """Draw N questions at random and open an online exam with a server-side deadline."""
    require(by, "staffing.take_exam")
    if not _is(by, staff):
        raise ValidationError({NON_FIELD_ERRORS: _("只能由本人使用本人账号参加考试。")})
    now = now or timezone.now()
    cfg = StaffingSettings.current()
    errors: list[str] = []
    if staff.status != StaffStatus.ACTIVE:
        errors.append(_("只有在岗人员可以参加考试。"))
    if not (course.active and course.has_exam):
        errors.append(_("该课程未设置考试。"))
    hours = selectors.training_hours(staff, timezone.localdate(now), cfg)
    if hours < cfg.training_hours_required:
        errors.append(_("须先完成%(need)s学时培训方可参加考试（已完成%(done)s学时）。") % {
            "need": cfg.training_hours_required, "done": selectors._fmt(hours)})  # fmt: skip
    if ExamAttempt.objects.filter(staff=staff, status=AttemptStatus.IN_PROGRESS).exists():
        errors.append(_("您有一场未交卷的考试，请先完成。"))
    valid = (
        ExamAttempt.objects.filter(staff=staff, course=course, passed=True, valid_until__gt=timezone.localdate(now)
                                   + dt.timedelta(days=cfg.reminder_days)).order_by("-valid_until").first()
    )  # fmt: skip
    if valid is not None:
        errors.append(_("您已通过该课程考核，有效期至%(d)s，到期前%(n)s天内可重新考核。") % {
            "d": _d(valid.valid_until), "n": cfg.reminder_days})  # fmt: skip
    retake = _retake_error(staff, course, cfg, now)
    if retake:
        errors.append(retake)
    pool = list(Question.objects.filter(course=course, active=True).values_list("pk", flat=True))
    if len(pool) < course.exam_question_count:
        errors.append(_("题库试题不足（需%(n)s题，现有%(m)s题），请联系区社保经办机构。") % {
            "n": course.exam_question_count, "m": len(pool)})  # fmt: skip
    if errors:
        raise ValidationError({NON_FIELD_ERRORS: errors})
    drawn = secrets.SystemRandom().sample(pool, course.exam_question_count)
    try:
        with transaction.atomic():
            attempt = ExamAttempt.objects.create(
                staff=staff, course=course, mode=ExamAttempt.Mode.ONLINE, started_at=now,
                deadline=now + dt.timedelta(minutes=course.exam_minutes), pass_mark=cfg.pass_mark,
            )  # fmt: skip
            AttemptAnswer.objects.bulk_create(
                AttemptAnswer(attempt=attempt, question_id=q, position=i)
                for i, q in enumerate(drawn, start=1)
            )
            _event(staff, StaffEvent.Kind.EXAM, _("开始在线考试：%(c)s") % {"c": course.title}, by, at=now)
            record(
                action="exam.start",
                by=by,
                obj=attempt,
                after={"questions": drawn, "deadline": attempt.deadline},
            )
    except IntegrityError as exc:
        raise ValidationError({NON_FIELD_ERRORS: _("您有一场未交卷的考试，请先完成。")}) from exc
    return attempt


def _clean_choice(question: Question, chosen: Iterable[Any]) -> list[int]:
    try:
        picked = sorted({int(c) for c in chosen})
    except (TypeError, ValueError) as exc:
        raise ValidationError({"chosen": _("答案无效。")}) from exc
    if any(i < 0 or i >= len(question.options) for i in picked):
        raise ValidationError({"chosen": _("答案无效。")})
    if question.kind != Question.Kind.MULTIPLE and len(picked) > 1:
        raise ValidationError({"chosen": _("单选题和判断题只能选择一个答案。")})
    return picked


def attempt_answer(
    *, attempt: ExamAttempt, question_id: int, chosen: Iterable[Any], by: Any, now: dt.datetime | None = None
) -> AttemptAnswer:
    """Save one answer (the page saves each as it is given). After the deadline nothing is saved."""
    require(by, "staffing.take_exam")
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            ExamAttempt.objects.select_for_update(of=("self",)).select_related("staff").get(pk=attempt.pk)
        )
        if not _is(by, locked.staff):
            raise ValidationError({NON_FIELD_ERRORS: _("只能由本人作答。")})
        if locked.status != AttemptStatus.IN_PROGRESS:
            raise ValidationError({NON_FIELD_ERRORS: _("本场考试已交卷。")})
        if now > locked.deadline:
            raise ValidationError({NON_FIELD_ERRORS: _("考试时间已到，此后的作答不计入成绩。")})
        row = (
            AttemptAnswer.objects.select_related("question")
            .filter(attempt=locked, question_id=question_id)
            .first()
        )
        if row is None:
            raise ValidationError({"chosen": _("该题不在本场考试中。")})
        row.chosen = _clean_choice(row.question, chosen)
        row.answered_at = now
        row.save(update_fields=["chosen", "answered_at"])
        record(
            action="exam.answer", by=by, obj=locked, after={"position": row.position, "chosen": row.chosen}
        )
    return row


def attempt_submit(
    *,
    attempt: ExamAttempt,
    by: Any,
    answers: dict[int, list[Any]] | None = None,
    now: dt.datetime | None = None,
) -> ExamAttempt:
    """Hand in. Before the deadline the answers sent with the submission are saved first; after it they are
    ignored and the attempt is scored on what was answered before the deadline (timed out)."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            ExamAttempt.objects.select_for_update(of=("self",))
            .select_related("staff", "course")
            .get(pk=attempt.pk)
        )
        late = now > locked.deadline
        action = "time_out" if late else "submit"
        if by is not None:
            require(by, "staffing.take_exam")
            if not _is(by, locked.staff):
                raise ValidationError({NON_FIELD_ERRORS: _("只能由本人交卷。")})
        try:
            t = step(ATTEMPT_TRANSITIONS, action, locked, by, {"now": now})
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        rows = {r.question_id: r for r in locked.answers.select_related("question")}
        if not late and answers:
            for qid, chosen in answers.items():
                row = rows.get(int(qid))
                if row is None:
                    continue
                picked = _clean_choice(row.question, chosen)
                if picked != row.chosen or row.answered_at is None:
                    row.chosen, row.answered_at = picked, now
                    row.save(update_fields=["chosen", "answered_at"])
        marks = []
        for row in rows.values():
            in_time = row.answered_at is not None and row.answered_at <= locked.deadline
            row.correct = in_time and scoring.is_correct(row.question.kind, row.question.answer, row.chosen)
            row.save(update_fields=["correct"])
            marks.append(bool(row.correct))
        locked.score = scoring.score(marks)
        locked.status = t.target
        locked.finished_at = min(now, locked.deadline) if late else now
        _finish(locked)
        locked.save()
        verdict = _("合格") if locked.passed else _("不合格")
        _event(locked.staff, StaffEvent.Kind.EXAM, _("%(c)s 在线考试%(how)s：%(s)s分，%(v)s") % {
            "c": locked.course.title, "how": _("超时自动交卷") if late else _("交卷"), "s": locked.score,
            "v": verdict}, by, at=locked.finished_at)  # fmt: skip
        record(action=f"exam.{action}", by=by, obj=locked,
               after={"score": locked.score, "passed": locked.passed, "valid_until": locked.valid_until})  # fmt: skip
    return locked


def _finish(attempt: ExamAttempt) -> None:
    cfg = StaffingSettings.current()
    attempt.pass_mark = attempt.pass_mark or cfg.pass_mark
    attempt.passed = scoring.passes(attempt.score or Decimal(0), attempt.pass_mark)
    if attempt.passed:
        taken = timezone.localdate(attempt.finished_at or attempt.started_at)
        attempt.valid_until = taken + dt.timedelta(days=cfg.exam_validity_days)
        attempt.verify_code = secrets.token_urlsafe(12)
        attempt.certificate_no = f"PX{taken:%Y%m%d}{attempt.pk:06d}"


def attempts_time_out(*, now: dt.datetime | None = None) -> int:
    """Score every open attempt whose deadline has passed (the job; idempotent)."""
    now = now or timezone.now()
    n = 0
    for a in ExamAttempt.objects.filter(status=AttemptStatus.IN_PROGRESS, deadline__lt=now):
        attempt_submit(attempt=a, by=None, now=now)
        n += 1
    return n


def attempt_record_offline(
    *,
    staff: StaffMember,
    course: Course,
    score: Any,
    taken_on: dt.date,
    evidence: Any,
    by: Any,
    note: str = "",
) -> ExamAttempt:
    """The district enters the score of an offline exam, with a scan of the signed score sheet."""
    require(by, "staffing.record_offline_score")
    require_scope(by, staff)
    cfg = StaffingSettings.current()
    errors: dict[str, Any] = {}
    try:
        value = Decimal(str(score)).quantize(scoring.CENT)
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not Decimal(0) <= value <= Decimal(100):
        errors["score"] = _("成绩应在0至100分之间。")
    today = timezone.localdate()
    if taken_on is None or taken_on > today:
        errors["taken_on"] = _("考试日期不能晚于今天。")
    if evidence is None:
        errors["evidence"] = _("请上传成绩证明（签字的成绩单扫描件）。")
    else:
        try:
            check_upload(evidence)
        except ValidationError as exc:
            errors["evidence"] = exc.messages[0]
    if staff.status == StaffStatus.LEFT:
        errors[NON_FIELD_ERRORS] = _("人员已离职。")
    at = timezone.make_aware(dt.datetime.combine(taken_on or today, dt.time(12, 0)))
    if not errors:
        retake = _retake_error(staff, course, cfg, at + dt.timedelta(seconds=1))
        if retake:
            errors[NON_FIELD_ERRORS] = retake
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        attempt = ExamAttempt(
            staff=staff, course=course, mode=ExamAttempt.Mode.OFFLINE, status=AttemptStatus.RECORDED,
            started_at=at, deadline=at, finished_at=at, score=value, pass_mark=cfg.pass_mark, recorded_by=by,
        )  # fmt: skip
        attempt.save()
        _finish(attempt)
        attempt.evidence.save(evidence.name or "evidence", evidence, save=False)
        attempt.save()
        _event(staff, StaffEvent.Kind.EXAM, _("%(c)s 线下考试成绩录入：%(s)s分，%(v)s") % {
            "c": course.title, "s": value, "v": _("合格") if attempt.passed else _("不合格")}, by, at=at)  # fmt: skip
        record(action="exam.record_offline", by=by, obj=attempt, reason=note,
               after={"score": value, "passed": attempt.passed, "taken_on": taken_on})  # fmt: skip
    return attempt


# --- confidentiality agreement (Annex 7) -------------------------------------------------------------


def template_save(*, title: str, body: str, by: Any) -> AgreementTemplate:
    """Each edit is a new version; agreements already signed keep their own text."""
    require(by, "staffing.edit_template")
    errors: dict[str, str] = {}
    if not (title or "").strip():
        errors["title"] = _("请填写标题。")
    if len((body or "").strip()) < 50:
        errors["body"] = _("协议正文过短，请完整填写。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        last = AgreementTemplate.objects.select_for_update().order_by("-version").first()
        tpl = AgreementTemplate.objects.create(
            version=(last.version + 1) if last else 1, title=title.strip(), body=body.strip(), created_by=by
        )
        record(
            action="agreement_template.save",
            by=by,
            obj=tpl,
            after={"version": tpl.version, "title": tpl.title},
        )
    return tpl


def agreement_sign(
    *, staff: StaffMember, typed_name: str, consent: bool, by: Any, now: dt.datetime | None = None
) -> ConfidentialityAgreement:
    """The staff member signs in the system with their own account: typed name, consent, time, address."""
    from .pdfs import agreement_pdf

    require(by, "staffing.sign_agreement")
    if not _is(by, staff):
        raise ValidationError({NON_FIELD_ERRORS: _("保密协议须由本人使用本人账号签署。")})
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if staff.status == StaffStatus.LEFT:
        errors[NON_FIELD_ERRORS] = _("人员已离职。")
    if (typed_name or "").strip() != staff.name:
        errors["signed_name"] = _("签署姓名须与花名册登记的姓名一致。")
    if not consent:
        errors["consent"] = _("请阅读协议并勾选同意后再签署。")
    template = selectors.current_template()
    if template is None:
        errors[NON_FIELD_ERRORS] = _("尚未发布保密协议模板，请联系经办机构。")
    if errors:
        raise ValidationError(errors)
    assert template is not None
    cfg = StaffingSettings.current()
    with transaction.atomic():
        agreement = ConfidentialityAgreement.objects.create(
            staff=staff, template=template, title=template.title, body=template.body, signed_name=staff.name,
            consent=True, signed_at=now, client_address=client_address.get(),
            valid_until=timezone.localdate(now) + dt.timedelta(days=cfg.agreement_validity_days),
        )  # fmt: skip
        data = agreement_pdf(agreement)
        agreement.pdf.save(f"agreement-{agreement.pk}.pdf", ContentFile(data), save=False)
        agreement.pdf_sm3 = sm3_hex(data)
        agreement.save(update_fields=["pdf", "pdf_sm3"])
        _event(staff, StaffEvent.Kind.AGREEMENT, _("签署保密协议（v%(v)s），有效期至%(d)s") % {
            "v": template.version, "d": _d(agreement.valid_until)}, by, at=now)  # fmt: skip
        record(action="agreement.sign", by=by, obj=agreement,
               after={"template": template.version, "valid_until": agreement.valid_until, "sm3": agreement.pdf_sm3})  # fmt: skip
    return agreement


# --- permission grants (R2.0, R9.1) ------------------------------------------------------------------


def _clean_scope(channels: Iterable[str], categories: Iterable[str]) -> tuple[str, str, dict[str, str]]:
    ch = [c for c in channels or [] if c]
    ca = [c for c in categories or [] if c]
    errors: dict[str, str] = {}
    if not ch or any(c not in Channel.values for c in ch):
        errors["channels"] = _("请选择至少一个办理渠道。")
    if not ca or any(c not in Category.values for c in ca):
        errors["categories"] = _("请选择至少一个业务类别。")
    return codes(ch), codes(ca), errors


class GrantRefused(ValidationError):
    """A grant refused because prerequisites are missing; each message names one."""


def _require_prerequisites(staff: StaffMember) -> None:
    missing = selectors.grant_missing(staff)
    if missing:
        raise GrantRefused({NON_FIELD_ERRORS: [_("不能授权：%(m)s") % {"m": m} for m in missing]})


def grant_propose(
    *, staff: StaffMember, channels: Iterable[str], categories: Iterable[str], note: str, by: Any
) -> PermissionGrant:
    """A district officer proposes a grant at the staff member's outlet (maker)."""
    require(by, "staffing.propose_grant")
    require_scope(by, staff)
    ch, ca, errors = _clean_scope(channels, categories)
    if errors:
        raise ValidationError(errors)
    if PermissionGrant.objects.filter(staff=staff, status=GrantStatus.PROPOSED).exists():
        raise ValidationError({NON_FIELD_ERRORS: _("该人员已有待审批的授权申请。")})
    _require_prerequisites(staff)
    try:
        with transaction.atomic():
            grant = PermissionGrant.objects.create(
                staff=staff, outlet_id=staff.outlet_id, bank_id=staff.bank_id, district_id=staff.district_id,
                channels=ch, categories=ca, proposal_note=(note or "").strip()[:300], proposed_by=by,
            )  # fmt: skip
            _event(staff, StaffEvent.Kind.GRANT, _("提出业务权限申请：%(c)s；%(k)s") % {
                "c": grant.channel_labels(), "k": grant.category_labels()}, by)  # fmt: skip
            record(
                action="grant.propose",
                by=by,
                obj=grant,
                after=snapshot(grant, ["outlet", "channels", "categories"]),
            )
    except IntegrityError as exc:
        raise ValidationError({NON_FIELD_ERRORS: _("该人员已有待审批的授权申请。")}) from exc
    _notify_later(
        [u for u in _users(Role.DISTRICT_ADMIN, agency=staff.district) if by is None or u.pk != by.pk],
        _("待审批的业务权限：%(n)s（%(o)s）") % {"n": staff.name, "o": staff.outlet.name},
        url=reverse("staffing:grant_detail", args=[grant.pk]),
        kind=Notification.Kind.TASK,
    )
    return grant


def grant_decide(*, grant: PermissionGrant, action: str, note: str, by: Any) -> PermissionGrant:
    """Approve or reject (district admin, not the proposer), or withdraw (the proposer)."""
    require(by, "staffing.approve_grant" if action in ("approve", "reject") else "staffing.propose_grant")
    require_scope(by, grant)
    note = (note or "").strip()
    with transaction.atomic():
        locked = (
            PermissionGrant.objects.select_for_update(of=("self",))
            .select_related("staff", "outlet")
            .get(pk=grant.pk)
        )
        try:
            t = find(GRANT_TRANSITIONS, action, locked.status, by)
            if action == "reject" and not note:
                raise ValidationError({"note": _("驳回须填写理由。")})
            staff = StaffMember.objects.select_for_update().get(pk=locked.staff_id)
            step(GRANT_TRANSITIONS, action, locked, by, {"note": note})
        except TransitionError as exc:
            raise _transition_error(exc) from exc
        todos_done(urls=[reverse("staffing:grant_detail", args=[locked.pk])])  # decided or withdrawn
        if t.action == "approve":
            cfg = StaffingSettings.current()
            today = timezone.localdate()
            exam = selectors.latest_pass(staff)
            agreement = selectors.latest_agreement(staff)
            # A grant never outlives the exam pass or the agreement it rests on.
            until = min(
                today + dt.timedelta(days=cfg.grant_validity_days),
                exam.valid_until,  # type: ignore[union-attr,type-var]
                agreement.valid_until,  # type: ignore[union-attr]
            )
            for old in PermissionGrant.objects.select_for_update().filter(
                staff=staff, status=GrantStatus.ACTIVE
            ):
                _end_grant(old, action="supersede", kind="", note=_("由新授权替代"), by=by, check_roles=False,
                           end_sessions=False, replacement=locked)  # fmt: skip
            locked.valid_from, locked.valid_until = today, until
        before = locked.status
        locked.status = t.target
        locked.decided_by = by
        locked.decided_at = timezone.now()
        locked.decision_note = note[:300]
        if action == "withdraw":
            locked.ended_at = timezone.now()
        locked.save()
        text = {
            "approve": _("业务权限获批：%(c)s；%(k)s；有效期至%(d)s"),
            "reject": _("业务权限申请被驳回：%(n)s"),
            "withdraw": _("业务权限申请已撤回"),
        }[action] % {"c": locked.channel_labels(), "k": locked.category_labels(), "d": _d(locked.valid_until),
                     "n": note}  # fmt: skip
        _event(staff, StaffEvent.Kind.GRANT, text, by)
        record(action=f"grant.{action}", by=by, obj=locked, before={"status": before},
               after={"status": locked.status, "valid_until": locked.valid_until}, reason=note)  # fmt: skip
    if action == "approve":
        _notify_later(
            [staff.user, *_users(Role.OUTLET_MANAGER, outlet=locked.outlet)],
            _("业务权限已生效：%(n)s，有效期至%(d)s") % {"n": staff.name, "d": _d(locked.valid_until)},
            url=reverse("staffing:my"),
        )
    elif action == "reject" and locked.proposed_by_id:
        _notify_later([locked.proposed_by], _("授权申请被驳回：%(n)s") % {"n": staff.name},
                      body=note, url=reverse("staffing:grant_detail", args=[locked.pk]))  # fmt: skip
    return locked


def _end_grant(
    grant: PermissionGrant, *, action: str, kind: str, note: str, by: Any, check_roles: bool = True,
    end_sessions: bool = True, replacement: PermissionGrant | None = None,
) -> PermissionGrant:  # fmt: skip
    """End an active grant (revoke, expire, supersede): audited, in the history, and — unless superseded —
    every session and token of the staff member's account refused at its next request."""
    locked = (
        PermissionGrant.objects.select_for_update(of=("self",))
        .select_related("staff__user", "outlet")
        .get(pk=grant.pk)
    )
    try:
        t = step(GRANT_TRANSITIONS, action, locked, by, {"kind": kind, "replacement": replacement},
                 system=not check_roles)  # fmt: skip
    except TransitionError as exc:
        raise _transition_error(exc) from exc
    before = locked.status
    locked.status = t.target
    locked.ended_at = timezone.now()
    locked.ended_by = by
    locked.revoke_reason = kind
    locked.revoke_note = (note or "")[:300]
    locked.save()
    staff = locked.staff
    if action == "revoke":
        label = RevokeReason(kind).label if kind else ""
        text = _("业务权限被撤销（%(k)s）：%(n)s") % {"k": label, "n": note}
        ev_kind = StaffEvent.Kind.REVOCATION
    elif action == "expire":
        text, ev_kind = (
            _("业务权限到期失效（%(d)s）") % {"d": _d(locked.valid_until)},
            StaffEvent.Kind.REVOCATION,
        )
    else:
        text, ev_kind = _("原业务权限由新授权替代"), StaffEvent.Kind.GRANT
    _event(staff, ev_kind, text, by)
    record(action=f"grant.{action}", by=by, obj=locked, before={"status": before},
           after={"status": locked.status, "revoke_reason": kind}, reason=note or "")  # fmt: skip
    if end_sessions and ENDS_SESSIONS in t.effects and staff.user is not None:
        account_services.user_revoke_sessions(
            user=staff.user, reason=_("业务权限终止：%(t)s") % {"t": text}, by=by
        )
    if action in ("revoke", "expire"):
        _notify_later(
            [staff.user, *_users(Role.OUTLET_MANAGER, outlet=locked.outlet)],
            _("业务权限已终止：%(n)s") % {"n": staff.name},
            body=text,
            kind=Notification.Kind.ALERT,
        )
    return locked


def grant_revoke(*, grant: PermissionGrant, reason: str, note: str, by: Any) -> PermissionGrant:
    """The district revokes a grant (leaving, transfer, violation, …); effective at the next request."""
    require(by, "staffing.revoke_grant")
    require_scope(by, grant)
    note = (note or "").strip()
    errors: dict[str, str] = {}
    if reason not in RevokeReason.values:
        errors["reason"] = _("请选择撤销原因。")
    if not note:
        errors["note"] = _("请填写撤销说明。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return _end_grant(grant, action="revoke", kind=reason, note=note, by=by)


def grants_revoke_for_outlet(*, outlet: Outlet, reason: str, by: Any) -> int:
    """Revoke every active grant at the outlet (R6.4: suspension or termination of the outlet).

    Called by the outlet lifecycle inside its own transition, which has already checked the caller's
    authority; so no permission is required here. Each revocation is audited, appears in the staff
    member's history, and ends the sessions of the affected account. Returns how many were revoked."""
    status = Outlet.objects.filter(pk=outlet.pk).values_list("status", flat=True).first()
    kind = {
        OutletStatus.SUSPENDED: RevokeReason.OUTLET_SUSPENDED,
        OutletStatus.TERMINATED: RevokeReason.OUTLET_TERMINATED,
    }.get(status, RevokeReason.OTHER)  # type: ignore[call-overload]
    n = 0
    with transaction.atomic():
        for grant in PermissionGrant.objects.filter(outlet=outlet, status=GrantStatus.ACTIVE).order_by("pk"):
            _end_grant(
                grant, action="revoke", kind=kind, note=reason or str(kind.label), by=by, check_roles=False
            )
            n += 1
        record(action="grant.revoke_for_outlet", by=by, obj=outlet, reason=reason, after={"revoked": n})
    return n


# --- confidentiality and security education (R7.3, R9.3) --------------------------------------------


def education_record(
    *, staff: StaffMember, held_on: dt.date | None, topic: str = "", by: Any
) -> SecurityEducation:
    """Record that a staff member attended confidentiality and security education on `held_on` (the outlet,
    its bank or the district records it). It counts for `education_period_months` from that day (R7.3)."""
    require(by, "staffing.record_education")
    require_scope(by, staff)
    today = timezone.localdate()
    errors: dict[str, str] = {}
    cfg = StaffingSettings.current()
    if held_on is None:
        errors["held_on"] = _("请填写教育日期。")
    elif held_on > today:
        errors["held_on"] = _("教育日期不能晚于今天。")
    elif selectors.add_months(held_on, cfg.education_period_months) < today:
        errors["held_on"] = _("该日期的教育已超过有效周期，请登记最近一次教育。")
    if staff.status != StaffStatus.ACTIVE:
        errors[NON_FIELD_ERRORS] = _("该人员不在岗，不能登记教育。")
    if errors:
        raise ValidationError(errors)
    assert held_on is not None
    with transaction.atomic():
        edu = SecurityEducation.objects.create(
            staff=staff,
            held_on=held_on,
            valid_until=selectors.add_months(held_on, cfg.education_period_months),
            topic=(topic or "").strip()[:200],
            recorded_by=by,
        )
        _event(staff, StaffEvent.Kind.GRANT, _("接受保密和安全教育（%(d)s）") % {"d": _d(held_on)}, by)
        record(
            action="education.record",
            by=by,
            obj=edu,
            after={
                "staff": staff.pk,
                "held_on": held_on.isoformat(),
                "valid_until": edu.valid_until.isoformat(),
            },
        )
    return edu


def grants_lapse_without_education(*, today: dt.date | None = None) -> int:
    """R7.3: an active grant whose holder has no current confidentiality and security education lapses
    (revoked by the platform, audited, sessions ended). Idempotent."""
    today = today or timezone.localdate()
    n = 0
    for grant in PermissionGrant.objects.filter(status=GrantStatus.ACTIVE).select_related("staff"):
        due = selectors.education_due(grant)
        if due is None or due >= today:
            continue
        with transaction.atomic():
            _end_grant(
                grant,
                action="revoke",
                kind=RevokeReason.NO_EDUCATION,
                note=_("保密和安全教育已于%(d)s到期") % {"d": _d(due)},
                by=None,
                check_roles=False,
            )
        n += 1
    return n


def education_reminders_send(*, today: dt.date | None = None) -> int:
    """Tell the staff member, the outlet manager and the district officers `education_reminder_days` before
    a grant would lapse for want of education; once per due date."""
    today = today or timezone.localdate()
    cfg = StaffingSettings.current()
    horizon = today + dt.timedelta(days=cfg.education_reminder_days)
    sent = 0
    for g in PermissionGrant.objects.select_related("staff__user", "staff__outlet", "staff__district").filter(
        status=GrantStatus.ACTIVE
    ):
        due = selectors.education_due(g)
        if due is None or not today <= due <= horizon or g.education_reminded_on == due:
            continue
        with transaction.atomic():
            people = [
                g.staff.user,
                *_users(Role.OUTLET_MANAGER, outlet=g.staff.outlet),
                *_users(Role.DISTRICT_OFFICER, agency=g.staff.district),
            ]
            sent += notify(
                users=[u for u in people if u is not None],
                title=_("保密和安全教育将于%(d)s到期：%(n)s") % {"d": _d(due), "n": g.staff.name},
                body=_("到期前未登记新的保密和安全教育的，业务权限将自动失效。"),
                url=reverse("staffing:staff_detail", args=[g.staff_id]),
                kind=Notification.Kind.DEADLINE,
            )
            PermissionGrant.objects.filter(pk=g.pk).update(education_reminded_on=due)
            record(action="education.remind", by=None, obj=g, after={"due": due.isoformat()})
    return sent


# --- the daily sweep: expiry and reminders -----------------------------------------------------------


def grants_expire(*, today: dt.date | None = None) -> int:
    """Mark grants past their end date as expired (idempotent); their accounts' sessions end."""
    today = today or timezone.localdate()
    n = 0
    for grant in PermissionGrant.objects.filter(status=GrantStatus.ACTIVE, valid_until__lt=today):
        with transaction.atomic():
            _end_grant(grant, action="expire", kind="", note="", by=None)
        n += 1
    return n


def reminders_send(*, today: dt.date | None = None) -> int:
    """Notify staff, outlet managers and district officers N days before a grant, an exam pass or an
    agreement expires. Each object is reminded once (reminded_at), so the job may run any number of times."""
    today = today or timezone.localdate()
    cfg = StaffingSettings.current()
    horizon = today + dt.timedelta(days=cfg.reminder_days)
    sent = 0
    now = timezone.now()

    def people(staff: StaffMember) -> list[Any]:
        return [
            staff.user,
            *_users(Role.OUTLET_MANAGER, outlet=staff.outlet),
            *_users(Role.DISTRICT_OFFICER, agency=staff.district),
        ]

    with transaction.atomic():
        for g in PermissionGrant.objects.select_related(
            "staff__user", "staff__outlet", "staff__district"
        ).filter(
            status=GrantStatus.ACTIVE,
            reminded_at__isnull=True,
            valid_until__gte=today,
            valid_until__lte=horizon,
        ):
            sent += notify(
                users=[u for u in people(g.staff) if u is not None],
                title=_("业务权限将于%(d)s到期：%(n)s") % {"d": _d(g.valid_until), "n": g.staff.name},
                body=_("请安排复训、重新考核并续签保密协议，再申请新的授权。"),
                url=reverse("staffing:staff_detail", args=[g.staff_id]), kind=Notification.Kind.DEADLINE,
            )  # fmt: skip
            PermissionGrant.objects.filter(pk=g.pk).update(reminded_at=now)
        for a in ExamAttempt.objects.select_related("staff__user", "staff__outlet", "staff__district", "course").filter(
            passed=True, reminded_at__isnull=True, valid_until__gte=today, valid_until__lte=horizon,
            staff__status=StaffStatus.ACTIVE, course__certifies=True,
        ):  # fmt: skip
            if ExamAttempt.objects.filter(staff=a.staff, passed=True, valid_until__gt=a.valid_until).exists():
                ExamAttempt.objects.filter(pk=a.pk).update(reminded_at=now)  # already renewed
                continue
            sent += notify(
                users=[u for u in people(a.staff) if u is not None],
                title=_("考核合格将于%(d)s到期：%(n)s") % {"d": _d(a.valid_until), "n": a.staff.name},
                body=a.course.title, url=reverse("staffing:my"), kind=Notification.Kind.DEADLINE,
            )  # fmt: skip
            ExamAttempt.objects.filter(pk=a.pk).update(reminded_at=now)
        for c in ConfidentialityAgreement.objects.select_related("staff__user", "staff__outlet", "staff__district").filter(
            reminded_at__isnull=True, valid_until__gte=today, valid_until__lte=horizon, staff__status=StaffStatus.ACTIVE
        ):  # fmt: skip
            if ConfidentialityAgreement.objects.filter(staff=c.staff, valid_until__gt=c.valid_until).exists():
                ConfidentialityAgreement.objects.filter(pk=c.pk).update(reminded_at=now)
                continue
            sent += notify(
                users=[u for u in people(c.staff) if u is not None],
                title=_("保密协议将于%(d)s到期：%(n)s") % {"d": _d(c.valid_until), "n": c.staff.name},
                body=_("请本人登录系统续签保密协议。"), url=reverse("staffing:my"), kind=Notification.Kind.DEADLINE,
            )  # fmt: skip
            ConfidentialityAgreement.objects.filter(pk=c.pk).update(reminded_at=now)
        if sent:
            record(
                action="staffing.reminders",
                by=None,
                object_type="staffing.reminder",
                after={"notifications": sent},
            )
    return sent


def sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """The daily job: time out overdue exams, expire grants, send reminders. Safe to run twice."""
    return {
        "attempts_timed_out": attempts_time_out(),
        "grants_expired": grants_expire(today=today),
        "grants_lapsed_education": grants_lapse_without_education(today=today),
        "reminders": reminders_send(today=today),
        "education_reminders": education_reminders_send(today=today),
    }
