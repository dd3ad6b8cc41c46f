"""High-risk items need a second certified staff member of the same outlet before the core sees them (R9.4)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sheyin.casework import services
from sheyin.casework.models import ArchiveRecord, CaseReview
from sheyin.casework.workflow import CaseStatus, MakerCheckerError
from sheyin.institutions.tests.factories import OutletFactory, district
from sheyin.notifications.models import Notification

from .factories import HIGH_RISK_ITEM, accepted, staff_user, world

pytestmark = pytest.mark.django_db


def test_a_high_risk_case_waits_for_review_and_notifies_colleagues(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    assert case.status == CaseStatus.AWAITING_REVIEW and case.high_risk
    assert not ArchiveRecord.objects.filter(case=case).exists()  # the core has not seen it
    assert Notification.objects.filter(user=w.colleague, title__contains=case.receipt_no).exists()
    assert not Notification.objects.filter(user=w.staff, title__contains=case.receipt_no).exists()


def test_the_maker_cannot_review_their_own_case(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    with pytest.raises(MakerCheckerError) as exc:
        services.case_review(case=case, approve=True, by=w.staff)
    assert "经办人不能复核自己受理的业务" in " ".join(exc.value.messages)
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_REVIEW and not CaseReview.objects.exists()


def test_a_reviewer_without_a_grant_or_from_another_outlet_is_refused(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    uncertified = staff_user(w.outlet, grant=False)
    elsewhere = staff_user(OutletFactory(district=district("110105")))
    for reviewer in (uncertified, w.manager, elsewhere):
        with pytest.raises(ValidationError) as exc:
            services.case_review(case=case, approve=True, by=reviewer)
        assert "本网点持有效人工窗口授权" in " ".join(exc.value.messages)
    case.refresh_from_db()
    assert case.status == CaseStatus.AWAITING_REVIEW


def test_a_certified_colleague_approves_and_the_core_completes_it(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    done = services.case_review(case=case, approve=True, reason="核对无误", by=w.colleague)
    assert done.status == CaseStatus.COMPLETED and done.reviewer == w.colleague
    assert CaseReview.objects.get(case=case).decision == CaseReview.Decision.APPROVED
    assert ArchiveRecord.objects.filter(case=case).exists()


def test_a_return_needs_a_reason_and_is_kept(reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    with pytest.raises(ValidationError) as exc:
        services.case_review(case=case, approve=False, reason=" ", by=w.colleague)
    assert "退回时请填写复核意见" in " ".join(exc.value.messages)
    services.case_review(case=case, approve=False, reason="转出凭证扫描不清晰", by=w.colleague)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert CaseReview.objects.get(case=case).reason == "转出凭证扫描不清晰"
    assert Notification.objects.filter(user=w.staff, body="转出凭证扫描不清晰").exists()


def test_the_colleague_sees_the_case_in_the_review_queue_but_not_their_own(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    case = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    client.force_login(w.colleague)
    assert case.receipt_no in client.get("/casework/reviews/").content.decode()
    resp = client.post(f"/casework/cases/{case.pk}/", {"action": "approve", "reason": ""}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.COMPLETED
    # 复核通过并提交: the reviewer lands on the case just sent, not on 页面不存在
    assert resp.redirect_chain == [(f"/casework/cases/{case.pk}/", 302)] and resp.status_code == 200
    html = resp.content.decode()
    assert case.receipt_no in html and "复核通过，业务已提交核心系统" in html
    client.force_login(w.staff)
    assert case.receipt_no not in client.get("/casework/reviews/").content.decode()


def test_a_reviewer_reads_the_cases_they_reviewed_and_no_other_colleagues_case(client, reference) -> None:  # type: ignore[no-untyped-def]
    from .factories import staff_user

    w = world()
    third = staff_user(w.outlet)
    reviewed = services.case_submit(case=accepted(w, HIGH_RISK_ITEM), by=w.staff)
    client.force_login(w.colleague)
    client.post(f"/casework/cases/{reviewed.pk}/", {"action": "return", "reason": "转出凭证扫描不清晰"})
    assert client.get(f"/casework/cases/{reviewed.pk}/").status_code == 200  # returned: still their review
    other = services.case_submit(case=accepted(w, by=third), by=third)  # a colleague's case, never reviewed
    assert client.get(f"/casework/cases/{other.pk}/").status_code == 404
