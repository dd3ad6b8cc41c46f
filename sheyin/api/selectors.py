"""Scoped reads of API clients and personal tokens."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sheyin.accounts.scope import scoped

from .models import ApiClient, PersonalToken


def clients_for(user: Any) -> QuerySet[ApiClient]:
    return scoped(ApiClient.objects.select_related("bank", "created_by", "rotated_by", "revoked_by"), user)


def tokens_for(user: Any) -> QuerySet[PersonalToken]:
    """A user's own tokens (whatever their level: tokens are personal)."""
    return scoped(PersonalToken.objects.all(), user)
