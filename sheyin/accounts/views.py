from __future__ import annotations

import base64
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from sheyin.accounts.http import AuthedRequest
from sheyin.common.access import login_required, permission_required, public
from sheyin.common.exports import export_response
from sheyin.common.forms import apply_errors
from sheyin.common.listing import Column, ListSpec, apply, list_view, paginate
from sheyin.institutions.selectors import outlets_for

from . import help as guides
from . import services
from .forms import ActivateForm, BootstrapMixin, LoginForm, ReasonForm, RoleAssignForm, UserCreateForm
from .middleware import LOGIN_AT
from .models import RoleAssignment
from .scope import level_labels
from .selectors import users_for


@method_decorator(public, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


LoginView.sheyin_access = ("public", ())  # type: ignore[attr-defined]


@method_decorator(login_required, name="dispatch")
class LogoutView(auth_views.LogoutView):
    pass


LogoutView.sheyin_access = ("login", ())  # type: ignore[attr-defined]


class _PasswordChangeForm(BootstrapMixin, PasswordChangeForm):
    pass


@login_required
def password_change(request: AuthedRequest) -> HttpResponse:
    form = _PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_set_password(
                user=request.user, new_password=form.cleaned_data["new_password1"], by=request.user
            )
        except ValidationError as exc:
            apply_errors(form, exc, default_field="new_password1")
        else:
            # Every other session and personal token ended with the old password; this one carries on.
            update_session_auth_hash(request, request.user)
            request.session[LOGIN_AT] = time.time()
            messages.success(request, _("密码已修改。您在其他地方的登录和个人访问令牌已失效。"))
            return redirect("dashboards:home")
    from django.conf import settings

    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "max_age": settings.SHEYIN_PASSWORD_MAX_AGE_DAYS},
    )


@login_required
def profile(request: AuthedRequest) -> HttpResponse:
    from . import twofactor

    return render(
        request,
        "accounts/profile.html",
        {
            "assignments": request.user.assignments.select_related("agency", "bank", "outlet"),
            "levels": level_labels(request.user),
            "has_device": twofactor.confirmed_device(request.user) is not None,
            "otp_required": twofactor.role_requires_second_factor(request.user),
        },
    )


USER_LIST = ListSpec(
    search_fields=("username", "display_name"), filters={"role": "assignments__role"}, order_by=("username",),
    sorts={"username": "username", "name": "display_name", "active": "is_active"},
)  # fmt: skip


USER_COLUMNS = [
    Column(gettext_lazy("账号"), lambda u: u.username), Column(gettext_lazy("姓名"), lambda u: u.display_name),
    Column(gettext_lazy("角色"), lambda u: "；".join(str(a.get_role_display()) for a in u.assignments.all())),
    Column(gettext_lazy("所属机构"), lambda u: "；".join(str(a.agency or a.bank or a.outlet or "") for a in u.assignments.all())),
    Column(gettext_lazy("状态"), lambda u: gettext_lazy("启用") if u.is_active else gettext_lazy("停用")),
    Column(gettext_lazy("最近登录"), lambda u: u.last_login),
]  # fmt: skip


@list_view(USER_LIST)
@permission_required("accounts.view_users")
def user_list(request: AuthedRequest) -> HttpResponse:
    qs = apply(users_for(request.user), request, USER_LIST).distinct()
    if request.GET.get("export") == "xlsx":
        return export_response(request, filename="users", title=_("用户"), columns=USER_COLUMNS,
                               qs=qs.prefetch_related("assignments__agency", "assignments__bank", "assignments__outlet"))  # fmt: skip
    from .roles import Role

    return render(
        request, "accounts/user_list.html", {"page_obj": paginate(qs, request), "roles": Role.choices}
    )


@permission_required("accounts.manage_users")
def user_create(request: AuthedRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(**form.cleaned_data, by=request.user)
        except ValidationError as exc:
            apply_errors(form, exc, default_field="username")
        else:
            sent = user.activation_codes.first()
            messages.success(
                request,
                _("用户已创建。激活码已发送至%(to)s，由本人设置密码后即可登录。")
                % {"to": sent.sent_to if sent else "—"},
            )
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form})


@permission_required("accounts.view_users")
def user_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    from . import twofactor

    target = get_object_or_404(users_for(request.user), pk=pk)
    form = RoleAssignForm(outlets=outlets_for(request.user))
    return render(
        request,
        "accounts/user_detail.html",
        {"target": target, "assign_form": form, "reason_form": ReasonForm(),
         "assignments": target.assignments.select_related("agency", "bank", "outlet"),
         "activation": target.activation_codes.first(), "has_device": twofactor.confirmed_device(target) is not None,
         "admin_account": services.is_three_admin(target)},
    )  # fmt: skip


