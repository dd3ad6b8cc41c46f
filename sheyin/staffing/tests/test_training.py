"""Training (Annex 6): the district organises sessions; the outlet manager enrols; attendance gives hours."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.staffing import selectors, services
from sheyin.staffing.models import Course
from sheyin.staffing.workflow import EnrolmentStatus, SessionStatus

from .factories import CourseFactory, SessionFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    return {
        "officer": user_with_role(Role.DISTRICT_OFFICER, agency=district("110105")),
        "manager": user_with_role(Role.OUTLET_MANAGER, outlet=outlet),
        "outlet": outlet,
        "staff": StaffFactory(outlet=outlet),
    }


def session_data(course, **kw):  # type: ignore[no-untyped-def]
    start = timezone.now() + dt.timedelta(days=2)
    d = {"course": course, "starts_at": start, "ends_at": start + dt.timedelta(hours=4), "place": "培训室",
         "video_link": "", "capacity": 2, "hours": Decimal("4")}  # fmt: skip
    d.update(kw)
    return d


def test_the_district_publishes_a_session_in_its_own_district(world) -> None:  # type: ignore[no-untyped-def]
    course = services.course_save(data={"code": "T1", "title": "集中培训", "kind": Course.Kind.CENTRALISED},
                                  by=world["officer"])  # fmt: skip
    assert course.district == district("110105")
    session = services.session_save(data=session_data(course), by=world["officer"])
    assert session.district == district("110105") and session.status == SessionStatus.PLANNED


def test_a_session_needs_a_place_or_a_video_link_and_sane_times(world) -> None:  # type: ignore[no-untyped-def]
    course = CourseFactory()
    start = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as info:
        services.session_save(data=session_data(course, place="", ends_at=start - dt.timedelta(hours=1),
                                                starts_at=start), by=world["officer"])  # fmt: skip
    assert {"place", "ends_at"} <= set(info.value.message_dict)
    with pytest.raises(ValidationError, match="学时不能超过培训时长"):
        services.session_save(data=session_data(course, hours=Decimal("9")), by=world["officer"])


def test_outlets_cannot_organise_training(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        services.session_save(data=session_data(CourseFactory()), by=world["manager"])


def test_the_outlet_manager_enrols_own_staff_up_to_capacity(world) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory(capacity=1)
    e = services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    assert e.status == EnrolmentStatus.ENROLLED
    with pytest.raises(ValidationError, match="已报名"):
        services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    with pytest.raises(ValidationError, match="名额已满"):
        services.enrolment_create(
            session=session, staff=StaffFactory(outlet=world["outlet"]), by=world["manager"]
        )


def test_a_manager_cannot_enrol_another_outlets_staff(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotAllowed):
        services.enrolment_create(session=SessionFactory(), staff=StaffFactory(), by=world["manager"])


def test_only_sessions_of_the_staff_members_district_are_open_to_them(world) -> None:  # type: ignore[no-untyped-def]
    elsewhere = SessionFactory(district=district("110108"))
    with pytest.raises(ValidationError, match="其他区"):
        services.enrolment_create(session=elsewhere, staff=world["staff"], by=world["manager"])


def test_attendance_gives_the_session_hours_and_absence_none(world) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory(capacity=5)
    other = StaffFactory(outlet=world["outlet"])
    e1 = services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    e2 = services.enrolment_create(session=session, staff=other, by=world["manager"])
    with pytest.raises(ValidationError, match="尚未开始"):
        services.attendance_record(session=session, attended={e1.pk}, by=world["officer"])
    type(session).objects.filter(pk=session.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=9), ends_at=timezone.now() - dt.timedelta(hours=1)
    )
    session.refresh_from_db()
    assert services.attendance_record(session=session, attended={e1.pk}, by=world["officer"]) == 2
    e1.refresh_from_db()
    e2.refresh_from_db()
    assert (e1.status, e1.hours_earned) == (EnrolmentStatus.ATTENDED, Decimal("8"))
    assert (e2.status, e2.hours_earned) == (EnrolmentStatus.ABSENT, Decimal("0"))
    assert selectors.training_hours(world["staff"]) == Decimal("8")
    assert selectors.training_hours(other) == Decimal("0")
    assert world["staff"].events.filter(kind="training", text__contains="获得8").exists()


def test_a_manager_cannot_record_attendance(world) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory()
    e = services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    with pytest.raises(NotAllowed):
        services.enrolment_transition(enrolment=e, action="attend", by=world["manager"])


def test_cancelling_a_session_cancels_its_enrolments(world) -> None:  # type: ignore[no-untyped-def]
    session = SessionFactory()
    e = services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    services.session_transition(session=session, action="cancel", by=world["officer"])
    e.refresh_from_db()
    assert e.status == EnrolmentStatus.CANCELLED
    with pytest.raises(ValidationError, match="不在报名阶段"):
        services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])


def test_training_already_held_is_recorded_by_its_organiser(client, world) -> None:  # type: ignore[no-untyped-def]
    """A session held last week is entered afterwards: the district adds who took part (补录), records the
    attendance and ends it; the outlet can no longer enrol anyone."""
    from django.urls import reverse

    held = timezone.now() - dt.timedelta(days=7)
    course = CourseFactory(district=district("110105"))
    session = services.session_save(data=session_data(course, starts_at=held, ends_at=held + dt.timedelta(hours=4)),
                                    by=world["officer"])  # fmt: skip
    with pytest.raises(ValidationError, match="只有组织培训的区经办机构可以补录"):
        services.enrolment_create(session=session, staff=world["staff"], by=world["manager"])
    url = reverse("staffing:session_detail", args=[session.pk])
    client.force_login(world["manager"])
    assert reverse("staffing:session_enrol", args=[session.pk]) not in client.get(url).content.decode()
    client.force_login(world["officer"])
    html = client.get(url).content.decode()
    assert "请补录实际参训人员" in html and "结束培训" in html
    resp = client.post(reverse("staffing:session_enrol", args=[session.pk]), {"staff": world["staff"].pk})
    assert resp.status_code == 302
    e = session.enrolments.get()
    assert world["staff"].events.filter(text__startswith="补录参训人员").exists()
    assert services.attendance_record(session=session, attended={e.pk}, by=world["officer"]) == 1
    services.session_transition(session=session, action="complete", by=world["officer"])
    session.refresh_from_db()
    assert session.status == SessionStatus.COMPLETED
    assert selectors.training_hours(world["staff"]) == Decimal("4")


def test_a_session_is_ended_only_after_its_end_time(client, world) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    session = SessionFactory(district=district("110105"))
    assert session.ends_at > timezone.now()
    with pytest.raises(ValidationError, match="培训尚未结束"):
        services.session_transition(session=session, action="complete", by=world["officer"])
    session.refresh_from_db()
    assert session.status == SessionStatus.PLANNED
    client.force_login(world["officer"])
    html = client.get(reverse("staffing:session_detail", args=[session.pk])).content.decode()
    assert 'value="complete"' not in html and "结束后，可登记出勤并结束培训" in html
    resp = client.post(
        reverse("staffing:session_status", args=[session.pk]), {"action": "complete"}, follow=True
    )
    assert "培训尚未结束" in resp.content.decode()
    with pytest.raises(NotAllowed):
        services.session_transition(session=session, action="complete", by=world["manager"])


def test_a_session_cancelled_sweeps_its_enrolments_with_one_audit_event_each(world) -> None:  # type: ignore[no-untyped-def]
    """The sweep goes row by row through the lifecycle engine: each enrolment locked and audited (rule 3)."""
    from sheyin.audit.models import AuditEvent

    session = SessionFactory()
    people = [world["staff"], StaffFactory(outlet=world["outlet"]), StaffFactory(outlet=world["outlet"])]
    rows = [services.enrolment_create(session=session, staff=s, by=world["manager"]) for s in people]
    services.session_transition(session=session, action="cancel", by=world["officer"])
    events = AuditEvent.objects.filter(action="enrolment.lapse")
    assert sorted(events.values_list("object_id", flat=True)) == sorted(str(e.pk) for e in rows)
    assert {(e.before["status"], e.after["status"]) for e in events} == {("enrolled", "cancelled")}
    assert set(events.values_list("actor_id", flat=True)) == {world["officer"].pk}
