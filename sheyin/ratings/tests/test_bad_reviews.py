"""Bad-review handling (R9.5): opened at once, due in 7 natural days (or N working days), overdue on exactly the
day after; verify → rectify → call back → close; real-name reviews need the call-back; the outlet appeals and
the district decides; the outcome is published without personal data."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.services import pii_reveal
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import municipal
from sheyin.notices.models import PublicNotice
from sheyin.ratings import services
from sheyin.ratings.models import BadReviewCase, Rating, RatingSettings
from sheyin.ratings.selectors import overdue_bad_reviews
from sheyin.ratings.workflow import BadReviewStatus, TransitionError

from .factories import completed_case, good, outlet, rate, real_name

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def w(reference):  # type: ignore[no-untyped-def]
    o = outlet()
    return {
        "outlet": o,
        "officer": user_with_role(Role.DISTRICT_OFFICER, agency=o.district),
        "manager": user_with_role(Role.OUTLET_MANAGER, outlet=o),
        "muni": user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()),
    }


def bad_at(o, when: dt.datetime, data=None) -> BadReviewCase:  # type: ignore[no-untyped-def]
    from unittest import mock

    with mock.patch("django.utils.timezone.now", return_value=when):
        rating = rate(completed_case(o, ended_at=when), data or good(1))
    return rating.bad_review


def test_a_bad_review_is_due_seven_natural_days_later_and_overdue_on_the_eighth(w) -> None:
    bad = bad_at(w["outlet"], dt.datetime(2026, 3, 2, 23, 30, tzinfo=TZ))
    assert bad.due_date == dt.date(2026, 3, 9)
    assert not bad.overdue_on(dt.date(2026, 3, 9))
    assert bad.overdue_on(dt.date(2026, 3, 10))
    officer = w["officer"]
    assert not overdue_bad_reviews(officer, dt.date(2026, 3, 9)).exists()
    assert list(overdue_bad_reviews(officer, dt.date(2026, 3, 10))) == [bad]


def test_with_working_days_the_deadline_skips_national_day(w, calendar) -> None:
    RatingSettings.objects.update_or_create(
        pk=1, defaults={"deadline_days": 5, "deadline_working_days": True}
    )
    # Tuesday 29 Sep 2026: 30 Sep is a working day, 1–7 Oct the National Day holiday (plus the published
    # make-up days), so the fifth working day falls well after the holiday.
    bad = bad_at(w["outlet"], dt.datetime(2026, 9, 29, 10, 0, tzinfo=TZ))
    from sheyin.institutions.workdays import add_working_days, is_workday

    assert bad.due_date == add_working_days(dt.date(2026, 9, 29), 5)
    assert bad.due_date >= dt.date(2026, 10, 9)
    assert all(not is_workday(dt.date(2026, 10, d)) for d in range(1, 8))
    assert not bad.overdue_on(bad.due_date)
    assert bad.overdue_on(bad.due_date + dt.timedelta(days=1))


def test_a_closed_review_is_never_overdue(w) -> None:
    bad = bad_at(w["outlet"], dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ))
    bad = services.bad_review_verify(bad=bad, note="情况属实", by=w["officer"])
    bad = services.bad_review_rectify(bad=bad, note="增加窗口", by=w["manager"])
    bad = services.bad_review_close(bad=bad, outcome="已增加高峰时段窗口", by=w["officer"])
    assert not bad.overdue_on(dt.date(2026, 4, 1))


def test_the_full_handling_of_a_real_name_review_needs_the_call_back_before_closing(w) -> None:
    bad = rate(completed_case(w["outlet"]), real_name(1)).bad_review
    bad = services.bad_review_verify(bad=bad, note="调取录像，情况属实", by=w["officer"])
    evidence = SimpleUploadedFile("e.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, content_type="image/png")
    bad = services.bad_review_rectify(
        bad=bad, note="对经办人员开展服务礼仪培训", evidence=evidence, by=w["manager"]
    )
    assert bad.rectified_on_time and bad.evidence_kind == "png"
    with pytest.raises(ValidationError) as exc:
        services.bad_review_close(bad=bad, outcome="已整改", by=w["officer"])
    assert "outcome" in exc.value.message_dict
    with pytest.raises(ValidationError, match="请先查看评价人的联系电话"):
        services.bad_review_call_back(bad=bad, result="satisfied", note="群众表示满意", by=w["manager"])
    assert (
        pii_reveal(kind="rating.contact_phone", obj=bad, reason="call_back", by=w["manager"]) == "13912345678"
    )
    bad = services.bad_review_call_back(bad=bad, result="satisfied", note="群众表示满意", by=w["manager"])
    bad = services.bad_review_close(bad=bad, outcome="已整改，李四光电话13912345678回访满意", by=w["officer"])
    assert bad.status == BadReviewStatus.CLOSED
    assert [s.action for s in bad.steps.all()] == [
        "open",
        "verify",
        "rectify",
        "reveal_phone",
        "call_back",
        "close",
    ]
    notice = PublicNotice.objects.get(kind=PublicNotice.Kind.RATING)
    assert "13912345678" not in notice.body + notice.title and "李四光" not in notice.body + notice.title


def test_an_anonymous_review_closes_straight_after_rectification(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(2)).bad_review
    bad = services.bad_review_verify(bad=bad, note="属实", by=w["officer"])
    bad = services.bad_review_rectify(bad=bad, note="已整改", by=w["manager"])
    bad = services.bad_review_close(bad=bad, outcome="已整改", by=w["officer"])
    assert bad.status == BadReviewStatus.CLOSED and bad.published_at is not None


def test_evidence_of_the_wrong_type_is_refused(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(2)).bad_review
    bad = services.bad_review_verify(bad=bad, note="属实", by=w["officer"])
    with pytest.raises(ValidationError) as exc:
        services.bad_review_rectify(
            bad=bad,
            note="已整改",
            evidence=SimpleUploadedFile("x.png", b"MZ" + b"\x00" * 50),
            by=w["manager"],
        )
    assert "evidence" in exc.value.message_dict
    assert BadReviewCase.objects.get(pk=bad.pk).status == BadReviewStatus.VERIFIED


def test_the_outlet_cannot_verify_and_the_district_cannot_rectify(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(2)).bad_review
    with pytest.raises(NotAllowed):
        services.bad_review_verify(bad=bad, note="属实", by=w["manager"])
    bad = services.bad_review_verify(bad=bad, note="属实", by=w["officer"])
    with pytest.raises(NotAllowed):
        services.bad_review_rectify(bad=bad, note="已整改", by=w["officer"])


def test_another_district_cannot_touch_the_review(w) -> None:
    from sheyin.institutions.tests.factories import district

    bad = rate(completed_case(w["outlet"]), good(2)).bad_review
    stranger = user_with_role(Role.DISTRICT_OFFICER, agency=district("110108"))
    with pytest.raises(NotAllowed):
        services.bad_review_verify(bad=bad, note="属实", by=stranger)


def test_a_wrong_step_is_refused_with_a_clear_message(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(2)).bad_review
    with pytest.raises(TransitionError) as exc:
        services.bad_review_rectify(bad=bad, note="已整改", by=w["manager"])
    assert "待核实" in exc.value.messages[0]


def test_an_upheld_appeal_sets_the_rating_aside_and_publishes_the_outcome(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(1)).bad_review
    with pytest.raises(ValidationError):
        services.bad_review_appeal(bad=bad, reason="", by=w["manager"])
    bad = services.bad_review_appeal(bad=bad, reason="评价人并非本网点办事群众", by=w["manager"])
    assert bad.status == BadReviewStatus.APPEALED
    with pytest.raises(NotAllowed):
        services.bad_review_decide_appeal(bad=bad, uphold=True, note="成立", by=w["manager"])
    bad = services.bad_review_decide_appeal(
        bad=bad, uphold=True, note="经核查监控录像，申诉成立", by=w["officer"]
    )
    assert bad.status == BadReviewStatus.APPEAL_UPHELD and not bad.overdue_on(dt.date(2099, 1, 1))
    assert Rating.objects.get(pk=bad.rating_id).excluded
    assert PublicNotice.objects.filter(kind=PublicNotice.Kind.RATING).count() == 1


def test_a_rejected_appeal_stays_on_record_and_handling_resumes(w) -> None:
    bad = rate(completed_case(w["outlet"]), good(1)).bad_review
    bad = services.bad_review_appeal(bad=bad, reason="不属实", by=w["manager"])
    bad = services.bad_review_decide_appeal(bad=bad, uphold=False, note="申诉理由不充分", by=w["officer"])
    assert bad.status == BadReviewStatus.APPEAL_REJECTED and bad.appeal_reason == "不属实"
    bad = services.bad_review_rectify(bad=bad, note="已整改", by=w["manager"])
    assert bad.status == BadReviewStatus.RECTIFIED
    assert "reject_appeal" in [s.action for s in bad.steps.all()]
    assert not Rating.objects.get(pk=bad.rating_id).excluded


def test_settings_are_changed_by_the_municipal_admin_only_within_bounds(w) -> None:
    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    with pytest.raises(NotAllowed):
        services.rating_settings_update(data={"deadline_days": 5}, by=w["officer"])
    with pytest.raises(ValidationError) as exc:
        services.rating_settings_update(data={"deadline_days": 0}, by=admin)
    assert "deadline_days" in exc.value.message_dict
    conf = services.rating_settings_update(
        data={"deadline_days": 15, "deadline_working_days": True}, by=admin
    )
    assert conf.deadline_days == 15 and RatingSettings.load().deadline_working_days
