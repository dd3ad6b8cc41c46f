from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin
from sheyin.institutions.models import Bank

from .services import MAX_RATE, MAX_TOKEN_DAYS, clean_addresses


class ClientForm(BootstrapMixin, forms.Form):
    bank = forms.ModelChoiceField(label=_("银行"), queryset=Bank.objects.none())
    name = forms.CharField(
        label=_("客户端名称"), max_length=100, help_text=_("便于识别的名称，如“总行社保前置系统”")
    )
    allowed_addresses = forms.CharField(
        label=_("允许的来源地址"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个 IP 地址或网段（CIDR），如 10.1.0.0/16；留空表示不限制"),
    )
    rate_limit_per_minute = forms.IntegerField(
        label=_("每分钟请求上限"), min_value=1, max_value=MAX_RATE, initial=600
    )

    def __init__(self, *args: Any, banks: Any = None, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["bank"]
        else:
            self.fields["bank"].queryset = banks  # type: ignore[attr-defined]

    def clean_allowed_addresses(self) -> str:
        # The service's own parser (one rule), so a bad line shows even while another field is wrong.
        try:
            return clean_addresses(self.cleaned_data.get("allowed_addresses", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["allowed_addresses"]) from exc


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("吊销原因"), max_length=200)


class TokenForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=_("用途"), max_length=100, help_text=_("如“月度统计脚本”"))
    days = forms.IntegerField(
        label=_("有效期（天）"),
        min_value=1,
        max_value=MAX_TOKEN_DAYS,
        initial=30,
        help_text=_("最长90天；到期、撤销或您的会话被终止后，令牌立即失效"),
    )
