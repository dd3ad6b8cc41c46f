from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import BadReviewCase, Level, RatingSettings

TEXT = {"class": "form-control"}
LEVELS = [(v, label) for v, label in Level.choices]


class LevelChoice(forms.TypedChoiceField):
    def __init__(self, label: Any) -> None:
        super().__init__(
            label=label, choices=LEVELS, coerce=int, widget=forms.RadioSelect,
            error_messages={"required": _("请选择评价等级。")},
        )  # fmt: skip


class RatingForm(forms.Form):
    """One overall question (整体满意度: five big buttons, radio inputs styled as buttons), the three other
    on-site indicators, a comment and the real-name choice. The service validates again; this form only
    shapes the input."""

    level = LevelChoice(_("整体满意度"))
    efficiency = LevelChoice(_("服务效率"))
    skill = LevelChoice(_("服务水平"))
    attitude = LevelChoice(_("服务态度"))
    comment = forms.CharField(
        label=_("意见建议"), required=False, max_length=500,
        widget=forms.Textarea(attrs={**TEXT, "rows": 3, "maxlength": 500}),
        help_text=_("选择“不满意”或“非常不满意”时请简要说明原因，最多500字。请勿填写身份证号等个人信息。"),
    )  # fmt: skip
    real_name = forms.BooleanField(
        label=_("实名评价（便于回访）"), required=False,
        help_text=_("实名评价的差评将由工作人员电话回访；您的姓名和电话仅用于回访，不会公开。"),
    )  # fmt: skip
    contact_name = forms.CharField(
        label=_("姓名"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "name"}),
    )
    contact_phone = forms.CharField(
        label=_("手机号码"), required=False, max_length=11,
        widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric", "autocomplete": "tel"}),
    )  # fmt: skip


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明"), max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class RectifyForm(NoteForm):
    evidence = forms.FileField(
        label=_("整改佐证（PDF/PNG/JPEG）"), required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".pdf,.png,.jpg,.jpeg"}),
    )  # fmt: skip


class CallBackForm(NoteForm):
    result = forms.ChoiceField(
        label=_("回访结果"),
        choices=BadReviewCase.CallbackResult.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("处理结果（向社会公开）"), max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 3}),
        help_text=_("将在门户网站公示，请勿填写评价人姓名、电话等个人信息；系统也会自动去除号码。"),
    )  # fmt: skip


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("申诉理由"), max_length=500, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )


class AppealDecisionForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("复核结论"), coerce=lambda v: v == "1",
        choices=[("1", _("申诉成立（该评价不计入统计）")), ("0", _("申诉不成立（继续整改）"))],
        widget=forms.RadioSelect,
    )  # fmt: skip
    note = forms.CharField(
        label=_("复核意见"), max_length=1000, widget=forms.Textarea(attrs={**TEXT, "rows": 3})
    )


class SettingsForm(forms.ModelForm):
    class Meta:
        model = RatingSettings
        fields = [
            "deadline_days", "deadline_working_days", "invitation_delay_days", "rate_limit_per_minute",
            "burst_window_minutes", "burst_threshold",
        ]  # fmt: skip
        widgets = {
            f: forms.NumberInput(attrs=TEXT)
            for f in ("deadline_days", "invitation_delay_days", "rate_limit_per_minute", "burst_window_minutes",
                      "burst_threshold")
        }  # fmt: skip
