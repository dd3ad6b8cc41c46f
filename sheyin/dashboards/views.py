"""The home page per role: the to-dos, and the dashboard of what lies in the user's scope.

Views only read the request and render: the figures come from `charts.dashboard` (scoped selectors over the
pre-aggregated figures), the to-dos from `todos.todos_for`. Reports live in `views_reports`."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from sheyin.accounts.http import AuthedRequest
from sheyin.accounts.scope import level_labels
from sheyin.common import geo
from sheyin.common.access import login_required
from sheyin.common.db_routing import reads_may_lag
from sheyin.common.exports import export_response
from sheyin.common.listing import Column
from sheyin.institutions.selectors import outlets_for
from sheyin.institutions.workdays import unpublished_years
from sheyin.notifications.selectors import notifications_for

from . import charts, selectors
from .todos import todos_for


def _board(request: AuthedRequest) -> charts.Dashboard:
    user = request.user
    month = selectors.parse_month(request.GET.get("month"))
    focus = selectors.focus_for(
        user, district=request.GET.get("district"), bank=request.GET.get("bank"),
        outlet=request.GET.get("outlet"), month=month,
    )  # fmt: skip
    if focus is None:
        raise Http404
    return charts.dashboard(user, focus)


def chart_xlsx(request: AuthedRequest, chart: charts.Chart, board: charts.Dashboard) -> HttpResponse:
    columns = [Column(h, itemgetter(i)) for i, h in enumerate(chart.headers)]
    title = f"{board.title} {chart.title}"
    return export_response(
        request,
        filename=f"dashboard-{chart.id}-{board.focus.month:%Y%m}",
        title=title,
        columns=columns,
        qs=chart.rows,
    )


@login_required
@reads_may_lag()
def home(request: AuthedRequest) -> HttpResponse:
    user = request.user
    assignments = list(user.assignments.all())
    ctx: dict[str, Any] = {"levels": level_labels(user), "assignments": assignments}
    if user.has_perm("dashboards.view"):
        board = _board(request)
        chart_id = request.GET.get("chart", "")
        if request.GET.get("export") == "xlsx" and chart_id:
            chart = board.chart(chart_id)
            if chart is None or not user.has_perm("dashboards.export"):
                raise Http404
            return chart_xlsx(request, chart, board)
        ctx["board"] = board
        ctx["payload"] = board.payload()
        ctx["show_todos"] = board.focus.own
    else:
        ctx["show_todos"] = True
        if assignments and all(a.outlet_id for a in assignments):
            ctx["my_outlets"] = list(outlets_for(user))
    if ctx["show_todos"]:
        ctx["todos"] = todos_for(user)
    if user.has_perm("institutions.edit_calendar"):
        ctx["unpublished_years"] = unpublished_years()
    ctx["recent_notifications"] = notifications_for(user)[:5]
    return render(request, "dashboards/home.html", ctx)


@login_required
@cache_control(max_age=86400, private=True)
def boundaries(request: AuthedRequest) -> HttpResponse:
    """Beijing district boundaries (GeoJSON) for ECharts maps: served from here, never from a CDN."""
    return HttpResponse(geo.geojson_text(), content_type="application/geo+json")
