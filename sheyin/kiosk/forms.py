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
        widget=forms.PasswordInput(attrs={**TOUCH, "data-keypad": "card", "autocapitalize": "characters",
                                          "class": f"{TOUCH['class']} kiosk-card-number"}),
        help_text=_("卡面上的卡号，以字母开头，如 B12345678；不是银行卡号。点“显示”可查看已输入的内容"),
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


class CodeLookupForm(forms.Form):
    code = forms.CharField(
        label=_("核验码"), max_length=24,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg font-monospace", "autocomplete": "off"}),
        help_text=_("权益记录打印件或受理回执上的16位核验码，如 ABCD-EFGH-JKLM-NPQR"),
    )  # fmt: skip
