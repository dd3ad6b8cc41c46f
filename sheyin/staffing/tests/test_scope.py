"""Scope per role (design rule 2): district sees its district, bank its bank, outlet manager its outlet,
outlet staff only themselves; pages 404 outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.staffing import selectors
from sheyin.staffing.models import (
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

from .factories import (
    CourseFactory,
    SessionFactory,
    StaffFactory,
    active_grant,
    passed,
    question,
    signed,
    template,
    trained,
)

pytestmark = pytest.mark.django_db

NAMES = {"home": "本行本区甲", "home_bank_other_district": "本行他区乙", "other_bank_home_district": "他行本区丙",
         "other": "他行他区丁"}  # fmt: skip
SCOPED = [StaffMember, StaffEvent, Enrolment, ExamAttempt, ConfidentialityAgreement, PermissionGrant,
          SecurityEducation]  # fmt: skip


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    home_d, other_d = district("110105"), district("110108")
    home_b, other_b = BankFactory(), BankFactory()
    outlets = {
        "home": OutletFactory(bank=home_b, district=home_d),
        "home_bank_other_district": OutletFactory(bank=home_b, district=other_d),
        "other_bank_home_district": OutletFactory(bank=other_b, district=home_d),
        "other": OutletFactory(bank=other_b, district=other_d),
    }
    staff = {}
    for key, outlet in outlets.items():
        s = StaffFactory(outlet=outlet, name=NAMES[key])
        trained(s)
        passed(s)
        signed(s)
        active_grant(s)
        StaffEvent.objects.create(staff=s, kind="roster", text="登记")
        today = dt.date.today()
        SecurityEducation.objects.create(staff=s, held_on=today, valid_until=today + dt.timedelta(days=365),
                                         topic="保密教育", recorded_by=user_with_role(Role.OUTLET_MANAGER, outlet=outlet))  # fmt: skip
        staff[key] = s
    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=home_d)
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=home_b)
        else:
            users[role] = user_with_role(role, outlet=outlets["home"])
    # The outlet staff user is the home outlet's person.
    StaffMember.objects.filter(pk=staff["home"].pk).update(user=users[Role.OUTLET_STAFF])
    return {"staff": staff, "users": users}


def expected(role: Role) -> set[str]:
    level = LEVEL[role]
    if level == Level.ALL:
        return {"home", "home_bank_other_district", "other_bank_home_district", "other"}
    if level == Level.DISTRICT:
        return {"home", "other_bank_home_district"}
    if level == Level.BANK:
        return {"home", "home_bank_other_district"}
    return {"home"}


@pytest.mark.parametrize("role", list(Role))
def test_every_staffing_model_is_scoped_per_role(world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    for model in SCOPED:
        seen = set(scoped(model.objects.all(), user).values_list("pk", flat=True))
        key = "pk" if model is StaffMember else "staff_id"
        rows = {k: set(model.objects.filter(**{key: s.pk}).values_list("pk", flat=True))
                for k, s in world["staff"].items()}  # fmt: skip
        want = set().union(*(rows[k] for k in expected(role)))
        assert seen == want, model.__name__


@pytest.mark.parametrize("role", list(Role))
def test_staff_pages_stay_in_scope(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    client.force_login(user)
    can_view = user.has_perm("staffing.view")
    response = client.get(reverse("staffing:staff_list"))
    if not can_view:
        assert response.status_code == 403
        return
    body = response.content.decode()
    for key, s in world["staff"].items():
        assert (s.name in body) == (key in expected(role)), key
        status = client.get(reverse("staffing:staff_detail", args=[s.pk])).status_code
        assert status == (200 if key in expected(role) else 404), key
        grant = PermissionGrant.objects.get(staff=s)
        status = client.get(reverse("staffing:grant_detail", args=[grant.pk])).status_code
        assert status == (200 if key in expected(role) else 404), key


def test_outlet_staff_see_only_themselves_on_their_own_page(client, world) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][Role.OUTLET_STAFF]
    assert set(selectors.staff_for(user)) == {world["staff"]["home"]}
    client.force_login(user)
    body = client.get(reverse("staffing:my")).content.decode()
    assert "我的培训与授权" in body and NAMES["home"] in body and NAMES["other"] not in body
    other_attempt = ExamAttempt.objects.get(staff=world["staff"]["other"])
    assert client.get(reverse("staffing:my_certificate", args=[other_attempt.pk])).status_code == 404


def test_the_staffing_check_is_scoped(world) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.DISTRICT_OFFICER, Role.BANK_ADMIN, Role.OUTLET_MANAGER):
        user = world["users"][role]
        names = {o.name for o in selectors.staffing_check(user)}
        assert names == {s.outlet.name for k, s in world["staff"].items() if k in expected(role)}


# --- the other scoped models: rules and course content, sessions, question banks, transfers ------------


@pytest.mark.parametrize("role", list(Role))
def test_rules_courses_and_the_agreement_template_are_readable_by_every_role(world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    StaffingSettings.current()
    CourseFactory(district=district("110108"))
    template()
    for model in (StaffingSettings, Course, AgreementTemplate):
        assert scoped(model.objects.all(), user).count() == model.objects.count() > 0, model.__name__


@pytest.mark.parametrize("role", list(Role))
def test_training_sessions_and_question_banks_follow_the_district(world, role) -> None:  # type: ignore[no-untyped-def]
    user = world["users"][role]
    home_course, other_course = (
        CourseFactory(district=district("110105")),
        CourseFactory(district=district("110108")),
    )
    home_session = SessionFactory(course=home_course, district=district("110105"))
    other_session = SessionFactory(course=other_course, district=district("110108"))
    home_q, other_q = question(home_course), question(other_course)
    sessions = set(scoped(TrainingSession.objects.filter(pk__in=[home_session.pk, other_session.pk]), user))
    questions = set(scoped(Question.objects.filter(pk__in=[home_q.pk, other_q.pk]), user))
    level = LEVEL[role]
    if level in (Level.ALL, Level.BANK):
        assert sessions == {home_session, other_session}
    else:  # district, outlet and staff see their own district's sessions
        assert sessions == {home_session}
    if level == Level.ALL:
        assert questions == {home_q, other_q}
    elif level == Level.DISTRICT:
        assert questions == {home_q}
    else:  # exam content never reaches banks or outlets
        assert questions == set()


@pytest.mark.parametrize("role", list(Role))
def test_transfers_are_seen_by_both_ends_and_nobody_else(world, role) -> None:  # type: ignore[no-untyped-def]
    staff = world["staff"]
    out_of_home = Transfer.objects.create(
        staff=staff["home"], bank=staff["home"].bank, from_outlet=staff["home"].outlet,
        to_outlet=staff["home_bank_other_district"].outlet,
    )  # fmt: skip
    into_home = Transfer.objects.create(
        staff=staff["home_bank_other_district"], bank=staff["home"].bank,
        from_outlet=staff["home_bank_other_district"].outlet, to_outlet=staff["home"].outlet,
    )  # fmt: skip
    elsewhere = Transfer.objects.create(
        staff=staff["other"], bank=staff["other"].bank, from_outlet=staff["other"].outlet,
        to_outlet=staff["other_bank_home_district"].outlet,
    )  # fmt: skip
    user = world["users"][role]
    seen = set(selectors.transfers_for(user))
    level = LEVEL[role]
    if level == Level.ALL or level == Level.DISTRICT:
        assert seen == {out_of_home, into_home, elsewhere}
    elif level == Level.BANK or role == Role.OUTLET_MANAGER:
        assert seen == {out_of_home, into_home}
    else:  # the staff member sees their own move only
        assert seen == {out_of_home}
