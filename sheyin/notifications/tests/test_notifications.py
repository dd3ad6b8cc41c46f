"""The notification centre: personal, counted in the header, marked read, sent through pluggable senders."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from sheyin.accounts.tests.factories import UserFactory
from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify

pytestmark = pytest.mark.django_db


def user():  # type: ignore[no-untyped-def]
    u = UserFactory()
    u.save()
    return u


def test_the_header_shows_the_unread_count(client) -> None:  # type: ignore[no-untyped-def]
    me = user()
    notify(users=[me, me], title="待审核申请")
    client.force_login(me)
    body = client.get(reverse("notifications:list")).content.decode()
    assert 'data-testid="unread-count">2<' in body


def test_opening_a_notification_marks_it_read_and_follows_its_link(client) -> None:  # type: ignore[no-untyped-def]
    me = user()
    notify(users=[me], title="请处理", url="/workbench/")
    n = Notification.objects.get()
    client.force_login(me)
    resp = client.post(reverse("notifications:open", args=[n.pk]))
    assert resp.status_code == 302 and resp["Location"] == "/workbench/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_a_notification_link_to_another_site_is_not_followed(client) -> None:  # type: ignore[no-untyped-def]
    me = user()
    notify(users=[me], title="钓鱼", url="https://evil.example.com/")
    client.force_login(me)
    resp = client.post(reverse("notifications:open", args=[Notification.objects.get().pk]))
    assert resp["Location"] == reverse("notifications:list")


def test_nobody_can_open_another_users_notification(client) -> None:  # type: ignore[no-untyped-def]
    me, other = user(), user()
    notify(users=[other], title="别人的")
    client.force_login(me)
    assert client.post(reverse("notifications:open", args=[Notification.objects.get().pk])).status_code == 404


def test_mark_all_read_touches_only_my_notifications(client) -> None:  # type: ignore[no-untyped-def]
    me, other = user(), user()
    notify(users=[me, other], title="通知")
    client.force_login(me)
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.get(user=me).read_at is not None
    assert Notification.objects.get(user=other).read_at is None


def test_the_default_sender_logs_without_the_title(caplog, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    me = user()
    with (
        caplog.at_level(logging.INFO, logger="sheyin.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notify(users=[me], title="张三的身份证号")
    assert f"user={me.pk}" in caplog.text
    assert "张三" not in caplog.text


def test_a_done_task_closes_every_open_to_do_at_its_page_and_nothing_else() -> None:
    from sheyin.notifications.services import todos_done

    a, b = user(), user()
    notify(users=[a, b], title="请审核", url="/x/1/", kind=Notification.Kind.TASK)
    notify(users=[a], title="请审核另一件", url="/x/2/", kind=Notification.Kind.TASK)
    notify(users=[a], title="通知", url="/x/1/")  # not a to-do: left as it is
    assert todos_done(urls=["/x/1/"]) == 2
    done = Notification.objects.filter(done_at__isnull=False)
    assert {n.user_id for n in done} == {a.pk, b.pk} and all(n.read_at for n in done)
    assert Notification.objects.get(url="/x/2/").done_at is None
    assert Notification.objects.get(kind="info").done_at is None
    assert todos_done(urls=["/x/1/"]) == 0  # idempotent
