"""Access rules on views, and the middleware that denies every view without one (deny by default).

A view declares who may reach it with one of the decorators below; the middleware refuses any view
that declares nothing, so a new URL cannot be open by accident. Permission codes are resolved by the
authentication backends (`request.user.has_perm`), so this module knows nothing of roles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

ACCESS_ATTR = "sheyin_access"
View = Callable[..., Any]

# Third-party views that carry their own checks (Ninja API authenticates per operation).
EXEMPT_PREFIXES: tuple[str, ...] = ("/api/",)


def public(view: View) -> View:
    """Anyone, logged in or not (the public portal, plaque verification, login)."""
    setattr(view, ACCESS_ATTR, ("public", ()))
    return view


def login_required(view: View) -> View:
    """Any logged-in user; the view still reads only through scoped selectors."""
    setattr(view, ACCESS_ATTR, ("login", ()))
    return view


def permission_required(*perms: str) -> Callable[[View], View]:
    """A logged-in user holding every one of `perms` (role permission codes)."""

    def mark(view: View) -> View:
        setattr(view, ACCESS_ATTR, ("perm", perms))
        return view

    return mark


def rule_of(view: View) -> tuple[str, tuple[str, ...]] | None:
    rule = getattr(view, ACCESS_ATTR, None)
    if rule is None and hasattr(view, "view_class"):
        rule = getattr(view.view_class, ACCESS_ATTR, None)
    return rule


def check(request: HttpRequest, rule: tuple[str, tuple[str, ...]] | None) -> HttpResponse | None:
    """None when the request may go on; otherwise the refusal."""
    if rule is None:
        logger.warning("view without an access rule refused: %s", request.path)
        raise PermissionDenied("no access rule")
    kind, perms = rule
    if kind == "public":
        return None
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if kind == "perm" and not all(request.user.has_perm(p) for p in perms):
        raise PermissionDenied
    return None


class AccessRuleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: View, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if request.path.startswith(EXEMPT_PREFIXES):
            return None
        return check(request, rule_of(view_func))
