"""Pages of outlet staff management. Views parse input, call a service or a selector, and render."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sheyin.accounts.models import User
from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import assignments_of
from sheyin.common.access import permission_required, public
from sheyin.common.batch import report, run_batch, selected_ids
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.links import public_url
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate, scope_filters
from sheyin.institutions.models import Agency, OutletStatus
from sheyin.institutions.selectors import banks_for, districts, outlets_for

from . import selectors, services
from .forms import (
    CourseForm,
    DecisionForm,
    EnrolForm,
    GrantForm,
    LinkUserForm,
    OfflineScoreForm,
    QuestionForm,
    RevokeForm,
    SessionForm,
    SettingsForm,
    SignForm,
    StaffForm,
    TemplateForm,
    TransferForm,
)
from .models import Course, ExamAttempt, PermissionGrant, Question, StaffMember
from .pdfs import certificate_pdf
from .workflow import (
    ENROLMENT_TRANSITIONS,
    GRANT_TRANSITIONS,
    SESSION_TRANSITIONS,
    STAFF_TRANSITIONS,
    AttemptStatus,
    EnrolmentStatus,
    GrantStatus,
    Post,
    SessionStatus,
    StaffStatus,
    TransferStatus,
    can,
)


def _municipal(user: Any) -> bool:
    return any(LEVEL[Role(a.role)] == Level.ALL for a in assignments_of(user))


def _can_edit_course(user: Any, course: Course) -> bool:
    """The municipal center keeps the city-wide courses; a district keeps its own."""
    if _municipal(user):
        return True
    return any(
        a.role in (Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER) and a.agency_id == course.district_id
        for a in assignments_of(user)
    )


def _errors_to_messages(request: HttpRequest, exc: ValidationError) -> None:
    for m in exc.messages:
        messages.error(request, m)


# --- roster ------------------------------------------------------------------------------------------

STAFF_LIST = ListSpec(
    search_fields=("name", "employee_no", "outlet__name"),
    filters={
        "post": "post",
        "status": "status",
        **scope_filters("outlet", district="district_id", bank="bank_id"),
    },
    order_by=("outlet__code", "name"),
    sorts={
        "name": "name",
        "employee_no": "employee_no",
        "outlet": "outlet__name",
        "post": "post",
        "status": "status",
    },
)
STAFF_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda s: s.name),
    Column(gettext_lazy("银行员工编号"), lambda s: s.employee_no),
    Column(gettext_lazy("身份证号"), lambda s: s.id_number_masked),
    Column(gettext_lazy("手机号"), lambda s: s.phone_masked),
    Column(gettext_lazy("所在网点"), lambda s: s.outlet.name),
    Column(gettext_lazy("银行"), lambda s: s.bank.short_name),
    Column(gettext_lazy("所在区"), lambda s: s.district.district_name),
    Column(gettext_lazy("岗位"), lambda s: s.get_post_display()),
    Column(gettext_lazy("状态"), lambda s: s.get_status_display()),
    Column(gettext_lazy("权限有效期至"), lambda s: s.grant_until or ""),
]


def _with_grant(qs: Any) -> Any:
    today = timezone.localdate()
    live = PermissionGrant.objects.filter(
        staff=OuterRef("pk"), status=GrantStatus.ACTIVE, valid_from__lte=today, valid_until__gte=today
    )
    return qs.annotate(
        has_grant=Exists(live), grant_until=live.order_by("-valid_until").values("valid_until")[:1]
    )


@list_view(STAFF_LIST)
@permission_required("staffing.view")
def staff_list(request: HttpRequest) -> HttpResponse:
    qs = _with_grant(apply(selectors.staff_for(request.user), request, STAFF_LIST))
    if request.GET.get("granted") == "yes":
        qs = qs.filter(has_grant=True)
    elif request.GET.get("granted") == "no":
        qs = qs.filter(has_grant=False)
    if request.GET.get("export") == "xlsx":
        if not request.user.has_perm("staffing.export"):
            messages.error(request, _("您没有导出权限。"))
            return redirect(request.path)
        return export_response(
            request, filename="staff", title=_("经办人员花名册"), columns=STAFF_COLUMNS, qs=qs
        )
    ctx = {
        "page_obj": paginate(qs, request),
        "outlets": outlets_for(request.user).order_by("code")[:500],
        "posts": Post.choices,
        "statuses": StaffStatus.choices,
    }
    template = "staffing/_staff_rows.html" if getattr(request, "htmx", False) else "staffing/staff_list.html"
    return render(request, template, ctx)


@permission_required("staffing.manage_roster")
def staff_create(request: HttpRequest) -> HttpResponse:
    outlets = outlets_for(request.user).exclude(status=OutletStatus.TERMINATED).order_by("code")
    form = StaffForm(request.POST or None, outlets=outlets, initial={"outlet": request.GET.get("outlet")})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        outlet = data.pop("outlet")
        try:
            staff = services.staff_create(outlet=outlet, data=data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("人员已登记到花名册。"))
            return redirect("staffing:staff_detail", pk=staff.pk)
    return render(request, "staffing/form.html", {
        "form": form, "title": _("登记经办人员"), "back": reverse("staffing:staff_list"),
        "help": _("身份证号加密保存，只以脱敏形式显示；同一人同时只能在一个网点在册。")})  # fmt: skip


@permission_required("staffing.manage_roster")
def staff_edit(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    # Neither the ID number nor the phone number is ever put back on the page: blank means unchanged.
    initial = {"employee_no": staff.employee_no, "name": staff.name, "post": staff.post}
    form = StaffForm(request.POST or None, outlets=None, editing=True, initial=initial, current=staff)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_update(staff=staff, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("花名册信息已保存。"))
            return redirect("staffing:staff_detail", pk=staff.pk)
    return render(request, "staffing/form.html", {
        "form": form, "title": _("编辑经办人员") + " · " + staff.name,
        "back": reverse("staffing:staff_detail", args=[staff.pk])})  # fmt: skip


def _staff_context(request: HttpRequest, staff: StaffMember) -> dict[str, Any]:
    user = request.user
    link_users = User.objects.filter(
        assignments__outlet_id=staff.outlet_id, assignments__role__in=[Role.OUTLET_STAFF, Role.OUTLET_MANAGER]
    ).distinct()
    return {
        "staff": staff,
        "checks": selectors.grant_checks(staff),
        "hours": selectors.training_hours(staff),
        "rules": selectors.rules(),
        "enrolments": selectors.enrolments_for(user).filter(staff=staff).order_by("-session__starts_at")[:20],
        "attempts": selectors.attempts_for(user).filter(staff=staff)[:20],
        "agreements": selectors.agreements_for(user).filter(staff=staff)[:10],
        "educations": selectors.educations_for(user).filter(staff=staff)[:10],
        **_education_due(staff),
        "grants": selectors.grants_for(user).filter(staff=staff)[:20],
        "transfers": selectors.transfers_for(user).filter(staff=staff)[:10],
        "events": paginate(selectors.staff_events_for(user).filter(staff=staff), request),
        "status_actions": [
            (a, lbl)
            for a, lbl in (("suspend", _("停岗")), ("reinstate", _("复岗")), ("leave", _("办理离职")))
            if can(STAFF_TRANSITIONS, a, staff.status, user)
        ],
        "link_form": LinkUserForm(users=link_users, initial={"user": staff.user_id}),
        "transfer_form": TransferForm(outlets=selectors.transfer_targets(staff)),
        "can_transfer": user.has_perm("staffing.transfer")
        and staff.status != StaffStatus.LEFT
        and not staff.transfers.filter(status=TransferStatus.PROPOSED).exists(),
    }


def _education_due(staff: StaffMember) -> dict[str, Any]:
    grant = staff.grants.filter(status=GrantStatus.ACTIVE).first()
    due = selectors.education_due(grant) if grant is not None else None
    soon = due is not None and due <= timezone.localdate() + dt.timedelta(
        days=selectors.rules().education_reminder_days
    )
    return {"education_due": due, "education_due_soon": soon}


@permission_required("staffing.view")
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    return render(request, "staffing/staff_detail.html", _staff_context(request, staff))


@require_POST
@permission_required("staffing.record_education")
def education_record(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    raw = request.POST.get("held_on", "").strip()
    try:
        held_on = dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        messages.error(request, _("教育日期格式不正确。"))
        return redirect("staffing:staff_detail", pk=staff.pk)
    try:
        services.education_record(
            staff=staff, held_on=held_on, topic=request.POST.get("topic", ""), by=request.user
        )
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("保密和安全教育已登记。"))
    return redirect("staffing:staff_detail", pk=staff.pk)


@require_POST
@permission_required("staffing.manage_roster")
def staff_status(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    try:
        services.staff_transition(staff=staff, action=request.POST.get("action", ""),
                                  reason=request.POST.get("reason", ""), by=request.user)  # fmt: skip
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("人员状态已更新。"))
    return redirect("staffing:staff_detail", pk=staff.pk)


@require_POST
@permission_required("staffing.manage_roster")
def staff_link(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    user_id = request.POST.get("user") or None
    target = User.objects.filter(pk=user_id).first() if user_id else None
    if user_id and target is None:
        messages.error(request, _("账号不存在。"))
        return redirect("staffing:staff_detail", pk=staff.pk)
    try:
        services.staff_link_user(staff=staff, user=target, by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("账号绑定已更新。"))
    return redirect("staffing:staff_detail", pk=staff.pk)


@require_POST
@permission_required("staffing.transfer")
def transfer_propose(request: HttpRequest, pk: int) -> HttpResponse:
    staff = get_object_or_404(selectors.staff_for(request.user), pk=pk)
    form = TransferForm(request.POST, outlets=selectors.transfer_targets(staff))
    if form.is_valid():
        try:
            services.transfer_propose(staff=staff, to_outlet=form.cleaned_data["to_outlet"],
                                      note=form.cleaned_data["note"], by=request.user)  # fmt: skip
        except ValidationError as exc:
            _errors_to_messages(request, exc)
        else:
            messages.success(request, _("调动已提出，待调入网点接收。"))
    else:
        messages.error(request, _("请选择调入网点。"))
    return redirect("staffing:staff_detail", pk=staff.pk)


@permission_required("staffing.transfer")
def transfer_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.transfers_for(request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status)
    mine = set(outlets_for(request.user).values_list("pk", flat=True))
    page = paginate(qs.order_by("-created_at"), request)
    for t in page:
        t.can_receive = (
            t.status == TransferStatus.PROPOSED
            and t.to_outlet_id in mine
            and t.proposed_by_id != request.user.pk
        )
        t.can_cancel = t.status == TransferStatus.PROPOSED and t.from_outlet_id in mine
    return render(request, "staffing/transfer_list.html",
                  {"page_obj": page, "statuses": TransferStatus.choices})  # fmt: skip


@require_POST
@permission_required("staffing.transfer")
def transfer_decide(request: HttpRequest, pk: int) -> HttpResponse:
    transfer = get_object_or_404(selectors.transfers_for(request.user), pk=pk)
    try:
        services.transfer_decide(transfer=transfer, action=request.POST.get("action", ""),
                                 note=request.POST.get("note", ""), by=request.user)  # fmt: skip
    except (ValidationError, PermissionDenied) as exc:
        if isinstance(exc, ValidationError):
            _errors_to_messages(request, exc)
        else:
            messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
    else:
        messages.success(request, _("调动已处理。"))
    return redirect("staffing:transfer_list")


# --- training ----------------------------------------------------------------------------------------

SESSION_LIST = ListSpec(
    search_fields=("course__title", "place"),
    filters={"course": "course_id", "status": "status", "kind": "course__kind", "district": "district_id"},
    order_by=("-starts_at",),
    sorts={
        "course": "course__title",
        "kind": "course__kind",
        "starts": "starts_at",
        "district": "district__code",
        "hours": "hours",
        "status": "status",
    },
)


@list_view(SESSION_LIST)
@permission_required("staffing.view")
def session_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.sessions_for(request.user), request, SESSION_LIST)
    when = request.GET.get("when", "")
    now = timezone.now()
    if when == "upcoming":
        qs = qs.filter(ends_at__gte=now)
        if not request.list_query.sort:  # type: ignore[attr-defined]  # a chosen column keeps its order
            qs = qs.order_by("starts_at", "pk")
    elif when == "past":
        qs = qs.filter(ends_at__lt=now)
    return render(request, "staffing/session_list.html", {
        "page_obj": paginate(qs, request), "courses": selectors.courses_for(request.user).filter(active=True),
        "statuses": SessionStatus.choices, "kinds": Course.Kind.choices})  # fmt: skip


def _session_form(request: HttpRequest, instance: Any = None) -> SessionForm:
    return SessionForm(request.POST or None, instance=instance,
                       courses=selectors.courses_for(request.user).filter(active=True),
                       districts=districts(), municipal=_municipal(request.user))  # fmt: skip


@permission_required("staffing.manage_training")
def session_create(request: HttpRequest) -> HttpResponse:
    form = _session_form(request)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data.get(f) for f in services.SESSION_FIELDS}
        data["district"] = form.cleaned_data.get("district")
        try:
            session = services.session_save(data=data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("培训班次已发布。"))
            return redirect("staffing:session_detail", pk=session.pk)
    return render(request, "staffing/form.html", {"form": form, "title": _("发布培训班次"),
                                                  "back": reverse("staffing:session_list")})  # fmt: skip


@permission_required("staffing.manage_training")
def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_for(request.user), pk=pk)
    form = _session_form(request, instance=type(session).objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data.get(f) for f in services.SESSION_FIELDS}
        try:
            services.session_save(data=data, by=request.user, session=session)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("培训班次已保存。"))
            return redirect("staffing:session_detail", pk=session.pk)
    return render(request, "staffing/form.html", {"form": form, "title": _("编辑培训班次"),
                                                  "back": reverse("staffing:session_detail", args=[pk])})  # fmt: skip


@permission_required("staffing.view")
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_for(request.user), pk=pk)
    enrolments = (
        selectors.enrolments_for(request.user)
        .filter(session=session)
        .order_by("staff__outlet__code", "staff__name")
    )
    candidates = selectors.staff_for(request.user).filter(
        status=StaffStatus.ACTIVE, district_id=session.district_id
    )
    candidates = candidates.exclude(
        pk__in=session.enrolments.exclude(status=EnrolmentStatus.CANCELLED).values("staff_id")
    )
    now = timezone.now()
    organiser = request.user.has_perm("staffing.manage_training")
    can_attend = organiser and session.starts_at <= now
    rows = [
        (
            e,
            can(ENROLMENT_TRANSITIONS, "cancel", e.status, request.user)
            and request.user.has_perm("staffing.enrol"),
        )
        for e in enrolments
    ]
    return render(request, "staffing/session_detail.html", {
        "session": session, "rows": rows, "enrol_form": EnrolForm(staff=candidates),
        # Training already held: its organiser records who took part (the outlet enrols only before it ends).
        "can_enrol": request.user.has_perm("staffing.enrol") and session.status == SessionStatus.PLANNED
        and (session.ends_at > now or organiser),
        "backfill": session.ends_at <= now,
        "can_attend": can_attend and session.status != SessionStatus.CANCELLED,
        "can_manage": organiser and session.status == SessionStatus.PLANNED,
        "can_complete": organiser and can(SESSION_TRANSITIONS, "complete", session.status, request.user)
        and session.ends_at <= now,
        "seats_left": max(0, session.capacity - session.enrolled),  # type: ignore[attr-defined]
    })  # fmt: skip


@require_POST
@permission_required("staffing.enrol")
def session_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_for(request.user), pk=pk)
    staff = get_object_or_404(selectors.staff_for(request.user), pk=request.POST.get("staff") or 0)
    try:
        services.enrolment_create(session=session, staff=staff, by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("“%(n)s”已报名。") % {"n": staff.name})
    return redirect("staffing:session_detail", pk=session.pk)


@require_POST
@permission_required("staffing.manage_training")
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_for(request.user), pk=pk)
    attended = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
    try:
        n = services.attendance_record(session=session, attended=attended, by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("出勤已登记（%(n)s人次变更）。") % {"n": n})
    return redirect("staffing:session_detail", pk=session.pk)


@require_POST
@permission_required("staffing.manage_training")
def session_status(request: HttpRequest, pk: int) -> HttpResponse:
    session = get_object_or_404(selectors.sessions_for(request.user), pk=pk)
    try:
        services.session_transition(session=session, action=request.POST.get("action", ""), by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("班次状态已更新。"))
    return redirect("staffing:session_detail", pk=session.pk)


@require_POST
@permission_required("staffing.enrol")
def enrolment_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = get_object_or_404(selectors.enrolments_for(request.user), pk=pk)
    try:
        services.enrolment_transition(enrolment=enrolment, action="cancel", by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("staffing:session_detail", pk=enrolment.session_id)


@permission_required("staffing.view")
def course_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.courses_for(request.user).annotate(
        question_count=Count("questions", filter=Q(questions__active=True)),
        session_count=Count("sessions", distinct=True),
    )
    courses = list(qs.order_by("code"))
    for c in courses:
        c.can_edit = _can_edit_course(request.user, c)  # type: ignore[attr-defined]
    return render(request, "staffing/course_list.html", {"courses": courses})


def _course_form(request: HttpRequest, instance: Any = None) -> CourseForm:
    return CourseForm(request.POST or None, instance=instance, districts=districts(),
                      municipal=_municipal(request.user))  # fmt: skip


@permission_required("staffing.manage_training")
def course_create(request: HttpRequest) -> HttpResponse:
    form = _course_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_save(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("课程已保存。"))
            return redirect("staffing:course_list")
    return render(request, "staffing/form.html", {"form": form, "title": _("新建培训课程"),
                                                  "back": reverse("staffing:course_list")})  # fmt: skip


@permission_required("staffing.manage_training")
def course_edit(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(selectors.courses_for(request.user), pk=pk)
    if not _can_edit_course(request.user, course):
        raise PermissionDenied
    form = _course_form(request, instance=Course.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.course_save(data=form.cleaned_data, by=request.user, course=course)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("课程已保存。"))
            return redirect("staffing:course_list")
    return render(request, "staffing/form.html", {"form": form, "title": _("编辑培训课程"),
                                                  "back": reverse("staffing:course_list")})  # fmt: skip


@permission_required("staffing.manage_questions")
def question_list(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(selectors.courses_for(request.user), pk=pk)
    qs = selectors.questions_for(request.user).filter(course=course)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    counts = dict(qs.values_list("kind").annotate(n=Count("pk")))
    return render(request, "staffing/question_list.html", {
        "course": course, "page_obj": paginate(qs.order_by("kind", "pk"), request), "kinds": Question.Kind.choices,
        "can_edit": _can_edit_course(request.user, course),
        "counts": [(label, counts.get(v, 0)) for v, label in Question.Kind.choices]})  # fmt: skip


@permission_required("staffing.manage_questions")
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(selectors.courses_for(request.user), pk=pk)
    if not _can_edit_course(request.user, course):
        raise PermissionDenied
    form = QuestionForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(course=course, data=form.service_data(), by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc, default_field="text")
        else:
            messages.success(request, _("试题已保存。"))
            return redirect("staffing:question_list", pk=course.pk)
    return render(request, "staffing/form.html", {"form": form, "title": _("新增试题") + " · " + course.title,
                                                  "back": reverse("staffing:question_list", args=[course.pk])})  # fmt: skip


@permission_required("staffing.manage_questions")
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(selectors.questions_for(request.user), pk=pk)
    if not _can_edit_course(request.user, question.course):
        raise PermissionDenied
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        try:
            services.question_save(course=question.course, data=form.service_data(), by=request.user,
                                   question=question)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc, default_field="text")
        else:
            messages.success(request, _("试题已保存。"))
            return redirect("staffing:question_list", pk=question.course_id)
    return render(request, "staffing/form.html", {"form": form, "title": _("编辑试题"),
                                                  "back": reverse("staffing:question_list", args=[question.course_id])})  # fmt: skip


# --- exams -------------------------------------------------------------------------------------------

EXAM_LIST = ListSpec(
    search_fields=("staff__name", "staff__employee_no", "certificate_no"),
    filters={"course": "course_id", "mode": "mode", "status": "status", "outlet": "staff__outlet_id"},
    order_by=("-started_at",),
    sorts={
        "staff": "staff__name",
        "outlet": "staff__outlet__name",
        "course": "course__title",
        "mode": "mode",
        "started": "started_at",
        "status": "status",
        "score": "score",
        "until": "valid_until",
    },
)
EXAM_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda a: a.staff.name),
    Column(gettext_lazy("所在网点"), lambda a: a.staff.outlet.name),
    Column(gettext_lazy("课程"), lambda a: a.course.title),
    Column(gettext_lazy("方式"), lambda a: a.get_mode_display()),
    Column(gettext_lazy("开始时间"), lambda a: a.started_at),
    Column(gettext_lazy("成绩"), lambda a: a.score),
    Column(gettext_lazy("合格"), lambda a: _("是") if a.passed else _("否")),
    Column(gettext_lazy("有效期至"), lambda a: a.valid_until),
    Column(gettext_lazy("证书编号"), lambda a: a.certificate_no),
]


@list_view(EXAM_LIST)
@permission_required("staffing.view")
def exam_list(request: HttpRequest) -> HttpResponse:
    qs = apply(selectors.attempts_for(request.user), request, EXAM_LIST)
    if request.GET.get("passed") in ("1", "0"):
        qs = qs.filter(passed=request.GET["passed"] == "1")
    if request.GET.get("export") == "xlsx" and request.user.has_perm("staffing.export"):
        return export_response(request, filename="exams", title=_("考试记录"), columns=EXAM_COLUMNS, qs=qs)
    courses = selectors.courses_for(request.user)
    return render(request, "staffing/exam_list.html", {
        "page_obj": paginate(qs, request), "courses": courses, "modes": ExamAttempt.Mode.choices,
        "statuses": AttemptStatus.choices, "rules": selectors.rules(),
        "banks": courses.filter(has_exam=True).annotate(
            question_count=Count("questions", filter=Q(questions__active=True))) if request.user.has_perm(
            "staffing.manage_questions") else None})  # fmt: skip


@permission_required("staffing.record_offline_score")
def exam_offline(request: HttpRequest) -> HttpResponse:
    staff = selectors.staff_for(request.user).exclude(status=StaffStatus.LEFT)
    form = OfflineScoreForm(request.POST or None, request.FILES or None, staff=staff,
                            courses=selectors.courses_for(request.user).filter(has_exam=True, active=True),
                            initial={"staff": request.GET.get("staff")})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.attempt_record_offline(staff=d["staff"], course=d["course"], score=d["score"],
                                            taken_on=d["taken_on"], evidence=d["evidence"], note=d["note"],
                                            by=request.user)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("线下考试成绩已录入。"))
            return redirect("staffing:staff_detail", pk=d["staff"].pk)
    return render(request, "staffing/form.html", {
        "form": form, "title": _("录入线下考试成绩"), "back": reverse("staffing:exam_list"), "multipart": True,
        "help": _("成绩须附签字成绩单扫描件作为证明；补考次数同样受补考规则限制。")})  # fmt: skip


def _certificate_response(request: HttpRequest, attempt: ExamAttempt) -> HttpResponse:
    if not attempt.passed or not attempt.verify_code:
        raise Http404
    url = public_url(reverse("staffing:certificate_verify", args=[attempt.verify_code]))
    resp = HttpResponse(certificate_pdf(attempt, url), content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="certificate-{attempt.certificate_no}.pdf"'
    return resp


@permission_required("staffing.view")
def exam_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_response(request, get_object_or_404(selectors.attempts_for(request.user), pk=pk))


@permission_required("staffing.view")
def exam_evidence(request: HttpRequest, pk: int) -> HttpResponseBase:
    attempt = get_object_or_404(selectors.attempts_for(request.user), pk=pk)
    if not attempt.evidence:
        raise Http404
    return FileResponse(attempt.evidence.open("rb"), filename=attempt.evidence.name.rsplit("/", 1)[-1])


@public
def certificate_verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public check of a certificate by its QR code: masked name only, validity, whether a grant is in force."""
    attempt = (
        ExamAttempt.objects.select_related("staff__outlet", "course")
        .filter(verify_code=code[:32], passed=True)
        .first()
    )
    return render(request, "staffing/verify.html", {"attempt": attempt, "today": timezone.localdate()},
                  status=200 if attempt else 404)  # fmt: skip


