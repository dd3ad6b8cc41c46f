"""The home page per role: what lies in the user's scope, at a glance."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import level_labels
from sheyin.common import geo
from sheyin.common.access import login_required
from sheyin.institutions.models import OutletStatus
from sheyin.institutions.selectors import banks_for, outlets_for
from sheyin.institutions.workdays import unpublished_years
from sheyin.notifications.selectors import notifications_for


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    assignments = list(user.assignments.all())
    ctx: dict[str, object] = {"levels": level_labels(user), "assignments": assignments}
    outlet_level = bool(assignments) and all(a.outlet_id for a in assignments)
    if outlet_level:
        # An outlet's people see their own outlet, not city statistics that mean nothing for one outlet.
        ctx["my_outlets"] = list(outlets_for(user))
    elif user.has_perm("institutions.view"):
        outlets = outlets_for(user)
        by_status = dict(outlets.values_list("status").annotate(n=Count("pk")))
        ctx["outlet_total"] = sum(by_status.values())
        ctx["outlet_status"] = [
            (label, by_status.get(value, 0), value) for value, label in OutletStatus.choices
        ]
        ctx["bank_count"] = banks_for(user).count()
        ctx["by_district"] = list(
            outlets.filter(status=OutletStatus.OPERATING)
            .values("district__district_name")
            .annotate(n=Count("pk"))
            .order_by("-n")[:16]
        )
    if user.has_perm("institutions.edit_calendar"):
        ctx["unpublished_years"] = unpublished_years()
    ctx["recent_notifications"] = notifications_for(user)[:5]
    return render(request, "dashboards/home.html", ctx)


@login_required
@cache_control(max_age=86400, private=True)
def boundaries(request: AuthedRequest) -> HttpResponse:
    """Beijing district boundaries (GeoJSON) for ECharts maps: served from here, never from a CDN."""
    return HttpResponse(geo.geojson_text(), content_type="application/geo+json")
