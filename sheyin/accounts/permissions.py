"""Permission checks inside services: a typed refusal the views show as a clear message."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


class NotAllowed(PermissionDenied):
    pass


def require(by: Any, perm: str) -> None:
    """`by=None` is the system itself (a command or a job); every person needs the permission."""
    if by is None:
        return
    if not by.has_perm(perm):
        raise NotAllowed(_("您没有执行此操作的权限。"))


def require_scope(by: Any, instance: Any) -> None:
    """The object must lie in the acting user's data scope (the system itself is unrestricted)."""
    from .scope import covers

    if by is None:
        return
    if not covers(by, instance):
        raise NotAllowed(_("该对象不在您的数据范围内。"))
