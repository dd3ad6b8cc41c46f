from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.common.geo import valid_coordinates

from .models import PolicyMaterial

CODE_RE = re.compile(r"^[A-Za-z0-9_\-]{4,40}$")


class NearestForm(forms.Form):
    """A point: from the browser (WGS-84, converted on the server) or picked on our map (GCJ-02)."""

    lon = forms.FloatField(label=_("经度"), min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度"), min_value=-90, max_value=90)
    datum = forms.ChoiceField(
        label=_("坐标系"),
        choices=[("gcj02", "GCJ-02"), ("wgs84", "WGS-84")],
        required=False,
    )
    service = forms.CharField(label=_("服务事项"), max_length=30, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lon, lat = data.get("lon"), data.get("lat")
        if lon is not None and lat is not None and not valid_coordinates(lon, lat):
            raise forms.ValidationError(_("位置坐标无效。"))
        data["datum"] = data.get("datum") or "gcj02"
        return data


def _code_from(value: str, marker: str) -> str:
    """Accept a bare code or a pasted link (what a phone's camera reads from the QR code)."""
    value = value.strip()
    if marker in value:
        value = value.split(marker, 1)[1].split("/", 1)[0].split("?", 1)[0]
    return re.sub(r"\s+", "", value)


class PlaqueForm(forms.Form):
    number = forms.CharField(
        label=_("标牌编号"),
        max_length=200,
        help_text=_("标牌下方印有编号；也可用手机扫描标牌上的二维码直接打开核验页。"),
    )

    def clean_number(self) -> str:
        number = _code_from(self.cleaned_data["number"], "/verify/plaque/").upper()
        if not CODE_RE.match(number):
            raise forms.ValidationError(_("标牌编号应为4至40位字母、数字或连字符。"))
        return number


class RecordForm(forms.Form):
    code = forms.CharField(
        label=_("核验码"),
        max_length=200,
        help_text=_("权益记录打印件或受理回执上的16位核验码，如 ABCD-EFGH-JKLM-NPQR。"),
    )

    def clean_code(self) -> str:
        code = _code_from(self.cleaned_data["code"], "/verify/record/")
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("核验码应为4至40位字母、数字或连字符。"))
        return code


class RateForm(forms.Form):
    code = forms.CharField(
        label=_("评价码"),
        max_length=200,
        help_text=_(
            "受理回执、自助终端打印件或网厅评价凭条上，二维码下方的10位评价码，如 ABCDE-FGHJK；"
            "由数字2–9和字母组成，不含0、1、I、L、O，大小写均可。"
        ),
    )

    def clean_code(self) -> str:
        code = _code_from(self.cleaned_data["code"], "/rate/")
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("评价码应为4至40位字母、数字或连字符。"))
        return code


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    kind = forms.ChoiceField(label=_("类型"), choices=PolicyMaterial.Kind.choices)
    summary = forms.CharField(
        label=_("摘要"), max_length=300, required=False, help_text=_("列表中显示的一两句话。")
    )
    body = forms.CharField(
        label=_("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("可用简单HTML：段落、加粗、列表、小标题、链接；其他标记和图片会被去除。"),
    )
    item_codes = forms.CharField(
        label=_("关联服务事项编码"),
        required=False,
        max_length=500,
        help_text=_("多个编码用逗号或空格分隔；资料会显示在这些事项的办事指南中。"),
    )
    file = forms.FileField(
        label=_("附件"),
        required=False,
        help_text=_("宣传折页：PDF，不超过10MB；短视频：MP4或WebM，不超过50MB。按文件内容检查类型。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            css = "form-select" if name == "kind" else "form-control"
            field.widget.attrs.setdefault("class", css)


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )
