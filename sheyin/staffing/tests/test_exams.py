"""Exams: exact scoring per question type, the server-side deadline, retake rules, offline scores, certificates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.staffing import scoring, services
from sheyin.staffing.models import ExamAttempt, StaffingSettings
from sheyin.staffing.pdfs import certificate_pdf
from sheyin.staffing.workflow import AttemptStatus

from .factories import CourseFactory, district_users, passed, question, staff_with_account, trained

pytestmark = pytest.mark.django_db


# --- the scoring rule, exactly ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "right", "chosen", "expected"),
    [
        ("single", [2], [2], True),
        ("single", [2], [1], False),
        ("single", [2], [], False),
        ("single", [2], [2, 1], False),  # two ticks on a single choice is wrong
        ("true_false", [0], [0], True),
        ("true_false", [0], [1], False),
        ("true_false", [1], None, False),
        ("multiple", [0, 2], [0, 2], True),
        ("multiple", [0, 2], [2, 0], True),  # order does not matter
        ("multiple", [0, 2], [0], False),  # a missing option earns nothing
        ("multiple", [0, 2], [0, 1, 2], False),  # an extra option earns nothing
        ("multiple", [0, 2], [1, 3], False),
        ("multiple", [0, 2], [], False),
    ],
)
def test_each_question_type_is_scored_exactly(kind, right, chosen, expected) -> None:  # type: ignore[no-untyped-def]
    assert scoring.is_correct(kind, right, chosen) is expected


def test_the_score_is_the_share_of_right_answers_rounded_half_up() -> None:
    assert scoring.score([True] * 8 + [False] * 2) == Decimal("80.00")
    assert scoring.score([True, True, False]) == Decimal("66.67")
    assert scoring.score([True, False, False]) == Decimal("33.33")
    assert scoring.score([]) == Decimal("0.00")
    assert scoring.passes(Decimal("80.00"), 80) and not scoring.passes(Decimal("79.99"), 80)


# --- online exams ----------------------------------------------------------------------------------


@pytest.fixture
def exam(reference):  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    trained(staff)
    course = CourseFactory(exam_question_count=4, exam_minutes=30)
    qs = {
        "single": question(course, "single", [1]),
        "multiple": question(course, "multiple", [0, 2]),
        "true_false": question(course, "true_false", [0]),
        "single2": question(course, "single", [3]),
    }
    return {"staff": staff, "user": staff.user, "course": course, "q": qs}


def start(exam, now=None):  # type: ignore[no-untyped-def]
    return services.attempt_start(staff=exam["staff"], course=exam["course"], by=exam["user"], now=now)


def test_an_exam_draws_the_configured_number_of_questions_with_a_server_side_deadline(exam) -> None:  # type: ignore[no-untyped-def]
    now = timezone.now()
    attempt = start(exam, now)
    assert attempt.answers.count() == 4
    assert attempt.deadline == now + dt.timedelta(minutes=30)
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert AuditEvent.objects.filter(action="exam.start", object_id=str(attempt.pk)).exists()


def test_all_right_answers_score_one_hundred_and_pass_with_a_certificate(exam) -> None:  # type: ignore[no-untyped-def]
    attempt = start(exam)
    answers = {q.pk: q.answer for q in exam["q"].values()}
    attempt = services.attempt_submit(attempt=attempt, by=exam["user"], answers=answers)
    assert attempt.score == Decimal("100.00") and attempt.passed
    assert attempt.status == AttemptStatus.SUBMITTED
    assert attempt.valid_until == timezone.localdate() + dt.timedelta(days=730)
    assert attempt.certificate_no and attempt.verify_code


def test_a_partly_right_multiple_choice_earns_nothing(exam) -> None:  # type: ignore[no-untyped-def]
    attempt = start(exam)
    q = exam["q"]
    answers = {q["single"].pk: [1], q["multiple"].pk: [0], q["true_false"].pk: [0], q["single2"].pk: [3]}
    attempt = services.attempt_submit(attempt=attempt, by=exam["user"], answers=answers)
    assert attempt.score == Decimal("75.00") and not attempt.passed
    assert attempt.valid_until is None and not attempt.certificate_no


def test_the_pass_mark_is_configurable(exam) -> None:  # type: ignore[no-untyped-def]
    StaffingSettings.objects.update_or_create(pk=1, defaults={"pass_mark": 75})
    attempt = start(exam)
    q = exam["q"]
    answers = {q["single"].pk: [1], q["multiple"].pk: [0], q["true_false"].pk: [0], q["single2"].pk: [3]}
    attempt = services.attempt_submit(attempt=attempt, by=exam["user"], answers=answers)
    assert attempt.pass_mark == 75 and attempt.passed


def test_a_timed_out_exam_is_scored_on_what_was_answered_before_the_deadline(exam) -> None:  # type: ignore[no-untyped-def]
    t0 = timezone.now()
    attempt = start(exam, t0)
    q = exam["q"]
    # Two right answers saved in time.
    services.attempt_answer(attempt=attempt, question_id=q["single"].pk, chosen=[1], by=exam["user"],
                            now=t0 + dt.timedelta(minutes=5))  # fmt: skip
    services.attempt_answer(attempt=attempt, question_id=q["true_false"].pk, chosen=[0], by=exam["user"],
                            now=t0 + dt.timedelta(minutes=6))  # fmt: skip
    # An answer after the deadline is refused and not saved.
    late = t0 + dt.timedelta(minutes=31)
    with pytest.raises(ValidationError, match="考试时间已到"):
        services.attempt_answer(
            attempt=attempt, question_id=q["multiple"].pk, chosen=[0, 2], by=exam["user"], now=late
        )
    # The late submission carries every right answer: they are ignored.
    every = {x.pk: x.answer for x in q.values()}
    attempt = services.attempt_submit(attempt=attempt, by=exam["user"], answers=every, now=late)
    assert attempt.status == AttemptStatus.TIMED_OUT
    assert attempt.score == Decimal("50.00") and not attempt.passed
    assert attempt.finished_at == attempt.deadline
    assert attempt.answers.get(question=q["multiple"]).answered_at is None


def test_the_sweep_scores_abandoned_exams_after_their_deadline(exam) -> None:  # type: ignore[no-untyped-def]
    t0 = timezone.now() - dt.timedelta(hours=1)
    attempt = start(exam, t0)
    services.attempt_answer(attempt=attempt, question_id=exam["q"]["single"].pk, chosen=[1], by=exam["user"],
                            now=t0 + dt.timedelta(minutes=1))  # fmt: skip
    assert services.attempts_time_out() == 1
    assert services.attempts_time_out() == 0
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.TIMED_OUT and attempt.score == Decimal("25.00")


def test_only_the_person_may_sit_their_exam(exam) -> None:  # type: ignore[no-untyped-def]
    other = user_with_role(Role.OUTLET_STAFF, outlet=exam["staff"].outlet)
    with pytest.raises(ValidationError, match="本人"):
        services.attempt_start(staff=exam["staff"], course=exam["course"], by=other)
    officer, _a, _b = district_users()
    with pytest.raises(NotAllowed):
        services.attempt_start(staff=exam["staff"], course=exam["course"], by=officer)


def test_the_exam_needs_the_training_hours_first(reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    course = CourseFactory(exam_question_count=1)
    question(course)
    with pytest.raises(ValidationError, match="须先完成16学时培训"):
        services.attempt_start(staff=staff, course=course, by=staff.user)


def test_retakes_are_limited_per_period(exam) -> None:  # type: ignore[no-untyped-def]
    StaffingSettings.objects.update_or_create(pk=1, defaults={"max_attempts": 2, "attempt_window_days": 30})
    t0 = timezone.now() - dt.timedelta(days=3)
    for i in range(2):
        a = start(exam, t0 + dt.timedelta(hours=i))
        services.attempt_submit(
            attempt=a, by=exam["user"], answers={}, now=t0 + dt.timedelta(hours=i, minutes=5)
        )
    with pytest.raises(ValidationError, match="30天内最多参加2次考试"):
        start(exam)
    # After the window the person may sit again.
    assert start(exam, timezone.now() + dt.timedelta(days=28)).status == AttemptStatus.IN_PROGRESS


def test_one_open_exam_at_a_time(exam) -> None:  # type: ignore[no-untyped-def]
    start(exam)
    with pytest.raises(ValidationError, match="未交卷"):
        start(exam)


def test_a_person_with_a_long_valid_pass_need_not_retake(exam) -> None:  # type: ignore[no-untyped-def]
    passed(exam["staff"], course=exam["course"])
    with pytest.raises(ValidationError, match="已通过该课程考核"):
        start(exam)


def test_a_bank_too_small_for_the_draw_is_refused(exam) -> None:  # type: ignore[no-untyped-def]
    exam["course"].exam_question_count = 10
    exam["course"].save()
    with pytest.raises(ValidationError, match="题库试题不足"):
        start(exam)


# --- offline scores and certificates ---------------------------------------------------------------


def pdf_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("sheet.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


def test_an_offline_score_is_entered_with_evidence_by_the_district(exam) -> None:  # type: ignore[no-untyped-def]
    officer, _a, _b = district_users()
    attempt = services.attempt_record_offline(staff=exam["staff"], course=exam["course"], score="86.5",
                                              taken_on=timezone.localdate(), evidence=pdf_upload(), by=officer)  # fmt: skip
    assert attempt.mode == ExamAttempt.Mode.OFFLINE and attempt.passed and attempt.score == Decimal("86.50")
    assert attempt.evidence.name.endswith(".pdf") and attempt.recorded_by == officer


def test_an_offline_score_needs_valid_evidence_and_a_sane_score(exam) -> None:  # type: ignore[no-untyped-def]
    officer, _a, _b = district_users()
    fake = SimpleUploadedFile("sheet.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as info:
        services.attempt_record_offline(staff=exam["staff"], course=exam["course"], score="120",
                                        taken_on=timezone.localdate() + dt.timedelta(days=1), evidence=fake, by=officer)  # fmt: skip
    assert set(info.value.message_dict) == {"score", "taken_on", "evidence"}


def test_an_outlet_cannot_enter_exam_scores(exam) -> None:  # type: ignore[no-untyped-def]
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=exam["staff"].outlet)
    with pytest.raises(NotAllowed):
        services.attempt_record_offline(staff=exam["staff"], course=exam["course"], score=90,
                                        taken_on=timezone.localdate(), evidence=pdf_upload(), by=manager)  # fmt: skip


def test_the_certificate_is_a_pdf_with_the_verification_link(exam, client) -> None:  # type: ignore[no-untyped-def]
    attempt = passed(exam["staff"])
    data = certificate_pdf(attempt, "http://testserver/staffing/verify/" + attempt.verify_code + "/")
    assert data.startswith(b"%PDF-") and b"FontFile2" in data  # the CJK font is embedded
    page = client.get(f"/staffing/verify/{attempt.verify_code}/")
    assert page.status_code == 200 and attempt.certificate_no in page.content.decode()
    assert exam["staff"].name not in page.content.decode()  # only the masked name is public
    assert client.get("/staffing/verify/not-a-code/").status_code == 404
