"""Account settings checked at start: a misspelt role in SHEYIN_2FA_ROLES would silently drop the second
factor for that role, so it stops the process instead."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from .roles import Role


@register("security")
def check_second_factor_roles(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    unknown = sorted(set(settings.SHEYIN_2FA_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [Error(
        f"SHEYIN_2FA_ROLES 中有未知角色：{', '.join(unknown)}。/ SHEYIN_2FA_ROLES names unknown roles:"
        f" {', '.join(unknown)}.",
        hint="可用角色 / roles: " + ", ".join(Role.values),
        id="sheyin.E010",
    )]  # fmt: skip
