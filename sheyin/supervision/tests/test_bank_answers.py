"""The bank answers a rectification order and sees its deadline; the district confirms or reopens (R9.4);
the to-dos of each step close when the step is taken."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.notifications.models import Notification
from sheyin.supervision import services

from .factories import outlet, people

pytestmark = pytest.mark.django_db


def _order() -> tuple[Any, dict[str, Any]]:
    o = outlet()
    p = people(o)
    p["bank"] = user_with_role(Role.BANK_ADMIN, bank=o.bank)
    f = services.finding_create(outlet=o, source="public_feedback", title="窗口无人值守", by=p["officer"])
    r = services.rectification_order(finding=f, requirement="保证窗口有人值守", by=p["officer"])
    return r, p


def _open_todos(user: Any) -> int:
    return Notification.objects.filter(user=user, kind="task", done_at__isnull=True).count()


def test_the_bank_admin_answers_with_evidence_and_the_district_reopens_then_closes(reference) -> None:
    r, p = _order()
    assert _open_todos(p["bank"]) == 1 and _open_todos(p["manager"]) == 1  # both may answer
    png = SimpleUploadedFile("e.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 40, content_type="image/png")
    r = services.rectification_answer(rectification=r, answer="已调整排班", evidence=[png], by=p["bank"])
    assert r.status == "answered" and r.evidence.count() == 1
    # the order is answered: the bank's and the manager's to-dos are done; the district's opens
    assert _open_todos(p["bank"]) == 0 and _open_todos(p["manager"]) == 0
    assert _open_todos(p["officer"]) == 1
    r = services.rectification_verify(rectification=r, accept=False, note="排班表未签字", by=p["officer"])
    assert r.status == "ordered" and _open_todos(p["officer"]) == 0 and _open_todos(p["bank"]) == 1
    r = services.rectification_answer(rectification=r, answer="已补签", by=p["bank"])
    r = services.rectification_verify(rectification=r, accept=True, by=p["officer"])
    assert r.status == "closed" and _open_todos(p["officer"]) == 0


def test_the_bank_sees_the_deadline_and_the_answer_form_then_who_acts_next(client, reference) -> None:
    r, p = _order()
    url = reverse("supervision:rectification_detail", args=[r.pk])
    client.force_login(p["bank"])
    body = client.get(url).content.decode()
    assert r.due_date.strftime("%Y-%m-%d") in body and 'name="answer"' in body
    resp = client.post(url, {"action": "answer", "answer": "已调整排班"})
    assert resp.status_code == 302
    r.refresh_from_db()
    assert r.status == "answered"
    body = client.get(url).content.decode()
    assert 'name="answer"' not in body and 'value="close"' not in body
    assert "等待区社保经办机构核验" in body
    listing = client.get(reverse("supervision:rectification_list")).content.decode()
    assert r.due_date.strftime("%Y-%m-%d") in listing


def test_outlet_staff_still_cannot_answer(client, reference) -> None:
    r, p = _order()
    client.force_login(p["staff"])
    url = reverse("supervision:rectification_detail", args=[r.pk])
    assert 'name="answer"' not in client.get(url).content.decode()
    client.post(url, {"action": "answer", "answer": "x"})
    r.refresh_from_db()
    assert r.status == "ordered"


def test_a_closed_todo_is_marked_done_in_the_message_list(client, reference) -> None:
    r, p = _order()
    services.rectification_answer(rectification=r, answer="已调整排班", by=p["manager"])
    client.force_login(p["bank"])
    body = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="todo-done"' in body