# --- agreements --------------------------------------------------------------------------------------


@permission_required("staffing.view")
def agreement_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.agreements_for(request.user)
    q = request.GET.get("q", "").strip()[:50]
    if q:
        qs = qs.filter(Q(staff__name__icontains=q) | Q(staff__employee_no__icontains=q))
    today = timezone.localdate()
    if request.GET.get("valid") == "1":
        qs = qs.filter(valid_until__gte=today)
    elif request.GET.get("valid") == "0":
        qs = qs.filter(valid_until__lt=today)
    unsigned = (
        selectors.staff_for(request.user)
        .filter(status=StaffStatus.ACTIVE)
        .exclude(agreements__valid_until__gte=today)
    )
    return render(request, "staffing/agreement_list.html", {
        "page_obj": paginate(qs, request), "template": selectors.current_template(), "today": today,
        "unsigned": unsigned.count(), "unsigned_sample": unsigned[:10]})  # fmt: skip


@permission_required("staffing.view")
def template_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.current_template()
    can_edit = request.user.has_perm("staffing.edit_template")
    form = TemplateForm(
        request.POST or None, initial={"title": current.title, "body": current.body} if current else {}
    )
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        if form.is_valid():
            try:
                tpl = services.template_save(title=form.cleaned_data["title"], body=form.cleaned_data["body"],
                                             by=request.user)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("已发布保密协议模板第%(v)s版。") % {"v": tpl.version})
                return redirect("staffing:template_edit")
    versions = type(current).objects.order_by("-version")[:20] if current else []
    return render(request, "staffing/template_edit.html",
                  {"form": form, "current": current, "can_edit": can_edit, "versions": versions})  # fmt: skip


