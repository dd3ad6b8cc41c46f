"""Deadline alerts of the daily job."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from sheyin.notifications.models import Notification
from sheyin.notifications.services import notify

from .. import selectors
from ..models import (
    Agreement,
)
from .base import DA, DO, local_today, page_url, people


def filing_deadline_alerts(*, today: dt.date | None = None) -> int:
    """Tell each district about its signed agreements not yet filed after the deadline (once a day)."""
    today = today or local_today()
    overdue = selectors.overdue_filings(Agreement.objects.select_related("agency", "outlet"), today)
    by_agency: dict[int, list[Agreement]] = {}
    for ag in overdue:
        by_agency.setdefault(ag.agency_id, []).append(ag)
    sent = 0
    with transaction.atomic():
        for _agency_id, ags in by_agency.items():
            sent += notify(
                users=list(people([DO, DA], agency=ags[0].agency)),
                title=_("%(n)d份区级协议已超过备案期限未报送") % {"n": len(ags)},
                body="、".join(a.number for a in ags[:20]),
                url=page_url("filing_list") + "?overdue=1",
                kind=Notification.Kind.DEADLINE,
            )
    return sent
