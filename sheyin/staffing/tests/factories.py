"""Factories for outlet staff. They write rows directly; tests of a service call the service itself."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from django.utils import timezone

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.crypto import blind_index, encrypt
from sheyin.common.identifiers import make_id_number
from sheyin.common.masking import mask_id_number, mask_phone
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.staffing.models import (
    AgreementTemplate,
    ConfidentialityAgreement,
    Course,
    Enrolment,
    ExamAttempt,
    PermissionGrant,
    Question,
    StaffMember,
    TrainingSession,
)
from sheyin.staffing.workflow import AttemptStatus, EnrolmentStatus, GrantStatus, Post

_ids = itertools.count(1)


def new_id_number() -> str:
    n = next(_ids)
    return make_id_number(f"110105{1970 + n // 1000 % 40}0101{n % 1000:03d}")


def today() -> dt.date:
    return timezone.localdate()


class StaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    outlet = factory.SubFactory(OutletFactory)
    bank = factory.LazyAttribute(lambda o: o.outlet.bank)
    district = factory.LazyAttribute(lambda o: o.outlet.district)
    employee_no = factory.Sequence(lambda n: f"E{n:05d}")
    name = factory.Sequence(lambda n: f"经办{n}")
    post = Post.WINDOW

    class Params:
        id_number = factory.LazyFunction(new_id_number)
        phone = "13800138000"

    id_number_enc = factory.LazyAttribute(lambda o: encrypt(o.id_number))
    id_number_index = factory.LazyAttribute(lambda o: blind_index(o.id_number))
    id_number_masked = factory.LazyAttribute(lambda o: mask_id_number(o.id_number))
    phone_enc = factory.LazyAttribute(lambda o: encrypt(o.phone))
    phone_masked = factory.LazyAttribute(lambda o: mask_phone(o.phone))


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    code = factory.Sequence(lambda n: f"C{n:03d}")
    title = factory.Sequence(lambda n: f"上岗培训{n}")
    kind = Course.Kind.CENTRALISED
    exam_question_count = 4
    exam_minutes = 30


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingSession

    course = factory.SubFactory(CourseFactory)
    district = factory.LazyFunction(lambda: district("110105"))
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=8))
    place = "朝阳区社保中心培训室"
    capacity = 30
    hours = Decimal("8")


def question(course: Course, kind: str = "single", answer: list[int] | None = None, **kw: Any) -> Question:
    options = ["正确", "错误"] if kind == "true_false" else ["甲", "乙", "丙", "丁"]
    default = {"single": [0], "true_false": [1], "multiple": [0, 2]}[kind]
    return Question.objects.create(course=course, kind=kind, text=kw.pop("text", f"{kind}题"), options=options,
                                   answer=answer if answer is not None else default, **kw)  # fmt: skip


def trained(staff: StaffMember, hours: str = "16", days_ago: int = 30) -> Enrolment:
    past = timezone.now() - dt.timedelta(days=days_ago)
    session = SessionFactory(district=staff.district, starts_at=past, ends_at=past + dt.timedelta(hours=20),
                             hours=Decimal(hours))  # fmt: skip
    return Enrolment.objects.create(session=session, staff=staff, status=EnrolmentStatus.ATTENDED,
                                    hours_earned=Decimal(hours), attended_on=timezone.localdate(session.ends_at))  # fmt: skip


def passed(
    staff: StaffMember, valid_until: dt.date | None = None, course: Course | None = None
) -> ExamAttempt:
    at = timezone.now() - dt.timedelta(days=20)
    return ExamAttempt.objects.create(
        staff=staff, course=course or CourseFactory(), mode=ExamAttempt.Mode.OFFLINE, status=AttemptStatus.RECORDED,
        started_at=at, deadline=at, finished_at=at, score=Decimal("90"), passed=True,
        valid_until=valid_until or today() + dt.timedelta(days=700), verify_code="v" + str(next(_ids)),
        certificate_no=f"PX{next(_ids):08d}",
    )  # fmt: skip


def template() -> AgreementTemplate:
    tpl = AgreementTemplate.objects.order_by("-version").first()
    return tpl or AgreementTemplate.objects.create(version=1, title="保密协议", body="保密条款。" * 20)


def signed(staff: StaffMember, valid_until: dt.date | None = None) -> ConfidentialityAgreement:
    return ConfidentialityAgreement.objects.create(
        staff=staff, template=template(), title="保密协议", body="正文", signed_name=staff.name, consent=True,
        signed_at=timezone.now() - dt.timedelta(days=10), valid_until=valid_until or today() + dt.timedelta(days=700),
    )  # fmt: skip


def certified(staff: StaffMember) -> StaffMember:
    """All grant prerequisites hold (16 hours, a valid pass, a valid agreement)."""
    trained(staff)
    passed(staff)
    signed(staff)
    return staff


def active_grant(staff: StaffMember, channels: str = "O,T,W", categories: str = "benefits,card,query,registration",
                 valid_until: dt.date | None = None) -> PermissionGrant:  # fmt: skip
    return PermissionGrant.objects.create(
        staff=staff, outlet=staff.outlet, bank=staff.bank, district=staff.district, channels=channels,
        categories=categories, status=GrantStatus.ACTIVE, valid_from=today() - dt.timedelta(days=5),
        valid_until=valid_until or today() + dt.timedelta(days=300),
    )  # fmt: skip


def staff_with_account(outlet: Any = None, role: str = Role.OUTLET_STAFF, **kw: Any) -> StaffMember:
    """A roster entry linked to its own login account holding `role` at the same outlet."""
    outlet = outlet or OutletFactory()
    user = user_with_role(role, outlet=outlet)
    return StaffFactory(outlet=outlet, user=user, name=user.display_name, **kw)


def district_users(code: str = "110105") -> tuple[Any, Any, Any]:
    """A district officer and two district admins of the district."""
    d = district(code)
    return (
        user_with_role(Role.DISTRICT_OFFICER, agency=d),
        user_with_role(Role.DISTRICT_ADMIN, agency=d),
        user_with_role(Role.DISTRICT_ADMIN, agency=d),
    )
