"""Authentication by password (`AccountBackend`) and the role permission codes behind `user.has_perm`
(`RoleBackend`, and so the view access rules and the menu)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend

from .roles import permissions_of
from .scope import assignments_of

# What sessions signed in before `AccountBackend` existed name as their backend; still valid
# (`LegacySessionMiddleware` renames it on their next request).
LEGACY_BACKEND = "django.contrib.auth.backends.ModelBackend"
BACKEND = "sheyin.accounts.backends.AccountBackend"


class AccountBackend(ModelBackend):
    """Django's password and session backend without its permission tables: permissions are the roles'
    (RoleBackend); nobody is given Django permissions or groups, and asking those empty tables cost two
    queries on every signed-in request."""

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()


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
