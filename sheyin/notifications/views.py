from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import login_required
from sheyin.common.listing import paginate

from . import services
from .selectors import notifications_for


@login_required
def notification_list(request: AuthedRequest) -> HttpResponse:
    qs = notifications_for(request.user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    return render(request, "notifications/list.html", {"page_obj": paginate(qs, request)})


@require_POST
@login_required
def notification_open(request: AuthedRequest, pk: int) -> HttpResponse:
    n = get_object_or_404(notifications_for(request.user), pk=pk)
    services.notification_mark_read(notification=n, by=request.user)
    if n.url and url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()}):
        return redirect(n.url)
    return redirect("notifications:list")


@require_POST
@login_required
def notification_read_all(request: AuthedRequest) -> HttpResponse:
    services.notification_mark_all_read(by=request.user)
    return redirect("notifications:list")
