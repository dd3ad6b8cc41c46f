"""Problem tickets (R9.2): routing to the named contact, SLA in working days, escalation, FAQ."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sheyin.audit.models import AuditEvent
from sheyin.notifications.models import Notification
from sheyin.support import services
from sheyin.support.models import Category, Ticket
from sheyin.support.workflow import TicketStatus, TransitionError

from .factories import world

pytestmark = pytest.mark.django_db

TZ = dt.timezone(dt.timedelta(hours=8))


def raise_on(day: dt.date, w, **kw):  # type: ignore[no-untyped-def]
    at = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=TZ)
    with mock.patch("django.utils.timezone.now", return_value=at):
        return services.ticket_raise(category=kw.get("category", Category.SYSTEM), title="终端无法打印",
                                     description="自助终端打印权益记录时卡纸报错", by=w.staff)  # fmt: skip


def test_a_ticket_goes_to_the_districts_named_contact_for_its_category(reference) -> None:
    w = world()
    services.contact_set(district=w.outlet.district, category=Category.SYSTEM, user=w.officer, by=w.head)
    t = services.ticket_raise(
        category=Category.SYSTEM, title="网络中断", description="专线中断一小时以上", by=w.staff
    )
    assert t.assignee == w.officer and t.outlet == w.outlet and t.district == w.outlet.district
    assert Notification.objects.filter(user=w.officer, title__contains="网络中断").exists()
    assert AuditEvent.objects.filter(action="ticket.raise", object_id=str(t.pk)).exists()


def test_a_contact_switched_off_since_being_named_is_passed_over_for_the_districts_officers(
    reference,
) -> None:
    w = world()
    services.contact_set(district=w.outlet.district, category=Category.SYSTEM, user=w.officer, by=w.head)
    w.officer.is_active = False
    w.officer.save()
    t = services.ticket_raise(
        category=Category.SYSTEM, title="网络中断", description="专线中断一小时以上", by=w.staff
    )
    assert t.assignee is None
    assert Notification.objects.filter(user=w.head, title__contains="网络中断").exists()
    assert not Notification.objects.filter(user=w.officer).exists()


def test_a_contact_who_no_longer_works_in_the_district_is_passed_over(reference) -> None:
    w = world()
    services.contact_set(district=w.outlet.district, category=Category.SYSTEM, user=w.officer, by=w.head)
    w.officer.assignments.all().delete()  # moved to another post
    t = services.ticket_raise(
        category=Category.SYSTEM, title="网络中断", description="专线中断一小时以上", by=w.staff
    )
    assert t.assignee is None
    assert Notification.objects.filter(user=w.head, title__contains="网络中断").exists()


def test_new_deadlines_apply_to_the_next_ticket_at_once(reference, calendar) -> None:
    w = world()
    first = raise_on(dt.date(2027, 3, 1), w)  # a Monday
    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.institutions.tests.factories import municipal

    admin = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    services.settings_update(reply_working_days=2, close_working_days=6, by=admin)
    second = raise_on(dt.date(2027, 3, 1), w)
    assert (first.reply_due, first.close_due) == (dt.date(2027, 3, 2), dt.date(2027, 3, 8))
    assert (second.reply_due, second.close_due) == (dt.date(2027, 3, 3), dt.date(2027, 3, 9))


def test_an_account_switched_off_cannot_be_named_a_contact(reference) -> None:
    w = world()
    w.officer.is_active = False
    w.officer.save()
    with pytest.raises(ValidationError) as exc:
        services.contact_set(district=w.outlet.district, category=Category.SYSTEM, user=w.officer, by=w.head)
    assert "user" in exc.value.message_dict


def test_the_contact_list_flags_a_contact_who_can_no_longer_take_tickets(client, reference) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    w = world()
    services.contact_set(district=w.outlet.district, category=Category.SYSTEM, user=w.officer, by=w.head)
    client.force_login(w.head)
    page = client.get(reverse("support:contact_list")).content.decode()
    assert 'data-testid="contact-gone"' not in page
    w.officer.is_active = False
    w.officer.save()
    page = client.get(reverse("support:contact_list")).content.decode()
    assert 'data-testid="contact-gone"' in page and "请重新指定联系人" in page
    form_choices = page.split('name="user"', 1)[1].split("</select>", 1)[0]
    assert f'value="{w.officer.pk}"' not in form_choices  # nor offered again
    assert f'value="{w.head.pk}"' in form_choices


def test_the_contact_must_work_in_that_district(reference) -> None:
    w, other = world(), world("110108")
    with pytest.raises(ValidationError) as exc:
        services.contact_set(
            district=w.outlet.district, category=Category.CARD, user=other.officer, by=w.head
        )
    assert "user" in exc.value.message_dict


def test_sla_escalation_counts_working_days_across_national_day(reference, calendar) -> None:
    """Raised Wed 2026-09-30: Oct 1–7 are holidays, so the reply is due Thu Oct 8 and the close on Tue
    Oct 13 (Sat Oct 10 is a make-up working day). Nothing escalates during the holiday."""
    w = world()
    t = raise_on(dt.date(2026, 9, 30), w)
    assert (t.reply_due, t.close_due) == (dt.date(2026, 10, 8), dt.date(2026, 10, 13))
    assert services.tickets_escalate(today=dt.date(2026, 10, 7)) == {"district_head": 0, "municipal": 0}
    assert services.tickets_escalate(today=dt.date(2026, 10, 8)) == {"district_head": 0, "municipal": 0}
    assert services.tickets_escalate(today=dt.date(2026, 10, 9)) == {"district_head": 1, "municipal": 0}
    t.refresh_from_db()
    assert t.escalation == Ticket.Escalation.DISTRICT_HEAD
    assert Notification.objects.filter(user=w.head, kind=Notification.Kind.ALERT).exists()
    # idempotent: running again the same day changes nothing
    assert services.tickets_escalate(today=dt.date(2026, 10, 9)) == {"district_head": 0, "municipal": 0}
    # answered, but not closed by the 13th: the municipal center hears of it on the 14th
    services.ticket_reply(ticket=t, body="已远程排查，请更换打印纸", by=w.officer)
    assert services.tickets_escalate(today=dt.date(2026, 10, 13))["municipal"] == 0
    assert services.tickets_escalate(today=dt.date(2026, 10, 14))["municipal"] == 1
    t.refresh_from_db()
    assert t.escalation == Ticket.Escalation.MUNICIPAL
    assert Notification.objects.filter(user=w.municipal, kind=Notification.Kind.ALERT).exists()


def test_an_answered_ticket_does_not_go_to_the_district_head(reference, calendar) -> None:
    w = world()
    t = raise_on(dt.date(2026, 9, 30), w)
    services.ticket_reply(ticket=t, body="请重启终端", by=w.officer)
    assert services.tickets_escalate(today=dt.date(2026, 10, 9))["district_head"] == 0


def test_attachments_are_checked_by_content(reference) -> None:
    w = world()
    bad = SimpleUploadedFile("x.png", b"MZ not an image", content_type="image/png")
    with pytest.raises(ValidationError) as exc:
        services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", attachments=[bad],
                              by=w.staff)  # fmt: skip
    assert "attachments" in exc.value.message_dict
    assert not Ticket.objects.exists()
    png = SimpleUploadedFile("s.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 50, content_type="image/png")
    t = services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", attachments=[png],
                              by=w.staff)  # fmt: skip
    assert t.attachments.get().kind == "png"


def test_a_district_user_cannot_raise_and_an_outlet_cannot_answer(reference) -> None:
    w = world()
    with pytest.raises(PermissionDenied):
        services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", by=w.officer)
    t = services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", by=w.staff)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=t, body="x", by=w.manager)


def test_another_districts_officer_cannot_answer(reference) -> None:
    w, other = world(), world("110108")
    t = services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", by=w.staff)
    with pytest.raises(PermissionDenied):
        services.ticket_reply(ticket=t, body="x", by=other.officer)


def test_a_closed_ticket_becomes_a_searchable_faq_entry(reference) -> None:
    from sheyin.support import selectors

    w = world()
    t = services.ticket_raise(category=Category.CARD, title="制卡机报错", description="制卡机提示色带不足",
                              by=w.staff)  # fmt: skip
    with pytest.raises(ValidationError):
        services.faq_publish(ticket=t, question="q", answer="a", by=w.officer)
    services.ticket_reply(ticket=t, body="更换色带", by=w.officer)
    services.ticket_close(ticket=t, resolution="已更换色带", by=w.manager)
    with pytest.raises(TransitionError):
        services.ticket_close(ticket=t, resolution="again", by=w.manager)
    services.faq_publish(
        ticket=t, question="制卡机提示色带不足怎么办？", answer="更换色带后重启。", by=w.officer
    )
    other = world("110108")
    assert [e.question for e in selectors.faq(other.staff, q="色带")] == ["制卡机提示色带不足怎么办？"]
    assert not selectors.faq(other.staff, q="无关").exists()


def test_reopening_restarts_the_clock(reference) -> None:
    w = world()
    t = services.ticket_raise(category=Category.OTHER, title="t", description="描述一下问题", by=w.staff)
    services.ticket_close(ticket=t, resolution="已解决", by=w.officer)
    t = services.ticket_reopen(ticket=t, reason="问题仍存在", by=w.manager)
    assert t.status == TicketStatus.OPEN and t.first_reply_at is None


def test_open_tickets_are_reported_to_a_termination(reference) -> None:
    from sheyin.cooperation.open_items import collect

    w = world()
    services.ticket_raise(category=Category.OTHER, title="未办结问题", description="描述一下问题", by=w.staff)
    assert any(i["kind"] == "support_ticket" for i in collect(w.outlet))


def test_guidance_sessions_are_logged(reference) -> None:
    from django.utils import timezone

    w = world()
    s = services.guidance_log(outlet=w.outlet, held_at=timezone.now(), topic="制卡机操作", outcome="solved",
                              by=w.officer)  # fmt: skip
    assert s.district == w.outlet.district
    with pytest.raises(ValidationError):
        services.guidance_log(outlet=w.outlet, held_at=timezone.now(), topic="", outcome="x", by=w.officer)


@pytest.mark.django_db
def test_the_municipal_admin_edits_the_ticket_deadlines_on_the_settings_page(client, reference) -> None:
    from django.urls import reverse

    from sheyin.accounts.roles import Role
    from sheyin.accounts.tests.factories import user_with_role
    from sheyin.audit.models import AuditEvent
    from sheyin.institutions.tests.factories import municipal
    from sheyin.support.models import SupportSettings

    client.force_login(user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal()))
    assert (
        client.post(
            reverse("support:settings"), {"reply_working_days": 2, "close_working_days": 6}
        ).status_code
        == 302
    )
    assert SupportSettings.current().close_working_days == 6
    assert AuditEvent.objects.filter(action="support.settings_update").exists()
    resp = client.post(reverse("support:settings"), {"reply_working_days": 5, "close_working_days": 3})
    assert resp.status_code == 200 and SupportSettings.current().reply_working_days == 2
    client.force_login(user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal()))
    assert client.get(reverse("support:settings")).status_code == 403


def test_a_ticket_title_with_a_vertical_tab_is_a_field_error_on_the_page_and_nothing_is_written(
    client, reference
) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    w = world()
    client.force_login(w.manager)
    response = client.post(
        reverse("support:ticket_new"),
        {"category": "system", "title": "终端\x0b无法打印", "description": "自助终端打印权益记录时卡纸报错"},
    )
    assert response.status_code == 200
    assert "title" in response.context["form"].errors
    assert "控制字符" in response.content.decode()
    assert not Ticket.objects.exists()
