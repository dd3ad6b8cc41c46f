"""R2.0: outlet staff use the system only with their own account and only after a grant.

A logged-in user whose ONLY role is outlet staff and who holds no grant in force may reach a small
allow-list: the home page, their account and password, notifications, logging out, and their own
training, exam and signing pages (R9.1: they must be able to train, sit the exam and sign before the
grant). Everything else answers 403 with a Chinese explanation. Public pages stay public.

Install after "sheyin.accounts.middleware.AccountStateMiddleware" (revoked sessions end first).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.roles import Role
from sheyin.accounts.scope import assignments_of
from sheyin.common.access import rule_of

from .selectors import active_grant_for, own_staff

REFUSAL = gettext_lazy("您尚未获得区社保经办机构的业务授权（或授权已到期、被撤销），暂不能办理社保业务。")

ALLOWED_NAMES = frozenset(
    {
        "dashboards:home",
        "accounts:profile",
        "accounts:password_change",
        "accounts:logout",
        "accounts:login",
        "accounts:second_factor",
        "accounts:keepalive",
        "set_language",
    }
)
ALLOWED_NAMESPACES = frozenset({"notifications"})
# The staff member's own pages in this app: training, exams, certificates, signing.
SELF_SERVICE_PREFIX = "staffing:my"


def needs_grant(user: Any) -> bool:
    """Only outlet staff without any other role are held to the grant (managers and agencies are not)."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = {a.role for a in assignments_of(user)}
    return roles == {Role.OUTLET_STAFF}


def allowed_without_grant(request: HttpRequest, view_func: Any) -> bool:
    rule = rule_of(view_func)
    if rule is not None and rule[0] == "public":
        return True
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    name = match.view_name
    if name in ALLOWED_NAMES or name.startswith(SELF_SERVICE_PREFIX):
        return True
    return bool(set(match.namespaces) & ALLOWED_NAMESPACES)


class StaffGrantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if not needs_grant(user):
            return None
        if allowed_without_grant(request, view_func):
            return None
        if active_grant_for(user) is not None:
            return None
        if request.path.startswith("/api/"):
            # A session-authenticated API call; token-authenticated calls check has_active_grant themselves.
            return JsonResponse(
                {"type": "about:blank", "title": _("未获业务授权"), "status": 403, "detail": str(REFUSAL)},
                status=403, content_type="application/problem+json",
            )  # fmt: skip
        staff = own_staff(user)
        return render(request, "staffing/grant_required.html", {"staff": staff}, status=403)
