from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from .models import PublicNotice


def public_notices(kind: str | None = None) -> QuerySet[PublicNotice]:
    """Notices already published (a notice dated in the future is not shown before its time)."""
    qs = PublicNotice.objects.filter(published_at__lte=timezone.now())
    return qs.filter(kind=kind) if kind else qs