def _pdf_file(agreement: Any) -> HttpResponseBase:
    if not agreement.pdf:
        raise Http404
    resp = FileResponse(agreement.pdf.open("rb"), content_type="application/pdf",
                        filename=f"agreement-{agreement.pk}.pdf")  # fmt: skip
    resp["Content-Disposition"] = f'inline; filename="agreement-{agreement.pk}.pdf"'
    return resp


@permission_required("staffing.view")
def agreement_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _pdf_file(get_object_or_404(selectors.agreements_for(request.user), pk=pk))


# --- grants ------------------------------------------------------------------------------------------

GRANT_LIST = ListSpec(
    search_fields=("staff__name", "staff__employee_no", "outlet__name"),
    filters={"status": "status", **scope_filters("outlet"), "channel": "channels__contains",
             "category": "categories__contains"},
    order_by=("-created_at", "-id"),
    sorts={"created": "created_at", "until": "valid_until", "staff": "staff__name", "outlet": "outlet__name"},
)  # fmt: skip
GRANT_COLUMNS = [
    Column(gettext_lazy("姓名"), lambda g: g.staff.name),
    Column(gettext_lazy("网点"), lambda g: g.outlet.name),
    Column(gettext_lazy("办理渠道"), lambda g: g.channel_labels()),
    Column(gettext_lazy("业务类别"), lambda g: g.category_labels()),
    Column(gettext_lazy("状态"), lambda g: g.get_status_display()),
    Column(gettext_lazy("生效日期"), lambda g: g.valid_from),
    Column(gettext_lazy("有效期至"), lambda g: g.valid_until),
    Column(gettext_lazy("提出人"), lambda g: g.proposed_by),
    Column(gettext_lazy("审批人"), lambda g: g.decided_by),
]


