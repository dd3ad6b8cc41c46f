"""Per-request account checks: revoked sessions end at once (a role change, a password change or reset);
demo accounts never work outside demo mode; the second factor; an expired password must be changed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import BACKEND_SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .backends import BACKEND, LEGACY_BACKEND
from .twofactor import requires_second_factor

LOGIN_AT = "sheyin_login_at"


class LegacySessionMiddleware:
    """A session signed in through Django's own ModelBackend (before `AccountBackend`) stays signed in: its
    backend is renamed to the one that replaced it, before the user is read. Install right after
    SessionMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and session.get(BACKEND_SESSION_KEY) == LEGACY_BACKEND:
            session[BACKEND_SESSION_KEY] = BACKEND
        return self.get_response(request)


class AccountStateMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            login_at = request.session.get(LOGIN_AT)
            cutoff = user.sessions_valid_after
            if cutoff and (login_at is None or login_at < cutoff.timestamp()):
                logout(request)
                messages.warning(request, _("您的会话已被终止（权限变更或被撤销），请重新登录。"))
                return redirect(settings.LOGIN_URL)
            if user.is_demo and not settings.DEMO_MODE:
                logout(request)
                messages.error(request, _("演示账号不能在正式环境中登录。"))
                return redirect(settings.LOGIN_URL)
            second_url = reverse("accounts:second_factor")
            exempt = (
                second_url,
                reverse("accounts:logout"),
                reverse("set_language"),
                reverse("accounts:keepalive"),
            )
            verified = getattr(user, "is_verified", lambda: False)()  # set by django-otp's middleware
            if request.path not in exempt and not verified and requires_second_factor(user):
                return redirect(f"{second_url}?next={request.get_full_path()}")
            change_url = reverse("accounts:password_change")
            allowed = (change_url, second_url, reverse("accounts:logout"), reverse("set_language"))
            max_age = dt.timedelta(days=settings.SHEYIN_PASSWORD_MAX_AGE_DAYS)
            if request.path not in allowed and timezone.now() - user.password_changed_at > max_age:
                messages.info(request, _("您的密码已超过有效期，请先修改密码。"))
                return redirect(change_url)
        return self.get_response(request)
