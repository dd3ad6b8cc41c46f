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


def _png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png")


def test_a_resubmitted_rectification_keeps_the_earlier_rounds(client, reference) -> None:
    from django.urls import reverse

    from sheyin.supervision.models import RectificationRound

    o = outlet()
    p = people(o)
    f = services.finding_create(outlet=o, source="public_feedback", title="群众反映窗口无人", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="保证窗口有人值守", by=p["officer"])
    r = services.rectification_answer(
        rectification=r, answer="已排班", evidence=[_png("排班表.png")], by=p["manager"]
    )
    r = services.rectification_verify(rectification=r, accept=False, note="排班表未签字", by=p["officer"])
    # the outlet answers again through the page, with a new file
    client.force_login(p["manager"])
    url = reverse("supervision:rectification_detail", args=[r.pk])
    page = client.get(url).content.decode()
    assert "上次报送未通过核验" in page and "重新报送整改情况" in page
    resp = client.post(
        url, {"action": "answer", "answer": "排班表已由负责人签字", "evidence": [_png("签字版.png")]}
    )
    assert resp.status_code == 302
    first, second = RectificationRound.objects.filter(rectification=r).order_by("number")
    assert (first.answer, first.decision, first.verify_note) == ("已排班", "returned", "排班表未签字")
    assert [e.name for e in first.files.all()] == ["排班表.png"] and [e.name for e in second.files.all()] == [
        "签字版.png"
    ]
    assert second.decision == "" and first.verified_by == p["officer"]
    # a return without a note is refused and changes no round
    client.force_login(p["officer"])
    client.post(url, {"action": "reopen", "note": ""})
    second.refresh_from_db()
    assert second.decision == ""
    client.post(url, {"action": "close", "note": "复核无误"})
    second.refresh_from_db()
    assert second.decision == "accepted" and second.verify_note == "复核无误"
    page = client.get(url).content.decode()
    assert page.index("第2次报送") < page.index("第1次报送")  # newest first, the first still there
    assert "排班表未签字" in page and "已排班" in page and "签字版.png" in page and "排班表.png" in page


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
