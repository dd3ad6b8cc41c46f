"""Notifying users. Every later capability calls `notify` for assignments and deadlines."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from sheyin.audit.services import record

from .models import Notification


def _senders() -> list[Any]:
    return [import_string(path)() for path in settings.SHEYIN_NOTIFICATION_SENDERS]


def notify(
    *, users: Iterable[Any], title: str, body: str = "", url: str = "", kind: str = Notification.Kind.INFO
) -> int:
    """Create one in-app notification per user; outbound senders run after the commit."""
    rows = [Notification(user=u, kind=kind, title=title[:200], body=body, url=url[:300]) for u in users]
    Notification.objects.bulk_create(rows)

    def send() -> None:
        for sender in _senders():
            for n in rows:
                sender.send(user_id=n.user_id, kind=n.kind, title=n.title)

    transaction.on_commit(send)
    return len(rows)


def todos_done(*, urls: Iterable[str], users: Iterable[Any] | None = None) -> int:
    """The step a to-do asks for has been taken: close every open to-do that points at one of these pages
    (for these users only, when given). Called by the service that takes the step, inside its transaction,
    before it sends the to-dos of the next step. A closed to-do also counts as read."""
    keys = [u[:300] for u in urls if u]
    if not keys:
        return 0
    qs = Notification.objects.filter(kind=Notification.Kind.TASK, done_at__isnull=True, url__in=keys)
    if users is not None:
        qs = qs.filter(user__in=[getattr(u, "pk", u) for u in users])
    now = timezone.now()
    n = qs.filter(read_at__isnull=True).update(done_at=now, read_at=now)
    return n + qs.update(done_at=now)


def deliver_secret(*, user: Any, title: str, body: str) -> None:
    """A message for the addressee's eyes only (an activation code), through every configured sender's
    `send_secret`, after the commit. Nothing of the body is stored here or logged."""

    def send() -> None:
        for sender in _senders():
            sender.send_secret(user_id=user.pk, title=title, body=body)

    transaction.on_commit(send)


def notification_mark_read(*, notification: Notification, by: Any) -> None:
    if notification.user_id != by.pk:
        raise PermissionError
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notification_mark_all_read(*, by: Any) -> int:
    n = Notification.objects.filter(user=by, read_at__isnull=True).update(read_at=timezone.now())
    if n:
        record(
            action="notification.mark_all_read",
            by=by,
            object_type="notifications.notification",
            after={"count": n},
        )
    return n