@list_view(GRANT_LIST)
@permission_required("staffing.view")
def grant_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("batch") in ("approve", "reject"):
        # Batch decision: each ticked grant through grant_decide (maker-checker, scope, audit per grant).
        action = request.POST["batch"]
        result = run_batch(selected_ids(request), selectors.grants_for(request.user).select_related("staff"),
                           lambda g: services.grant_decide(grant=g, action=action,
                                                           note=request.POST.get("note", ""), by=request.user),
                           label=lambda g: g.staff.name)  # fmt: skip
        report(request, result, _("批准") if action == "approve" else _("驳回"))
        return redirect(request.get_full_path())
    qs = apply(selectors.grants_for(request.user), request, GRANT_LIST)
    if request.GET.get("expiring") == "1":
        today = timezone.localdate()
        qs = qs.filter(status=GrantStatus.ACTIVE, valid_until__lte=today + dt.timedelta(
            days=selectors.rules().reminder_days))  # fmt: skip
    if request.GET.get("export") == "xlsx" and request.user.has_perm("staffing.export"):
        return export_response(request, filename="grants", title=_("业务权限"), columns=GRANT_COLUMNS, qs=qs)
    from sheyin.catalogue.choices import Category, Channel

    pending = selectors.grants_for(request.user).filter(status=GrantStatus.PROPOSED).count()
    return render(request, "staffing/grant_list.html", {
        "page_obj": paginate(qs, request), "statuses": GrantStatus.choices, "channels": Channel.choices,
        "categories": Category.choices, "pending": pending,
        "batch_decide": request.user.has_perm("staffing.approve_grant") and pending > 0,
        "batch_actions": [("approve", _("批量批准"), "success"), ("reject", _("批量驳回"), "outline-danger")],
        "batch_reason": _("审批意见（驳回必填）")})  # fmt: skip


