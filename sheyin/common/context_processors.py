from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from .nav import menu_groups
from .shell import header_extras


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the page shell needs: the menu for this user and the header extras apps contribute."""
    user = getattr(request, "user", None)
    ctx: dict[str, Any] = {
        "DEMO_MODE": settings.DEMO_MODE,
        "list_query": getattr(request, "list_query", None),
    }
    if user is not None and user.is_authenticated:
        ctx["nav_groups"] = menu_groups(user, request.path)
        ctx["idle_seconds"] = settings.SESSION_COOKIE_AGE
        ctx.update(header_extras(request))
    return ctx
