from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import Notification


def notifications_for(user: Any) -> QuerySet[Notification]:
    """Personal to each user whatever their role (仅本人), even before any role is assigned."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(user_id=user.pk)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user).filter(read_at__isnull=True).count()


def secret_messages_for_demo(username: str) -> QuerySet[Notification]:
    """Demo mode only (no SMS gateway): the activation messages the demo sender put in this account's own
    message list, for the activation page to show as a simulated phone. Never used outside demo mode."""
    from django.conf import settings

    if not settings.DEMO_MODE or not username.strip():
        return Notification.objects.none()
    return Notification.objects.filter(
        user__username__iexact=username.strip(), kind=Notification.Kind.TASK, body__contains="激活码"
    ).order_by("-created_at")[:3]
