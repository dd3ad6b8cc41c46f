from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.institutions.models import Outlet

TOUCH = {"class": "form-control form-control-lg kiosk-input", "autocomplete": "off"}


class ActivateForm(forms.Form):
    serial = forms.CharField(label=_("设备序列号"), max_length=40, widget=forms.TextInput(attrs=TOUCH))
    credential = forms.CharField(
        label=_("终端凭证"), max_length=100, widget=forms.PasswordInput(attrs=TOUCH),
        help_text=_("登记终端时系统显示的凭证，仅显示一次"),
    )  # fmt: skip


class IdentifyForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=20,
        widget=forms.TextInput(attrs={**TOUCH, "inputmode": "text", "data-keypad": "id"}),
    )  # fmt: skip
    card_number = forms.CharField(
        label=_("社会保障卡卡号"), max_length=20,
        widget=forms.PasswordInput(attrs={**TOUCH, "data-keypad": "card"}),
        help_text=_("卡面上的卡号，不是银行卡号"),
    )  # fmt: skip


class CodeSendForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=20, widget=forms.TextInput(attrs={**TOUCH, "data-keypad": "id"})
    )


class CodeVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("短信验证码"), max_length=6,
        widget=forms.TextInput(attrs={**TOUCH, "inputmode": "numeric", "data-keypad": "code"}),
    )  # fmt: skip


class TerminalForm(forms.Form):
    outlet: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("网点"), queryset=Outlet.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    serial = forms.CharField(
        label=_("设备序列号"), max_length=40, widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("设备铭牌上的序列号"),
    )  # fmt: skip
    name = forms.CharField(
        label=_("终端名称"), max_length=60, widget=forms.TextInput(attrs={"class": "form-control"}),
        help_text=_("如“大厅1号机”"),
    )  # fmt: skip

    def __init__(self, *args: Any, outlets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]
        if outlets.count() == 1:
            self.fields["outlet"].initial = outlets.first()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("原因"), max_length=200, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class VerifyForm(forms.Form):
    pdf = forms.FileField(
        label=_("上传打印件PDF文件"), required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "application/pdf"}),
    )  # fmt: skip
    content_hash = forms.CharField(
        label=_("或输入打印件上的内容摘要"), required=False, max_length=80,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
        help_text=_("打印件页脚“内容摘要（SM3）”后的32位字符"),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("pdf") and not (data.get("content_hash") or "").strip():
            raise forms.ValidationError(_("请上传PDF文件或输入内容摘要。"))
        return data


class CodeLookupForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"), max_length=24, widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
        help_text=_("打印件上的16位验证码，如 ABCD-EFGH-JKLM-NPQR"),
    )  # fmt: skip
