from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sheyin.accounts.scope import scoped

from .models import Notification


def notifications_for(user: Any) -> QuerySet[Notification]:
    return scoped(Notification.objects.all(), user)


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(user).filter(read_at__isnull=True).count()
