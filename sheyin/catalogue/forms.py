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


class ProposalForm(BootstrapMixin, forms.Form):
    """A service proposal (R10.2): what, why and how much; the service checks the content."""

    title = forms.CharField(label=_("建议事项名称"), max_length=60)
    category = forms.ChoiceField(label=_("事项类别"), choices=[("", "—"), *Category.choices])
    audience = forms.ChoiceField(label=_("服务对象"), choices=[("", "—"), *Audience.choices])
    channels = forms.MultipleChoiceField(label=_("建议办理渠道"), choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    description = forms.CharField(label=_("事项内容和办理方式"), widget=forms.Textarea(attrs={"rows": 4}),
                                  help_text=_("群众或单位办什么、在合作网点怎么办、需要哪些系统和设备。"))  # fmt: skip
    reasons = forms.CharField(label=_("建议理由"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("群众需求、是否符合“高频、高效、风险可控”、网点的办理条件和风险控制措施。"))  # fmt: skip
    expected_volume = forms.IntegerField(label=_("预计年办件量"), min_value=1, max_value=100_000_000,
                                         help_text=_("在全部合作网点办理的预计件数（件/年）。"))  # fmt: skip
    volume_basis = forms.CharField(
        label=_("办件量测算依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    materials = forms.CharField(label=_("所需材料"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                help_text=_("每行一项"))  # fmt: skip
    legal_basis = forms.CharField(
        label=_("政策依据"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channels"].widget.attrs["class"] = "form-check-input"


def proposal_initial(p: Any) -> dict[str, Any]:
    data = {f: getattr(p, f) for f in ProposalForm.base_fields}
    data["channels"] = list(p.channels)
    return data


def item_from_proposal(p: Any) -> dict[str, Any]:
    """The catalogue item an accepted proposal suggests (the officer completes the code and the rest)."""
    return {"name": p.title, "category": p.category, "audience": p.audience, "channels": list(p.channels),
            "materials": p.materials, "legal_basis": p.legal_basis, "time_limit_days": 0,
            "risk": "low", "guide": ""}  # fmt: skip


class ProposalReviewForm(BootstrapMixin, forms.Form):
    recommend = forms.TypedChoiceField(label=_("初审结论"), coerce=lambda v: v == "1", empty_value=None,
                                       choices=[("", _("请选择")), ("1", _("建议采纳")), ("0", _("建议不予采纳"))])  # fmt: skip
    opinion = forms.CharField(label=_("初审意见"), widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("是否符合“高频、高效、风险可控”，办理条件、系统改造和风险控制要求。"))  # fmt: skip


class ProposalDecisionForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("审定意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("不予采纳须说明理由，理由将告知建议单位。"))  # fmt: skip


class ProposalReturnForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label=_("需要补充的内容"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProposalWithdrawForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("撤回原因"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
