"""The mandatory call-back can be made and proved (R9.5), and numbers citizens type stay masked (R9.3)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sheyin.accounts.permissions import NotAllowed
from sheyin.accounts.roles import Role
from sheyin.accounts.services import pii_reveal
from sheyin.accounts.tests.factories import user_with_role
from sheyin.audit.models import AuditEvent
from sheyin.common.crypto import decrypt
from sheyin.ratings import services
from sheyin.ratings.models import Rating

from .factories import completed_case, good, outlet, rate, real_name

pytestmark = pytest.mark.django_db


def handled_to_rectified(o, officer, manager):  # type: ignore[no-untyped-def]
    bad = rate(completed_case(o), real_name(1)).bad_review
    bad = services.bad_review_verify(bad=bad, note="属实", by=officer)
    return services.bad_review_rectify(bad=bad, note="已整改", by=manager)


def test_the_handler_reveals_the_raters_phone_with_a_reason_and_the_record_proves_the_call(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=o)
    bad = handled_to_rectified(o, officer, manager)
    with pytest.raises(ValidationError):
        pii_reveal(kind="rating.contact_phone", obj=bad, reason="", by=manager)
    assert pii_reveal(kind="rating.contact_phone", obj=bad, reason="call_back", by=manager) == "13912345678"
    step = bad.steps.get(action="reveal_phone")
    assert step.by == manager and step.note == "回访或联系本人"
    event = AuditEvent.objects.get(action="pii.reveal", object_id=str(bad.pk))
    assert event.actor == manager and event.after["field"] == "rating.contact_phone"
    assert "13912345678" not in str(event.after) + event.reason + event.object_repr
    bad = services.bad_review_call_back(bad=bad, result="satisfied", note="已致电，群众满意", by=manager)
    bad = services.bad_review_close(bad=bad, outcome="已整改并回访", by=officer)
    assert [s.action for s in bad.steps.all()][-3:] == ["reveal_phone", "call_back", "close"]


def test_window_staff_and_the_bank_cannot_reach_the_rater(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=o)
    bad = handled_to_rectified(o, officer, manager)
    for role, org in ((Role.OUTLET_STAFF, {"outlet": o}), (Role.BANK_ADMIN, {"bank": o.bank})):
        with pytest.raises(NotAllowed):
            pii_reveal(
                kind="rating.contact_phone", obj=bad, reason="call_back", by=user_with_role(role, **org)
            )
    other_manager = user_with_role(Role.OUTLET_MANAGER, outlet=outlet())
    with pytest.raises(NotAllowed):
        pii_reveal(kind="rating.contact_phone", obj=bad, reason="call_back", by=other_manager)
    assert not bad.steps.filter(action="reveal_phone").exists()


def test_an_anonymous_review_has_no_phone_to_reveal(reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    bad = rate(completed_case(o), good(1)).bad_review
    with pytest.raises(ValidationError, match="匿名评价"):
        pii_reveal(kind="rating.contact_phone", obj=bad, reason="call_back", by=officer)


def test_the_call_back_page_reveals_the_phone_in_a_dialog_with_a_call_link(client, reference) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    manager = user_with_role(Role.OUTLET_MANAGER, outlet=o)
    bad = handled_to_rectified(o, officer, manager)
    client.force_login(manager)
    page = client.get(reverse("ratings:bad_detail", args=[bad.pk])).content.decode()
    assert "139****5678" in page and "13912345678" not in page and "查看电话以便回访" in page
    url = reverse("accounts:reveal", args=["rating.contact_phone", bad.pk])
    shown = client.post(url, {"reason": "call_back"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'href="tel:13912345678"' in shown
    resp = client.post(
        reverse("ratings:bad_detail", args=[bad.pk]),
        {"action": "call_back", "call_back-result": "satisfied", "call_back-note": "已致电，群众满意"},
    )
    assert resp.status_code == 302
    page = client.get(reverse("ratings:bad_detail", args=[bad.pk])).content.decode()
    assert "查看评价人联系电话" in page and "已致电，群众满意" in page


def test_numbers_typed_into_a_comment_are_masked_and_the_original_is_kept_encrypted(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    o = outlet()
    typed = "态度差，请打13812345678找我，身份证110101199003071234"
    rating = rate(completed_case(o), good(1, comment=typed))
    assert rating.comment == "态度差，请打138****5678找我，身份证110101********1234"
    assert decrypt(rating.comment_original_enc) == typed
    plain = rate(completed_case(o), good(1, comment="等候时间太长"))
    assert plain.comment == "等候时间太长" and plain.comment_original_enc == ""
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=o.district)
    client.force_login(officer)
    for url in (reverse("ratings:list"), reverse("ratings:bad_detail", args=[rating.bad_review.pk])):
        body = client.get(url).content.decode()
        assert "13812345678" not in body and "110101199003071234" not in body, url
    assert pii_reveal(kind="rating.comment", obj=rating, reason="investigate", by=officer) == typed
    staff = user_with_role(Role.OUTLET_STAFF, outlet=o)
    with pytest.raises(NotAllowed):
        pii_reveal(kind="rating.comment", obj=rating, reason="investigate", by=staff)


def test_the_data_migration_masks_comments_already_stored(reference) -> None:  # type: ignore[no-untyped-def]
    import importlib

    from django.apps import apps

    rating = rate(completed_case(outlet()), good(2))
    Rating.objects.filter(pk=rating.pk).update(comment="电话 13812345678", comment_original_enc="")
    migration = importlib.import_module("sheyin.ratings.migrations.0003_rating_comment_original_encrypted")
    migration.mask_existing_comments(apps, None)
    rating.refresh_from_db()
    assert rating.comment == "电话 138****5678" and decrypt(rating.comment_original_enc) == "电话 13812345678"
