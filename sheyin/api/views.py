"""Staff pages of 接口管理: bank clients (municipal center) and personal tokens (any user who may hold one).

A new or rotated secret, and a new token, are shown once in the response to the POST that made them —
never stored in the session, a message or a URL — with caching forbidden.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import permission_required
from sheyin.common.forms import apply_errors
from sheyin.common.links import public_url
from sheyin.common.listing import ListSpec, apply, list_view, paginate
from sheyin.institutions.selectors import banks_for

from . import selectors, services
from .forms import ClientForm, RevokeForm, TokenForm
from .models import ApiClient
from .signing import ALGORITHM

CLIENT_LIST = ListSpec(
    search_fields=("name", "key_id", "bank__name", "bank__short_name"),
    filters={"bank": "bank_id", "status": "status"},
    order_by=("bank__name", "name"),
    sorts={
        "bank": "bank__short_name",
        "name": "name",
        "key": "key_id",
        "rate": "rate_limit_per_minute",
        "used": "last_used_at",
        "status": "status",
    },
)


def _show_secret(request: AuthedRequest, client: ApiClient, secret: str, rotated: bool) -> HttpResponse:
    ctx = {
        "client": client,
        "secret": secret,
        "rotated": rotated,
        "algorithm": ALGORITHM,
        "api_base": public_url(reverse("api-v1:api-root")),
    }
    response = render(request, "api/client_secret.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@list_view(CLIENT_LIST)
@permission_required("api.manage_clients")
def client_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(selectors.clients_for(request.user), request, CLIENT_LIST)
    ctx = {
        "page_obj": paginate(qs, request),
        "banks": banks_for(request.user),
        "statuses": ApiClient.Status.choices,
    }
    return render(request, "api/client_list.html", ctx)


@never_cache
@permission_required("api.manage_clients")
def client_create(request: AuthedRequest) -> HttpResponse:
    form = ClientForm(request.POST or None, banks=banks_for(request.user).exclude(status="ended"))
    if request.method == "POST" and form.is_valid():
        try:
            client, secret = services.client_register(data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _show_secret(request, client, secret, rotated=False)
    return render(request, "api/client_form.html", {"form": form})


@permission_required("api.manage_clients")
def client_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for(request.user), pk=pk)
    return render(
        request,
        "api/client_detail.html",
        {"client": client, "revoke_form": RevokeForm(), "algorithm": ALGORITHM},
    )


@permission_required("api.manage_clients")
def client_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for(request.user), pk=pk)
    initial: dict[str, Any] = {
        "name": client.name,
        "allowed_addresses": client.allowed_addresses,
        "rate_limit_per_minute": client.rate_limit_per_minute,
    }
    form = ClientForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_update(client=client, data=form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("客户端设置已保存。"))
            return redirect("api:client_detail", pk=client.pk)
    return render(request, "api/client_form.html", {"form": form, "client": client})


@never_cache
@require_POST
@permission_required("api.manage_clients")
def client_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for(request.user), pk=pk)
    try:
        client, secret = services.client_rotate(client=client, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("api:client_detail", pk=client.pk)
    return _show_secret(request, client, secret, rotated=True)


@require_POST
@permission_required("api.manage_clients")
def client_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    client = get_object_or_404(selectors.clients_for(request.user), pk=pk)
    form = RevokeForm(request.POST)
    if form.is_valid():
        try:
            services.client_revoke(client=client, reason=form.cleaned_data["reason"], by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc, default_field="reason")
        else:
            messages.success(request, _("客户端已吊销，其请求将被拒绝。"))
            return redirect("api:client_detail", pk=client.pk)
    return render(
        request,
        "api/client_detail.html",
        {"client": client, "revoke_form": form, "algorithm": ALGORITHM},
        status=400,
    )


@never_cache
@permission_required("api.personal_tokens")
def token_list(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, clear = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                by=request.user,
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="name")
        else:
            created = {"token": token, "clear": clear}
            form = TokenForm()
    ctx = {
        "form": form,
        "created": created,
        "page_obj": paginate(selectors.tokens_for(request.user), request),
        "api_base": public_url(reverse("api-v1:api-root")),
    }
    response = render(request, "api/token_list.html", ctx)
    if created:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@permission_required("api.personal_tokens")
def token_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(selectors.tokens_for(request.user), pk=pk)
    services.token_revoke(token=token, by=request.user)
    messages.success(request, _("令牌已撤销。"))
    return redirect("api:token_list")
