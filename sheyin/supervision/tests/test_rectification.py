"""Rectification (Annex 13): 10 working days, answer with evidence, verify → close or reopen, escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.notifications.models import Notification
from sheyin.supervision import services
from sheyin.supervision.models import Finding

from .factories import outlet, people

pytestmark = pytest.mark.django_db


def test_an_order_answered_with_evidence_is_verified_and_closed(reference, calendar) -> None:
    o = outlet()
    p = people(o)
    f = services.finding_create(outlet=o, source="public_feedback", title="群众反映窗口无人", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="保证窗口有人值守", by=p["officer"],
                                     today=dt.date(2026, 9, 30))  # fmt: skip
    assert r.due_date == dt.date(2026, 10, 20)  # 10 working days across National Day (Oct 10 a make-up day)
    with pytest.raises(PermissionDenied):
        services.rectification_answer(rectification=r, answer="x", by=p["staff"])
    png = SimpleUploadedFile("e.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png")
    r = services.rectification_answer(rectification=r, answer="已排班", evidence=[png], by=p["manager"])
    assert r.evidence.count() == 1
    with pytest.raises(ValidationError):
        services.rectification_verify(rectification=r, accept=False, note="", by=p["officer"])
    r = services.rectification_verify(rectification=r, accept=False, note="排班表未签字", by=p["officer"])
    assert r.status == "ordered" and r.rounds == 1
    r = services.rectification_answer(rectification=r, answer="已补签", by=p["manager"])
    r = services.rectification_verify(rectification=r, accept=True, by=p["officer"])
    assert r.status == "closed"
    assert Finding.objects.get(pk=f.pk).status == "closed"


def test_an_overdue_order_escalates_once(reference) -> None:
    o = outlet()
    p = people(o)
    f = services.finding_create(outlet=o, source="public_feedback", title="投诉", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="整改", by=p["officer"])
    later = r.due_date + dt.timedelta(days=1)
    assert services.rectifications_escalate(today=r.due_date) == 0
    assert services.rectifications_escalate(today=later) == 1
    assert services.rectifications_escalate(today=later) == 0
    assert Notification.objects.filter(user=p["head"], kind="alert").exists()


def test_hotline_import_validates_the_whole_file_first(reference) -> None:
    o = outlet()
    p = people(o)
    rows = [{"outlet_code": o.code, "ref": "12345-1", "content": "服务态度差"},
            {"outlet_code": "NOPE", "ref": "12345-2", "content": "x"}]  # fmt: skip
    with pytest.raises(ValidationError):
        services.feedback_import(rows=rows, by=p["officer"])
    assert not Finding.objects.exists()
    services.feedback_import(rows=rows[:1], by=p["officer"])
    services.feedback_import(rows=rows[:1], by=p["officer"])
    assert Finding.objects.get().source == "public_feedback"


def test_another_district_cannot_order_rectification(reference) -> None:
    o, other = outlet(), outlet("110108")
    p, q = people(o), people(other)
    f = services.finding_create(outlet=o, source="public_feedback", title="投诉", by=p["officer"])
    with pytest.raises(PermissionDenied):
        services.rectification_order(finding=f, requirement="整改", by=q["officer"])


def test_open_orders_are_reported_to_a_termination_until_closed(reference, calendar) -> None:  # type: ignore[no-untyped-def]
    """R6.4: a rectification not yet closed is an open item of the outlet's termination (shown before the
    approval, tracked after it)."""
    from sheyin.cooperation.open_items import collect
    from sheyin.supervision.selectors import open_rectification_items

    o = outlet()
    p = people(o)
    assert open_rectification_items(o) == []
    f = services.finding_create(outlet=o, source="public_feedback", title="群众反映窗口无人", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="保证窗口有人值守", by=p["officer"])
    rows = open_rectification_items(o)
    assert [(x["kind"], x["object_id"]) for x in rows] == [("rectification", str(r.pk))]
    assert f.number in rows[0]["description"] and rows[0]["url"].endswith(f"/{r.pk}/")
    assert any(x["kind"] == "rectification" for x in collect(o))  # registered as a source
