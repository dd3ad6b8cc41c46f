"""Ticket assignment (issue 18 item 3): one ticket or a batch from the list, each through ticket_assign with
its permission, scope and audit; a ticket goes only to an officer of its district or the municipal center."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from sheyin.audit.models import AuditEvent
from sheyin.notifications.models import Notification
from sheyin.support import services
from sheyin.support.models import Category, Ticket

from .factories import world

pytestmark = pytest.mark.django_db


def _ticket(w):  # type: ignore[no-untyped-def]
    return services.ticket_raise(category=Category.SYSTEM, title="终端无法打印", description="自助终端卡纸报错",
                                 by=w.staff)  # fmt: skip


def test_the_district_head_assigns_a_ticket_to_an_officer_audited_and_notified(reference) -> None:
    w = world()
    t = services.ticket_assign(ticket=_ticket(w), assignee=w.officer, by=w.head)
    assert Ticket.objects.get(pk=t.pk).assignee == w.officer
    event = AuditEvent.objects.get(action="ticket.assign", object_id=str(t.pk))
    assert event.after == {"assignee_id": w.officer.pk}
    assert Notification.objects.filter(user=w.officer, title__contains="终端无法打印").exists()


def test_an_officer_of_another_district_cannot_take_the_ticket(reference) -> None:
    w, other = world(), world("110108")
    t = _ticket(w)
    with pytest.raises(ValidationError):
        services.ticket_assign(ticket=t, assignee=other.officer, by=w.head)
    assert Ticket.objects.get(pk=t.pk).assignee_id is None


def test_an_officer_without_the_permission_or_the_scope_cannot_assign(reference) -> None:
    w, other = world(), world("110108")
    t = _ticket(w)
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=t, assignee=w.head, by=w.officer)
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=t, assignee=other.officer, by=other.head)
    assert not AuditEvent.objects.filter(action="ticket.assign").exists()


def test_a_batch_assignment_from_the_list_assigns_in_scope_rows_and_reports_the_others(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    w, other = world(), world("110108")
    mine, foreign = _ticket(w), _ticket(other)
    client.force_login(w.head)
    page = client.get(reverse("support:ticket_list")).content.decode()
    assert 'form="batch-tickets"' in page and f'value="{w.officer.pk}"' in page
    assert f'value="{other.officer.pk}"' not in page  # another district's officer is not offered
    resp = client.post(reverse("support:ticket_list"),
                       {"batch": "assign", "target": w.officer.pk, "ids": [mine.pk, foreign.pk]}, follow=True)  # fmt: skip
    assert Ticket.objects.get(pk=mine.pk).assignee == w.officer
    assert Ticket.objects.get(pk=foreign.pk).assignee_id is None
    assert "不在您的数据范围内" in resp.content.decode()


def test_outlet_staff_get_no_batch_bar_and_cannot_post_one(client, reference) -> None:  # type: ignore[no-untyped-def]
    w = world()
    t = _ticket(w)
    client.force_login(w.manager)
    assert "batch-tickets" not in client.get(reverse("support:ticket_list")).content.decode()
    resp = client.post(
        reverse("support:ticket_list"), {"batch": "assign", "target": w.officer.pk, "ids": [t.pk]}
    )
    assert resp.status_code == 403 and Ticket.objects.get(pk=t.pk).assignee_id is None
