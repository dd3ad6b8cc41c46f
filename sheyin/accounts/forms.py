from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from sheyin.institutions.models import Agency, Bank, Outlet

from .roles import Role


class BootstrapMixin:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)


class LoginForm(BootstrapMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("账号或密码错误。连续失败%(failures)d次，账号将被锁定%(minutes)d分钟。"),
        "inactive": _("该账号已停用。"),
    }

    def confirm_login_allowed(self, user: Any) -> None:
        from django.conf import settings

        super().confirm_login_allowed(user)
        if user.is_demo and not settings.DEMO_MODE:
            # The demo accounts' password is published: outside demo mode they never log in.
            raise forms.ValidationError(_("演示账号不能在正式环境中登录。"), code="demo_account")
        rows = list(user.assignments.select_related("outlet"))
        if rows and all(a.outlet is not None and a.outlet.status == "terminated" for a in rows):
            # R6.4: the outlet's cooperation has ended, and with it every permission of its staff.
            raise forms.ValidationError(
                _("您所在网点的合作已终止，账号不能再登录。"), code="outlet_terminated"
            )

    def get_invalid_login_error(self) -> forms.ValidationError:
        from django.conf import settings

        return forms.ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "failures": settings.AXES_FAILURE_LIMIT,
                "minutes": round(settings.AXES_COOLOFF_TIME * 60),
            },
        )


class UserCreateForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("账号"), max_length=150)
    display_name = forms.CharField(label=_("姓名"), max_length=50)
    phone = forms.RegexField(label=_("手机号"), regex=r"^1\d{10}$", required=False,
                             help_text=_("激活码以短信发送到本人手机；加密保存，页面只显示脱敏号码。"),
                             error_messages={"invalid": _("请输入11位手机号。")})  # fmt: skip
    email = forms.EmailField(
        label=_("电子邮箱"), required=False, help_text=_("没有手机号时，激活码发送到此邮箱。")
    )


class ActivateForm(BootstrapMixin, forms.Form):
    """The owner sets their own password with the one-time code sent to them."""

    username = forms.CharField(label=_("账号"), max_length=150,
                               widget=forms.TextInput(attrs={"autocomplete": "username"}))  # fmt: skip
    code = forms.RegexField(
        label=_("激活码"), regex=r"^\s*\d{8}\s*$", error_messages={"invalid": _("激活码为8位数字。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )  # fmt: skip
    new_password1 = forms.CharField(label=_("新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))  # fmt: skip
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", _("两次输入的密码不一致。"))
        return data


class RoleAssignForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    agency = forms.ModelChoiceField(label=_("经办机构"), queryset=Agency.objects.all(), required=False)
    bank = forms.ModelChoiceField(label=_("银行"), queryset=Bank.objects.all(), required=False)
    outlet = forms.ModelChoiceField(label=_("网点"), queryset=Outlet.objects.none(), required=False)

    def __init__(self, *args: Any, outlets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if outlets is not None:
            self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.RegexField(
        label=_("动态口令"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("请输入6位数字动态口令。")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class RevealForm(BootstrapMixin, forms.Form):
    """The one form for every reveal of personal data (see accounts.pii)."""

    reason = forms.ChoiceField(
        label=_("查看事由"), choices=[("", _("请选择"))],
        error_messages={"required": _("请选择查看事由。"), "invalid_choice": _("请选择查看事由。")},
    )  # fmt: skip
    note = forms.CharField(
        label=_("补充说明"), max_length=200, required=False,
        help_text=_("选择“其他”时必填（至少4个字）。"),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from .pii import RevealReason

        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("请选择")), *RevealReason.choices]  # type: ignore[attr-defined]