@require_POST
@permission_required("accounts.assign_roles")
def role_assign(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(users_for(request.user), pk=pk)
    form = RoleAssignForm(request.POST, outlets=outlets_for(request.user))
    if form.is_valid():
        try:
            services.role_assign(user=target, **form.cleaned_data, by=request.user)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for msgs in exc.message_dict.values():
                for m in msgs:
                    messages.error(request, m)
        else:
            messages.success(request, _("角色已分配。"))
    else:
        messages.error(request, _("请检查填写的内容。"))
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@permission_required("accounts.assign_roles")
def role_revoke(request: AuthedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    target = get_object_or_404(users_for(request.user), pk=pk)
    assignment = get_object_or_404(RoleAssignment, pk=assignment_pk, user=target)
    form = ReasonForm(request.POST)
    if form.is_valid():
        services.role_revoke(assignment=assignment, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, _("角色已撤销，该用户的会话已终止。"))
    else:
        messages.error(request, _("撤销角色须填写原因。"))
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@permission_required("accounts.unlock")
def user_unlock(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(users_for(request.user), pk=pk)
    services.user_unlock(user=target, by=request.user)
    messages.success(request, _("账号已解锁。"))
    return redirect("accounts:user_detail", pk=pk)


@login_required
def second_factor(request: AuthedRequest) -> HttpResponse:
    """Enrol a TOTP device (first time) or enter the current code (every login)."""
    from django.utils.http import url_has_allowed_host_and_scheme
    from django_otp import login as otp_login

    from sheyin.common.pdf import qr_svg

    from . import twofactor
    from .forms import TokenForm

    next_url = request.GET.get("next") or request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    device = twofactor.confirmed_device(request.user)
    pending = None if device else twofactor.totp_pending_device(user=request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if device:
                device = twofactor.totp_verify(user=request.user, token=form.cleaned_data["token"])
            else:
                device = twofactor.totp_confirm(user=request.user, token=form.cleaned_data["token"])
        except ValidationError as exc:
            apply_errors(form, exc, default_field="token")
        else:
            otp_login(request, device)
            return redirect(next_url or "dashboards:home")
    ctx = {
        "form": form, "enrolling": pending is not None, "next": next_url,
        "required": twofactor.role_requires_second_factor(request.user),
    }  # fmt: skip
    if pending is not None:
        ctx["qr"] = qr_svg(pending.config_url, scale=4)
        ctx["secret"] = base64.b32encode(pending.bin_key).decode().rstrip("=")
    return render(request, "accounts/second_factor.html", ctx)


@require_POST
@permission_required("accounts.manage_users")
def user_set_active(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(users_for(request.user), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("停用或启用账号须填写原因。"))
    elif target.pk == request.user.pk:
        messages.error(request, _("不能停用自己的账号。"))
    else:
        active = request.POST.get("active") == "1"
        try:
            services.user_set_active(
                user=target, active=active, reason=form.cleaned_data["reason"], by=request.user
            )
        except PermissionDenied as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("账号已启用。") if active else _("账号已停用，其会话已终止。"))
    return redirect("accounts:user_detail", pk=pk)


def _user_step(
    request: AuthedRequest, pk: int, call: Any, done: Any, reason_missing: str | None = None
) -> HttpResponse:
    """An administrator's step on the user page: the reason first when the step needs one, then the
    service; its refusal is shown as a message, its result in `done(result)`'s words."""
    target = get_object_or_404(users_for(request.user), pk=pk)
    reason = ""
    if reason_missing is not None:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            messages.error(request, reason_missing)
            return redirect("accounts:user_detail", pk=pk)
        reason = form.cleaned_data["reason"]
    try:
        result = call(target, reason)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("您没有执行此操作的权限。"))
    except ValidationError as exc:
        for m in exc.messages:
            messages.error(request, m)
    else:
        messages.success(request, done(result))
    return redirect("accounts:user_detail", pk=pk)


@require_POST
@permission_required("accounts.manage_users")
def user_reset_password(request: AuthedRequest, pk: int) -> HttpResponse:
    """The system admin resets an account; the owner sets the new password with the code sent to them."""
    return _user_step(
        request, pk,
        lambda user, reason: services.user_reset_password(user=user, reason=reason, by=request.user),
        lambda code: _("密码已重置：原密码立即失效，该用户的会话和访问令牌已终止。激活码已发送至%(to)s，由本人设置新密码。")
        % {"to": code.sent_to},
        reason_missing=_("重置密码须填写原因。"),
    )  # fmt: skip


@require_POST
@permission_required("accounts.manage_users")
def user_resend_activation(request: AuthedRequest, pk: int) -> HttpResponse:
    return _user_step(
        request, pk, lambda user, _reason: services.user_resend_activation(user=user, by=request.user),
        lambda code: _("新的激活码已发送至%(to)s，原激活码作废。") % {"to": code.sent_to},
    )  # fmt: skip


@require_POST
@permission_required("accounts.unlock")
def user_reset_second_factor(request: AuthedRequest, pk: int) -> HttpResponse:
    """The security admin clears a lost authenticator; the user enrols a new one at the next login."""
    from . import twofactor

    return _user_step(
        request, pk, lambda user, reason: twofactor.totp_reset(user=user, reason=reason, by=request.user),
        lambda _result: _("动态口令已重置，该用户下次登录时重新绑定。"),
        reason_missing=_("重置动态口令须填写原因。"),
    )  # fmt: skip


@public
def activate(request: HttpRequest) -> HttpResponse:
    """激活账号/设置密码: the owner of a new or reset account sets their own password with the code."""
    from django.conf import settings

    form = ActivateForm(request.POST or None, initial={"username": request.GET.get("username", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.account_activate(
                username=form.cleaned_data["username"], code=form.cleaned_data["code"],
                new_password=form.cleaned_data["new_password1"],
            )  # fmt: skip
        except ValidationError as exc:
            apply_errors(form, exc, default_field="new_password1")
        else:
            messages.success(request, _("密码已设置，请用新密码登录。"))
            return redirect("accounts:login")
    ctx: dict[str, Any] = {"form": form}
    if settings.DEMO_MODE:
        # Demo only: no SMS gateway, so the owner's "phone" is their own message list, shown here.
        from sheyin.notifications.selectors import secret_messages_for_demo

        ctx["demo_inbox"] = secret_messages_for_demo(form["username"].value() or "")
    response = render(request, "accounts/activate.html", ctx)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def keepalive(request: AuthedRequest) -> HttpResponse:
    """继续: the idle-timeout warning renews the session (every request does; this one does nothing else)."""
    from django.conf import settings
    from django.http import JsonResponse

    return JsonResponse({"idle_seconds": settings.SESSION_COOKIE_AGE})


@require_POST
@login_required
def reveal(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """The one reveal endpoint: a dialog (htmx) or, without script, a page showing the value once.

    The object is found through the declaring app's scoped selector; the service checks the permissions,
    the scope and the reason, and writes the audit event. The value is never stored or put in a URL."""
    from django.http import Http404
    from django.utils.http import url_has_allowed_host_and_scheme

    from . import pii
    from .forms import RevealForm

    try:
        target = pii.revealable(kind)
    except KeyError as exc:
        raise Http404 from exc
    obj = target.find(request.user, pk)
    if obj is None:
        raise Http404
    dom_id = f"reveal-{kind.replace('.', '-').replace('_', '-')}-{pk}"
    form = RevealForm(request.POST, auto_id=f"{dom_id}-%s")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    ctx: dict[str, object] = {
        "kind": kind, "pk": pk, "dom_id": dom_id, "label": target.label, "form": form, "next": back,
        "is_phone": target.is_phone, "revealed": False,
    }  # fmt: skip
    if form.is_valid():
        try:
            ctx["value"] = services.pii_reveal(
                kind=kind, obj=obj, reason=form.cleaned_data["reason"], note=form.cleaned_data["note"],
                by=request.user,
            )  # fmt: skip
            ctx["revealed"] = True
        except ValidationError as exc:
            apply_errors(form, exc, default_field="reason")
    if request.htmx:
        template = "accounts/_reveal_value.html" if ctx["revealed"] else "accounts/_reveal_form.html"
    else:
        ctx["back"] = back
        template = "accounts/reveal_page.html"
    response = render(request, template, ctx)
    response["Cache-Control"] = "no-store"
    return response


@public
def set_language(request: HttpRequest) -> HttpResponse:
    """The header switch: the cookie for this browser (Django's view) and, signed in, the user's choice."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if request.method == "POST" and user.is_authenticated and language in dict(settings.LANGUAGES):
        services.user_language_set(user=user, language=language, by=user)
    return response


@login_required
def help_guide(request: HttpRequest, name: str = "") -> HttpResponse:
    """A user guide rendered in the workbench; without a name, the guide of the user's role."""
    if not name:
        return redirect("accounts:help_guide", guides.role_guide(request.user))
    shown = guides.guide(name)
    if shown is None:
        raise Http404
    tabs = list(guides.TABS.items())
    return render(request, "accounts/help.html", {"guide": shown, "tabs": tabs})
