"""Pluggable outbound senders (e-mail, SMS). The default only logs, and never personal data.

A sender has two methods:
- `send(user_id, kind, title)`: an in-app notification also goes out (the title only);
- `send_secret(user_id, title, body)`: a message only the addressee may read (an activation code). It goes
  to the user's own phone or e-mail; it is never logged, stored in clear or shown to anyone else.
A production gateway (the government SMS platform, the mail relay) implements both; configure it in
`SHEYIN_NOTIFICATION_SENDERS` (docs/operations.md).
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings

logger = logging.getLogger("sheyin.notifications")


class Sender(Protocol):
    def send(self, *, user_id: int, kind: str, title: str) -> None: ...

    def send_secret(self, *, user_id: int, title: str, body: str) -> None: ...


class LogSender:
    def send(self, *, user_id: int, kind: str, title: str) -> None:
        # User id and the kind only: titles may one day name a person, so they are not logged.
        logger.info("notification user=%s kind=%s", user_id, kind)

    def send_secret(self, *, user_id: int, title: str, body: str) -> None:
        # Never the body: whoever reads the logs (the operators, the system admin) must not read a code.
        logger.info("secret message user=%s", user_id)


class DemoInboxSender:
    """Demo mode only: there is no SMS gateway, so the owner's "phone" is their own message list (站内消息).
    Outside demo mode it delivers nothing: a demo sender left in production settings leaks no code."""

    def send(self, *, user_id: int, kind: str, title: str) -> None:
        return  # in-app notifications are already in the message list

    def send_secret(self, *, user_id: int, title: str, body: str) -> None:
        from .models import Notification

        if not settings.DEMO_MODE:
            logger.error("DemoInboxSender is configured outside demo mode; nothing delivered")
            return
        Notification.objects.create(
            user_id=user_id, kind=Notification.Kind.TASK, title=title[:200], body=body
        )
