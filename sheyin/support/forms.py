"""Forms for tickets, guidance sessions, contacts and the FAQ. Validation of substance is in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin
from sheyin.institutions.models import Outlet

from .models import Category, GuidanceSession


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class SettingsForm(forms.Form):
    reply_working_days = forms.IntegerField(label=_("答复时限（工作日）"), min_value=1, max_value=30,
                                            widget=forms.NumberInput(attrs={"class": "form-control"}))  # fmt: skip
    close_working_days = forms.IntegerField(label=_("办结时限（工作日）"), min_value=1, max_value=30,
                                            help_text=_("超过时限的工单自动升级提醒区经办机构负责人。"),
                                            widget=forms.NumberInput(attrs={"class": "form-control"}))  # fmt: skip


class TicketForm(forms.Form):
    category = forms.ChoiceField(label=_("问题类别"), choices=Category.choices)
    title = forms.CharField(label=_("标题"), max_length=100)
    description = forms.CharField(label=_("问题描述"), widget=forms.Textarea(attrs={"rows": 5}))
    attachments = MultipleFileField(label=_("附件"), required=False,
                                    help_text=_("可上传截图或文件（PDF、PNG、JPEG），最多5个。"))  # fmt: skip


class BodyForm(BootstrapMixin, forms.Form):
    body = forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 3}))


class CloseForm(BootstrapMixin, forms.Form):
    resolution = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=300)


class FaqForm(BootstrapMixin, forms.Form):
    question = forms.CharField(label=_("问题"), max_length=200)
    answer = forms.CharField(label=_("解答"), widget=forms.Textarea(attrs={"rows": 4}))


class GuidanceForm(BootstrapMixin, forms.Form):
    outlet = forms.ModelChoiceField(label=_("网点"), queryset=Outlet.objects.none())
    held_at = forms.DateTimeField(
        label=_("指导时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    duration_minutes = forms.IntegerField(label=_("时长（分钟）"), initial=30, min_value=1, max_value=480)
    topic = forms.CharField(label=_("指导主题"), max_length=100)
    outcome = forms.ChoiceField(label=_("指导结果"), choices=GuidanceSession.Outcome.choices)
    note = forms.CharField(label=_("记录"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, outlets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


class TicketGuidanceForm(GuidanceForm):
    """Remote guidance given for a ticket: the ticket names the outlet."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["outlet"]


class ContactForm(forms.Form):
    category = forms.ChoiceField(label=_("问题类别"), choices=Category.choices)
    user = forms.ModelChoiceField(label=_("联系人"), queryset=get_user_model().objects.none())
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False)

    def __init__(self, *args: Any, users: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]
