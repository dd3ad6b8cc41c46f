from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import User
from .scope import scoped


def users_for(user: Any) -> QuerySet[User]:
    return scoped(User.objects.all(), user).prefetch_related(
        "assignments__agency", "assignments__bank", "assignments__outlet"
    )
