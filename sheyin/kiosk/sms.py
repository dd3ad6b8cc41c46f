"""Sending one-time codes to a citizen's phone: pluggable (setting `SHEYIN_KIOSK_SMS_SENDER`).

The default sender sends nothing: it logs that a code went out (no phone number, no code) and, in demo
mode only, keeps the code for a few minutes so the demo terminal can show it on screen.
"""

from __future__ import annotations

import functools
import logging
from typing import Protocol

from django.conf import settings
from django.core.cache import cache
from django.utils.module_loading import import_string

logger = logging.getLogger("sheyin.kiosk")
DEMO_KEY = "kiosk:demo-code:{otp}"


class SmsSender(Protocol):
    def send_code(self, *, otp_id: int, phone: str, code: str) -> None: ...


class LogSmsSender:
    def send_code(self, *, otp_id: int, phone: str, code: str) -> None:
        logger.info("one-time code sent otp=%s", otp_id)
        if settings.DEMO_MODE:
            cache.set(DEMO_KEY.format(otp=otp_id), code, 300)


def demo_code(otp_id: int) -> str | None:
    if not settings.DEMO_MODE:
        return None
    code: str | None = cache.get(DEMO_KEY.format(otp=otp_id))
    return code


@functools.cache
def _sender(path: str) -> SmsSender:
    impl: SmsSender = import_string(path)()
    return impl


def sender() -> SmsSender:
    return _sender(getattr(settings, "SHEYIN_KIOSK_SMS_SENDER", "sheyin.kiosk.sms.LogSmsSender"))