@permission_required("staffing.propose_grant")
def grant_propose(request: HttpRequest) -> HttpResponse:
    staff_qs = selectors.staff_for(request.user).filter(status=StaffStatus.ACTIVE)
    initial: dict[str, Any] = {
        "channels": ["O", "W"],
        "categories": ["query", "registration", "benefits", "card"],
    }
    if request.GET.get("staff"):
        initial["staff"] = request.GET["staff"]
    form = GrantForm(request.POST or None, staff=staff_qs, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            grant = services.grant_propose(staff=d["staff"], channels=d["channels"], categories=d["categories"],
                                           note=d["note"], by=request.user)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("授权申请已提交，待区级管理员审批。"))
            return redirect("staffing:grant_detail", pk=grant.pk)
    chosen = form["staff"].value()
    staff = staff_qs.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
    return render(request, "staffing/grant_form.html",
                  {"form": form, "staff": staff, "checks": selectors.grant_checks(staff) if staff else None})  # fmt: skip


@permission_required("staffing.propose_grant")
def grant_checks(request: HttpRequest) -> HttpResponse:
    """The prerequisite checklist of one person (htmx, when the proposer picks someone)."""
    value = request.GET.get("staff", "")
    staff = selectors.staff_for(request.user).filter(pk=value).first() if value.isdigit() else None
    return render(request, "staffing/_checks.html",
                  {"staff": staff, "checks": selectors.grant_checks(staff) if staff else None})  # fmt: skip


