from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sheyin.catalogue.models import ServiceItem

from .models import GuidedSession

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


HIGH_RISK = _("（高风险，需复核）")


class ItemForm(forms.Form):
    # Any item id is accepted here; the service refuses one the window may not handle or one of a
    # superseded version, with the reason (the list offers only the window's items in force).
    item = forms.ModelChoiceField(
        label=_("办理事项"), queryset=ServiceItem.objects.all(), widget=forms.Select(attrs=SELECT)
    )

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].widget.choices = [("", _("请选择事项"))] + [
            (i.pk, f"{i.code} {i.name}{HIGH_RISK if i.risk == 'high' else ''}") for i in items
        ]


class IdentifyForm(forms.Form):
    id_number = forms.CharField(
        label=_("身份证号码"), max_length=20, widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}),
        help_text=_("读卡器读取或手工录入；任何区户籍、任何区参保的人员均可受理（无差别受理）"),
    )  # fmt: skip
    card_number = forms.CharField(
        label=_("社会保障卡卡号"), max_length=20, required=False,
        widget=forms.TextInput(attrs={**TEXT, "autocomplete": "off"}), help_text=_("有卡时录入，系统与核心系统核对"),
    )  # fmt: skip


class MaterialsForm(forms.Form):
    materials = forms.MultipleChoiceField(
        label=_("已收材料"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, listed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["materials"].choices = [(m, m) for m in listed]  # type: ignore[attr-defined]


class UploadForm(forms.Form):
    material = forms.ChoiceField(label=_("对应材料"), widget=forms.Select(attrs=SELECT))
    file = forms.FileField(
        label=_("高拍仪扫描件"), widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,.png,.jpg,.jpeg"}),
        help_text=_("PDF、PNG或JPEG，单个文件不超过5MB"),
    )  # fmt: skip

    def __init__(self, *args: Any, listed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [(m, m) for m in [*listed, str(_("其他材料"))]]  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("事由"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class ReviewForm(forms.Form):
    reason = forms.CharField(
        label=_("复核意见"), max_length=300, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 2}),
        help_text=_("退回时必填"),
    )  # fmt: skip


class CorrectionForm(forms.Form):
    """A corrected scan for an archive the district flagged (有差异)."""

    material = forms.ChoiceField(label=_("对应材料"), widget=forms.Select(attrs=SELECT))
    replaces = forms.TypedChoiceField(label=_("更正的扫描件"), required=False, coerce=int, empty_value=None,
                                      widget=forms.Select(attrs=SELECT),
                                      help_text=_("补扫缺少的材料时不选；原扫描件保留在档案中。"))  # fmt: skip
    file = forms.FileField(
        label=_("补正扫描件"), widget=forms.ClearableFileInput(attrs={**TEXT, "accept": ".pdf,.png,.jpg,.jpeg"}),
        help_text=_("PDF、PNG或JPEG，单个文件不超过5MB"),
    )  # fmt: skip
    note = forms.CharField(label=_("补正说明"), max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args: Any, materials: list[str], files: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["material"].choices = [(m, m) for m in [*materials, str(_("其他材料"))]]  # type: ignore[attr-defined]
        earlier = [
            (f.pk, f"{f.material} · {timezone.localtime(f.uploaded_at):%Y-%m-%d %H:%M}") for f in files
        ]
        self.fields["replaces"].choices = [("", _("（补扫缺少的材料）")), *earlier]  # type: ignore[attr-defined]


class FlagForm(forms.Form):
    note = forms.CharField(label=_("差异说明"), max_length=300, widget=forms.TextInput(attrs=TEXT))


class GuidedStartForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("网厅服务事项"),
        queryset=ServiceItem.objects.all(),
        required=False,
        widget=forms.Select(attrs=SELECT),
    )
    service_name = forms.CharField(
        label=_("或其他网厅服务"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT),
        help_text=_("清单外的网上服务，如“电子社保卡申领指导”"),
    )  # fmt: skip

    def __init__(self, *args: Any, items: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].widget.choices = [("", _("请选择"))] + [
            (i.pk, f"{i.code} {i.name}") for i in items
        ]


class GuidedFinishForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("结果"), choices=GuidedSession.Outcome.choices, widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(
        label=_("备注"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT)
    )
