"""Forms only parse input; the services validate and write (design rule 1)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin

from .choices import Audience, Category, Channel, Risk
from .validation import MAX_TIME_LIMIT


class ItemForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("事项编码"), max_length=12, help_text=_("格式如 SY-Q-001，跨版本保持不变"))
    name = forms.CharField(label=_("事项名称"), max_length=60)
    category = forms.ChoiceField(label=_("事项类别"), choices=Category.choices)
    audience = forms.ChoiceField(label=_("服务对象"), choices=Audience.choices)
    channels = forms.MultipleChoiceField(
        label=_("办理渠道"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("需使用制卡机的事项必须包含人工窗口"),
    )
    time_limit_days = forms.IntegerField(
        label=_("承诺时限（工作日）"),
        min_value=0,
        max_value=MAX_TIME_LIMIT,
        initial=0,
        help_text=_("0 表示即时办结"),
    )
    risk = forms.ChoiceField(label=_("风险等级"), choices=Risk.choices)
    needs_card_machine = forms.BooleanField(label=_("需使用制卡机（第三代社保卡制卡机）"), required=False)
    materials = forms.CharField(
        label=_("申请材料"), required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一项")
    )
    legal_basis = forms.CharField(
        label=_("设定依据"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    guide = forms.CharField(
        label=_("办事指南"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10, "class": "form-control font-monospace"}),
        help_text=_("可用段落、标题（h4）、列表、加粗、表格和链接；脚本、样式和图片会被清除。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].widget.attrs["class"] = "form-check-input"


def item_initial(item: Any) -> dict[str, Any]:
    data = {f: getattr(item, f) for f in ItemForm.base_fields}
    data["channels"] = list(item.channels)
    return data


class SummaryForm(BootstrapMixin, forms.Form):
    summary = forms.CharField(
        label=_("版本说明"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("本版调整的内容和原因，随公示发布"),
    )


class PublishForm(BootstrapMixin, forms.Form):
    effective_from = forms.DateTimeField(
        label=_("生效时间（北京时间）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空表示发布后立即生效；可以设定将来的时间，届时自动切换。"),
    )
    note = forms.CharField(
        label=_("审核意见"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class ImportForm(BootstrapMixin, forms.Form):
    MODES = [
        ("merge", _("按编码新增或更新，保留文件中没有的事项")),
        ("replace", _("以文件为准替换草稿中的全部事项")),
    ]
    file = forms.FileField(
        label=_("Excel文件（.xlsx）"),
        allow_empty_file=True,  # read_upload names the empty file in its own words
        help_text=_("请使用导入模板；最多2000行，5MB以内。"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    mode = forms.ChoiceField(label=_("导入方式"), choices=MODES, initial="merge", widget=forms.RadioSelect)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mode"].widget.attrs["class"] = "form-check-input"
