"""Acceptance of an outlet application (R4.3 with the layout rule R8.4)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sheyin.accounts.permissions import require, require_scope
from sheyin.institutions.models import Outlet

from .. import selectors
from ..models import (
    Agreement,
    OutletApplication,
)
from ..workflow import (
    OUTLET,
    OUTLET_APPLICATION,
)
from .agreements import agreement_create
from .applications import store_layout
from .base import BA, DA, DO, apply_transition, audit_step, page_url, people, tell, timeline_event


def outlet_application_accept(
    *, application: OutletApplication, reason: str = "", by: Any
) -> OutletApplication:
    """Acceptance: a passed inspection, the layout rule (or an approved exception), an active municipal
    agreement. The outlet becomes “accepted” and its district agreement (Annex 4) is generated."""
    require(by, "cooperation.decide_acceptance")
    require_scope(by, application)
    with transaction.atomic():
        app = (
            OutletApplication.objects.select_for_update(of=("self",))
            .select_related("outlet", "district", "bank")
            .get(pk=application.pk)
        )
        result = selectors.layout_for(app)
        ctx = selectors.acceptance_context(app, result)
        before = app.status
        apply_transition(OUTLET_APPLICATION, app, "accept", by, ctx)
        store_layout(app, result, by)
        app.decided_by, app.decided_at, app.decision_reason = by, timezone.now(), reason.strip()
        app.save()
        outlet = Outlet.objects.select_for_update().get(pk=app.outlet_id)
        apply_transition(OUTLET, outlet, "accept", by)
        outlet.save(update_fields=["status", "updated_at"])
        audit_step("outlet.accept", by=by, obj=outlet, after={"status": outlet.status})
        agreement = agreement_create(
            kind=Agreement.Kind.DISTRICT,
            bank=app.bank,
            agency=app.district,
            outlet=outlet,
            outlet_application=app,
            by=by,
        )
        timeline_event("application.accept", by=by, outlet=outlet, obj=app, detail=reason)
        audit_step(
            "application.accept",
            by=by,
            obj=app,
            reason=reason,
            before={"status": before},
            after={"status": app.status, "agreement": agreement.number},
        )
        tell(
            people([DO, DA], agency=app.district) | people([BA], bank=app.bank),
            _("%(name)s验收通过，请签署区级合作协议 %(n)s") % {"name": outlet.name, "n": agreement.number},
            page_url("agreement_detail", agreement.pk),
        )
    return app
