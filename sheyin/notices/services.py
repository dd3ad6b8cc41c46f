"""Publishing public notices (R5.2 catalogue versions, R6.4 terminations, new outlets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from sheyin.audit.services import record

from .models import PublicNotice


def notice_publish(
    *,
    kind: str,
    title: str,
    body: str,
    by: Any,
    related: models.Model | None = None,
    published_at: dt.datetime | None = None,
) -> PublicNotice:
    """Called by other services inside their own transaction (the notice appears with the change)."""
    with transaction.atomic():
        notice = PublicNotice.objects.create(
            kind=kind,
            title=title[:200],
            body=body,
            published_at=published_at or timezone.now(),
            object_type=related._meta.label_lower if related is not None else "",
            object_id=str(related.pk) if related is not None else "",
        )
        record(action="notice.publish", by=by, obj=notice, after={"kind": kind, "title": notice.title})
    return notice