@permission_required("staffing.view")
def grant_detail(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_for(request.user), pk=pk)
    user = request.user
    is_proposer = grant.proposed_by_id == user.pk
    return render(request, "staffing/grant_detail.html", {
        "grant": grant,
        "checks": selectors.grant_checks(grant.staff) if grant.status == GrantStatus.PROPOSED else None,
        "can_decide": can(GRANT_TRANSITIONS, "approve", grant.status, user) and user.has_perm("staffing.approve_grant")
        and not is_proposer,
        "is_proposer": is_proposer,
        "can_withdraw": can(GRANT_TRANSITIONS, "withdraw", grant.status, user) and is_proposer,
        "can_revoke": can(GRANT_TRANSITIONS, "revoke", grant.status, user) and user.has_perm("staffing.revoke_grant"),
        "decision_form": DecisionForm(), "revoke_form": RevokeForm(),
    })  # fmt: skip


@require_POST
@permission_required("staffing.view")
def grant_decide(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_for(request.user), pk=pk)
    action = request.POST.get("action", "")
    if action not in ("approve", "reject", "withdraw"):
        messages.error(request, _("操作无效。"))
        return redirect("staffing:grant_detail", pk=grant.pk)
    try:
        services.grant_decide(grant=grant, action=action, note=request.POST.get("note", ""), by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
    else:
        messages.success(request, {"approve": _("已批准，业务权限即时生效。"), "reject": _("已驳回。"),
                                   "withdraw": _("申请已撤回。")}[action])  # fmt: skip
    return redirect("staffing:grant_detail", pk=grant.pk)


@require_POST
@permission_required("staffing.revoke_grant")
def grant_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    grant = get_object_or_404(selectors.grants_for(request.user), pk=pk)
    try:
        services.grant_revoke(grant=grant, reason=request.POST.get("reason", ""), note=request.POST.get("note", ""),
                              by=request.user)  # fmt: skip
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    else:
        messages.success(request, _("业务权限已撤销，该人员的会话在下一次请求时即失效。"))
    return redirect("staffing:grant_detail", pk=grant.pk)


# --- staffing check (Annex 1) ------------------------------------------------------------------------

CHECK_COLUMNS = [
    Column(gettext_lazy("网点编号"), lambda o: o.code),
    Column(gettext_lazy("网点名称"), lambda o: o.name),
    Column(gettext_lazy("银行"), lambda o: o.bank.short_name),
    Column(gettext_lazy("所在区"), lambda o: o.district.district_name),
    Column(gettext_lazy("状态"), lambda o: o.get_status_display()),
    Column(gettext_lazy("人工窗口数"), lambda o: o.windows),
    Column(gettext_lazy("持证窗口人员"), lambda o: o.window_certified),
    Column(gettext_lazy("持证引导员"), lambda o: o.guide_certified),
    Column(gettext_lazy("缺口"), lambda o: _shortfall_text(o)),
]


def _shortfall_text(o: Any) -> str:
    parts = []
    if o.window_certified < o.windows:
        parts.append(_("窗口经办缺%(n)s人") % {"n": o.windows - o.window_certified})
    if o.guide_certified < 1:
        parts.append(_("缺引导员1人"))
    return "；".join(parts) or _("达标")


@permission_required("staffing.check")
def staffing_check(request: HttpRequest) -> HttpResponse:
    statuses: tuple[str, ...] = (OutletStatus.OPERATING,)
    if request.GET.get("status") == "accepted":
        statuses = (OutletStatus.ACCEPTED,)
    qs = selectors.staffing_check(request.user, statuses=statuses)
    for param, lookup in (("district", "district_id"), ("bank", "bank_id")):
        if request.GET.get(param, "").isdigit():
            qs = qs.filter(**{lookup: request.GET[param]})
    total = qs.count()
    short = selectors.staffing_shortfalls(qs)
    show = qs if request.GET.get("all") == "1" else short
    show = show.order_by("district__code", "code")
    if request.GET.get("export") == "xlsx" and request.user.has_perm("staffing.export"):
        return export_response(
            request,
            filename="staffing-check",
            title=_("人员配备检查"),
            columns=CHECK_COLUMNS,
            qs=show,
        )
    page = paginate(show, request)
    for o in page:
        o.shortfall = _shortfall_text(o)
    return render(request, "staffing/check.html", {
        "page_obj": page, "total": total, "short_count": short.count(),
        "districts": districts() if _municipal(request.user) else Agency.objects.none(),
        "banks": banks_for(request.user)})  # fmt: skip


@permission_required("staffing.edit_settings")
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.rules()
    form = SettingsForm(request.POST or None, instance=type(current).objects.get(pk=current.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("参数已保存。"))
            return redirect("staffing:settings")
    return render(request, "staffing/form.html", {
        "form": form, "title": _("经办人员管理参数"), "back": reverse("staffing:staff_list"),
        "help": _("修改对全市生效，并记入审计日志。考试合格线、培训学时、各类有效期和补考规则均在此设置。")})  # fmt: skip


# --- self-service: the staff member's own training, exams, agreement and grant ----------------------


def _me(request: HttpRequest) -> StaffMember:
    staff = selectors.own_staff(request.user)
    if staff is None:
        raise Http404(_("您的账号尚未绑定网点花名册。"))
    return staff


@permission_required("staffing.take_exam")
def my(request: HttpRequest) -> HttpResponse:
    staff = selectors.own_staff(request.user)
    ctx: dict[str, Any] = {"staff": staff}
    if staff is not None:
        user = request.user
        attempts = selectors.attempts_for(user).filter(staff=staff)
        ctx.update({
            "checks": selectors.grant_checks(staff),
            "grant": selectors.active_grant_for(user),
            "rules": selectors.rules(),
            "hours": selectors.training_hours(staff),
            "enrolments": selectors.enrolments_for(user).filter(staff=staff).order_by("-session__starts_at")[:10],
            "courses": Course.objects.filter(active=True, has_exam=True).filter(
                Q(district__isnull=True) | Q(district_id=staff.district_id)).order_by("code"),
            "attempts": attempts[:10],
            "open_attempt": attempts.filter(status=AttemptStatus.IN_PROGRESS).first(),
            "agreement": selectors.latest_agreement(staff),
            "agreements": selectors.agreements_for(user).filter(staff=staff)[:5],
            "events": selectors.staff_events_for(user).filter(staff=staff)[:15],
            "upcoming": selectors.sessions_for(user).filter(
                status=SessionStatus.PLANNED, ends_at__gte=timezone.now(), district_id=staff.district_id
            ).order_by("starts_at")[:5],
        })  # fmt: skip
    return render(request, "staffing/my.html", ctx)


@require_POST
@permission_required("staffing.take_exam")
def my_exam_start(request: HttpRequest, course_pk: int) -> HttpResponse:
    staff = _me(request)
    course = get_object_or_404(Course.objects.filter(active=True, has_exam=True), pk=course_pk)
    try:
        attempt = services.attempt_start(staff=staff, course=course, by=request.user)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
        return redirect("staffing:my")
    return redirect("staffing:my_attempt", pk=attempt.pk)


def _my_attempt(request: HttpRequest, pk: int) -> ExamAttempt:
    staff = _me(request)
    return get_object_or_404(selectors.attempts_for(request.user).filter(staff=staff), pk=pk)


@permission_required("staffing.take_exam")
def my_attempt(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _my_attempt(request, pk)
    now = timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and now > attempt.deadline:
        attempt = services.attempt_submit(attempt=attempt, by=request.user, now=now)
        messages.warning(request, _("考试时间已到，系统已按截止前的作答自动交卷。"))
    answers = list(attempt.answers.select_related("question").order_by("position"))
    ctx = {"attempt": attempt, "answers": answers, "rules": selectors.rules()}
    if attempt.status == AttemptStatus.IN_PROGRESS:
        for a in answers:
            a.opts = [  # type: ignore[attr-defined]
                (i, "" if a.question.kind == Question.Kind.TRUE_FALSE else "ABCDEFGH"[i] + ". ", text)
                for i, text in enumerate(a.question.options)
            ]
        ctx.update(
            {"deadline_ms": int(attempt.deadline.timestamp() * 1000), "now_ms": int(time.time() * 1000)}
        )
        resp = render(request, "staffing/attempt_take.html", ctx)
        resp["Cache-Control"] = "no-store"
        return resp
    ctx["right"] = sum(1 for a in answers if a.correct)
    return render(request, "staffing/attempt_result.html", ctx)


@require_POST
@permission_required("staffing.take_exam")
def my_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """Autosave of one answer (htmx). After the deadline the page is sent to the result."""
    attempt = _my_attempt(request, pk)
    qid = request.POST.get("question", "")
    try:
        services.attempt_answer(attempt=attempt, question_id=int(qid) if qid.isdigit() else 0,
                                chosen=request.POST.getlist(f"q{qid}"), by=request.user)  # fmt: skip
    except ValidationError as exc:
        resp = render(request, "staffing/_saved.html", {"error": exc.messages[0]})
        if timezone.now() > attempt.deadline or attempt.status != AttemptStatus.IN_PROGRESS:
            resp["HX-Redirect"] = reverse("staffing:my_attempt", args=[attempt.pk])
        return resp
    return render(request, "staffing/_saved.html", {"at": timezone.localtime()})


@require_POST
@permission_required("staffing.take_exam")
def my_submit(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _my_attempt(request, pk)
    answers = {
        int(key[1:]): request.POST.getlist(key)
        for key in request.POST
        if key.startswith("q") and key[1:].isdigit()
    }
    try:
        services.attempt_submit(attempt=attempt, by=request.user, answers=answers)
    except ValidationError as exc:
        _errors_to_messages(request, exc)
    return redirect("staffing:my_attempt", pk=attempt.pk)


@permission_required("staffing.take_exam")
def my_certificate(request: HttpRequest, pk: int) -> HttpResponse:
    return _certificate_response(request, _my_attempt(request, pk))


@permission_required("staffing.sign_agreement")
def my_agreement(request: HttpRequest) -> HttpResponse:
    staff = _me(request)
    template = selectors.current_template()
    form = SignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_sign(staff=staff, typed_name=form.cleaned_data["signed_name"],
                                                consent=form.cleaned_data["consent"], by=request.user)  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("保密协议已签署，有效期至%(d)s。") % {"d": agreement.valid_until})
            return redirect("staffing:my")
    return render(request, "staffing/sign.html", {
        "staff": staff, "template": template, "form": form, "rules": selectors.rules(),
        "paragraphs": [p.strip() for p in template.body.splitlines() if p.strip()] if template else [],
        "latest": selectors.latest_agreement(staff)})  # fmt: skip


@permission_required("staffing.sign_agreement")
def my_agreement_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    staff = _me(request)
    return _pdf_file(get_object_or_404(selectors.agreements_for(request.user).filter(staff=staff), pk=pk))
