"""Resolves role permission codes for `user.has_perm` (and so for view access rules and the menu)."""

from __future__ import annotations

from typing import Any

from .roles import permissions_of
from .scope import assignments_of


class RoleBackend:
    """Authorisation only: it never authenticates."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def get_user(self, user_id: int) -> None:
        return None

    def get_all_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        cached = getattr(user_obj, "_sheyin_perms", None)
        if cached is None:
            cached = set()
            for a in assignments_of(user_obj):
                cached |= permissions_of(a.role)
            user_obj._sheyin_perms = cached
        return cached

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if not getattr(user_obj, "is_active", False):
            return False
        return perm in self.get_all_permissions(user_obj)
