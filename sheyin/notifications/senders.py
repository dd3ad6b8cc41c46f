"""Pluggable outbound senders (e-mail, SMS). The default only logs, and never personal data."""

from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger("sheyin.notifications")


class Sender(Protocol):
    def send(self, *, user_id: int, kind: str, title: str) -> None: ...


class LogSender:
    def send(self, *, user_id: int, kind: str, title: str) -> None:
        # User id and the kind only: titles may one day name a person, so they are not logged.
        logger.info("notification user=%s kind=%s", user_id, kind)
