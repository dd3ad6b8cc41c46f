from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required
from sheyin.common.exports import export_response
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate

from .chain import verify
from .labels import action_label, change_rows, object_type_label, role_label
from .models import AuditEvent, Outcome
from .selectors import events_for

EVENT_LIST = ListSpec(
    search_fields=("actor_name", "object_repr", "reason", "object_id"),
    filters={"action": "action", "outcome": "outcome", "object_type": "object_type", "actor": "actor_name"},
    order_by=("-id",),
    # a log is read in time order only, either way (the id keeps the order of events in the same instant)
    sorts={"at": ("at", "id")},
)
COLUMNS = [
    Column(gettext_lazy("时间"), lambda e: e.at),
    Column(gettext_lazy("操作人账号"), lambda e: e.actor_name),
    Column(gettext_lazy("角色"), lambda e: role_label(e.role)),
    Column(gettext_lazy("机构"), lambda e: e.organisation),
    Column(gettext_lazy("操作"), lambda e: action_label(e.action, e.object_type)),
    Column(gettext_lazy("对象类型"), lambda e: object_type_label(e.object_type)),
    Column(gettext_lazy("对象编号"), lambda e: e.object_id),
    Column(gettext_lazy("对象"), lambda e: e.object_repr),
    Column(gettext_lazy("结果"), lambda e: e.get_outcome_display()),
    Column(gettext_lazy("事由"), lambda e: e.reason),
    Column(gettext_lazy("客户端地址"), lambda e: e.client_address),
    Column(gettext_lazy("链序号"), lambda e: e.seq),
    Column(gettext_lazy("哈希"), lambda e: e.hash),
]


def _words(event: AuditEvent) -> AuditEvent:
    """The event's codes as words in the viewer's language (the stored row is not touched)."""
    event.action_words = action_label(event.action, event.object_type)  # type: ignore[attr-defined]
    event.object_words = object_type_label(event.object_type)  # type: ignore[attr-defined]
    event.role_words = role_label(event.role)  # type: ignore[attr-defined]
    event.change_rows = change_rows(event.object_type, event.before, event.after)  # type: ignore[attr-defined]
    return event


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


@list_view(EVENT_LIST)
@permission_required("audit.view")
def event_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(events_for(request.user), request, EVENT_LIST)
    start, end = _date(request.GET.get("from", "")), _date(request.GET.get("to", ""))
    if start:
        qs = qs.filter(at__date__gte=start)
    if end:
        qs = qs.filter(at__date__lte=end)
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="audit", title=_("审计日志"), columns=COLUMNS, qs=qs)
    codes = events_for(request.user).values_list("action", flat=True).distinct().order_by("action")
    actions = sorted(((a, action_label(a)) for a in codes), key=lambda pair: pair[1])
    page_obj = paginate(qs, request, per_page=30)
    for event in page_obj.object_list:
        _words(event)
    return render(
        request,
        "audit/event_list.html",
        {"page_obj": page_obj, "actions": actions, "outcomes": Outcome.choices},
    )


@permission_required("audit.view")
def event_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(events_for(request.user), pk=pk)
    return render(request, "audit/event_detail.html", {"event": _words(event)})


@permission_required("audit.view")
def chain_status(request: AuthedRequest) -> HttpResponse:
    return render(request, "audit/_chain_status.html", {"verdict": verify()})
