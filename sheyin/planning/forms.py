from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from sheyin.institutions.models import Agency

from .models import CandidateImport, CandidateSource, DemandImport, DemandSource, PlanningSettings

CONTROL = {"class": "form-control"}
SELECT = {"class": "form-select"}


class DistrictChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agency) -> str:
        return obj.district_name


class ImportForm(forms.Form):
    name = forms.CharField(
        label=_("名称"), max_length=100, widget=forms.TextInput(attrs=CONTROL),
        help_text=_("例如：2026年朝阳区街道常住人口、朝阳区候选物业点位"),
    )  # fmt: skip
    district = DistrictChoiceField(
        label=_("所属区"), queryset=Agency.objects.none(), required=False, widget=forms.Select(attrs=SELECT)
    )
    file = forms.FileField(
        label=_("文件"),
        widget=forms.ClearableFileInput(
            attrs={
                "class": "form-control",
                "accept": ".csv,.xlsx,.geojson,.json,text/csv,application/geo+json",
            }
        ),
        help_text=_(
            "CSV（UTF-8或GBK编码）或Excel（.xlsx）文件，第1行可为表头：经度、纬度、权重（候选点可加“名称”列）；"
            "需求图层也可用GeoJSON：街道范围（面）或人口网格（点），属性中填写人口（population或“人口”）。"
            "坐标为GCJ-02经纬度。整个文件校验通过才会导入。"
        ),
    )

    def __init__(self, *args: Any, districts: QuerySet[Agency], city: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        field.queryset = districts  # type: ignore[attr-defined]
        if city:
            field.empty_label = _("全市")  # type: ignore[attr-defined]
            field.help_text = _("不选表示全市范围")
        else:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
            field.initial = districts.first()


class PlanRunForm(forms.Form):
    district = DistrictChoiceField(
        label=_("规划范围"), queryset=Agency.objects.none(), required=False, widget=forms.Select(attrs=SELECT)
    )
    k = forms.IntegerField(
        label=_("新增网点数"), min_value=1, max_value=100, initial=5, widget=forms.NumberInput(attrs=CONTROL),
        help_text=_("拟新设合作网点的个数（最多100个）"),
    )  # fmt: skip
    demand_source = forms.ChoiceField(
        label=_("需求来源"), choices=DemandSource.choices, initial=DemandSource.CENSUS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    demand_import = forms.ModelChoiceField(
        label=_("需求点导入"), queryset=DemandImport.objects.none(), required=False,
        widget=forms.Select(attrs=SELECT), help_text=_("需求来源为“导入的需求点”时必选"),
    )  # fmt: skip
    candidate_source = forms.ChoiceField(
        label=_("候选点来源"), choices=CandidateSource.choices, initial=CandidateSource.GRID,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )  # fmt: skip
    candidate_import = forms.ModelChoiceField(
        label=_("候选点导入"), queryset=CandidateImport.objects.none(), required=False,
        widget=forms.Select(attrs=SELECT), help_text=_("候选点来源为“导入的候选点”时必选"),
    )  # fmt: skip
    grid_spacing_m = forms.IntegerField(
        label=_("网格间距（米）"), min_value=200, max_value=10000, initial=1000, required=False,
        widget=forms.NumberInput(attrs=CONTROL), help_text=_("候选点来源为“网格点”时使用：在规划范围内按此间距均匀取点"),
    )  # fmt: skip
    time_limit_s = forms.IntegerField(
        label=_("求解时限（秒）"), min_value=5, max_value=600, initial=60, widget=forms.NumberInput(attrs=CONTROL),
        help_text=_("证明与最优相差不超过0.1%即停止；到时限仍未证明时，给出当前最好方案及其与最优的差距"),
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        districts: QuerySet[Agency],
        city: bool,
        demand_imports: QuerySet[DemandImport],
        candidate_imports: QuerySet[CandidateImport],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["district"]
        field.queryset = districts  # type: ignore[attr-defined]
        if city:
            field.empty_label = _("全市")  # type: ignore[attr-defined]
        else:
            field.required = True
            field.empty_label = None  # type: ignore[attr-defined]
        self.fields["demand_import"].queryset = demand_imports  # type: ignore[attr-defined]
        self.fields["candidate_import"].queryset = candidate_imports  # type: ignore[attr-defined]


class AdoptForm(forms.Form):
    note = forms.CharField(
        label=_("说明"), max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text=_("可选，如拟设点位的具体位置或对银行的要求"),
    )  # fmt: skip


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class PlanningSettingsForm(forms.ModelForm):
    class Meta:
        model = PlanningSettings
        fields = ["space_from_applying", "space_from_planned"]
        widgets = {
            "space_from_applying": forms.CheckboxInput(attrs={"class": "form-check-input"}),
            "space_from_planned": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }
