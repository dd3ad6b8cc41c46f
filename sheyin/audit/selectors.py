from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from .models import AuditEvent


def events_for(user: Any) -> QuerySet[AuditEvent]:
    """Only the audit admin reads the trail (三员分立); everyone else sees nothing."""
    if not user.has_perm("audit.view"):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()
