"""Forms parse input only; every rule is checked once, in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin
from sheyin.institutions.models import Agency, Branch

from .models import BankApplication, ChecklistItem, CooperationSettings, Termination


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def _text(label: Any, rows: int = 3, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=2000,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReasonForm(BootstrapMixin, forms.Form):
    reason = _text(_("理由"), rows=2)


class OptionalReasonForm(BootstrapMixin, forms.Form):
    reason = _text(_("意见"), rows=2, required=False)


class BankApplicationForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = BankApplication
        fields = ["applicant", "contact_name", "contact_phone", "planned_outlets", "proposal"]
        widgets = {"proposal": forms.Textarea(attrs={"rows": 6})}


class AgreementSignForm(BootstrapMixin, forms.Form):
    agency_signed_on = forms.DateField(label=_("经办机构签署日期"), widget=DateInput())
    bank_signed_on = forms.DateField(label=_("银行签署日期"), widget=DateInput())
    start_date = forms.DateField(
        label=_("生效日期"),
        required=False,
        widget=DateInput(),
        help_text=_("留空则自双方签署日期中较晚者起算"),
    )


class ObjectionForm(BootstrapMixin, forms.Form):
    reason = _text(_("不续期异议理由"), rows=2)


class FilingForm(BootstrapMixin, forms.Form):
    note = _text(_("报送说明"), rows=2, required=False)


class DecisionForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结论"),
        choices=[("approve", _("通过")), ("reject", _("退回/不批准"))],
        widget=forms.RadioSelect,
    )
    reason = _text(_("意见"), rows=2, required=False, help_text=_("退回或不批准时必须填写"))


class OutletApplicationForm(BootstrapMixin, forms.Form):
    branch = forms.ModelChoiceField(label=_("申请支行"), queryset=Branch.objects.none(), required=False)
    name = forms.CharField(label=_("网点名称"), max_length=100)
    district = forms.ModelChoiceField(label=_("所在区（受理区）"), queryset=Agency.objects.none())
    address = forms.CharField(label=_("地址"), max_length=200)
    lon = forms.FloatField(label=_("经度"), help_text=_("GCJ-02 坐标，须位于所在区内"))
    lat = forms.FloatField(label=_("纬度"))
    opening_hours = forms.CharField(label=_("营业时间"), max_length=100, initial="周一至周五 9:00-17:00")
    phone = forms.CharField(label=_("咨询电话"), max_length=30)
    terminals = forms.IntegerField(label=_("自助服务终端数"), min_value=0, max_value=20, initial=1)
    online_counters = forms.IntegerField(label=_("网厅自助服务台数"), min_value=0, max_value=20, initial=1)
    printers = forms.IntegerField(label=_("打印机数"), min_value=0, max_value=20, initial=1)
    windows = forms.IntegerField(
        label=_("人工窗口数"),
        min_value=0,
        max_value=9,
        initial=1,
        help_text=_("按场地面积和服务人口设置1至2个"),
    )
    document_cameras = forms.IntegerField(label=_("高拍仪数"), min_value=0, max_value=20, initial=2)
    card_machines = forms.IntegerField(label=_("第三代社保卡制卡机数"), min_value=0, max_value=20, initial=1)
    floor_area_m2 = forms.IntegerField(
        label=_("营业面积（平方米）"), min_value=0, max_value=100000, initial=0
    )
    staff_planned = forms.IntegerField(label=_("拟配备经办人员数"), min_value=0, max_value=50, initial=2)
    guide_planned = forms.IntegerField(label=_("拟配备引导人员数"), min_value=0, max_value=20, initial=1)
    staffing_plan = _text(_("人员配备方案"), rows=3, required=False)
    network_plan = forms.CharField(
        label=_("网络接入方式"), max_length=200, required=False, help_text=_("如：专线接入社保业务系统 / VPN")
    )
    floor_plan = forms.FileField(
        label=_("平面布置图"), required=False, help_text=_("PDF、PNG或JPEG，不超过5MB")
    )
    photos = MultipleFileField(
        label=_("现场照片"), required=False, help_text=_("门头和室内照片，PNG或JPEG，每张不超过5MB，可多选")
    )

    def __init__(
        self, *args: Any, branches: Any, districts: Any, locked_district: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        self.fields["district"].label_from_instance = lambda a: a.district_name  # type: ignore[attr-defined]
        if locked_district:
            self.fields["district"].disabled = True
        self.fields["photos"].widget.attrs.update({"accept": "image/png,image/jpeg"})
        self.fields["floor_plan"].widget.attrs.update({"accept": "application/pdf,image/png,image/jpeg"})


class ChangeRequestForm(BootstrapMixin, forms.Form):
    """A change to an accepted or operating outlet's facts; prefilled with the current values, and only
    what differs is asked for. The district is not a field: a move into another district is a new
    application there (the service explains the route when the site falls outside the district)."""

    branch = forms.ModelChoiceField(label=_("所属银行网点"), queryset=Branch.objects.none(), required=False)
    name = forms.CharField(label=_("网点名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200)
    lon = forms.FloatField(
        label=_("经度"), help_text=_("GCJ-02 坐标，可在地图上点选；迁址将重新进行布局核查")
    )
    lat = forms.FloatField(label=_("纬度"))
    floor_area_m2 = forms.IntegerField(label=_("营业面积（平方米）"), min_value=0, max_value=100000)
    terminals = forms.IntegerField(label=_("自助服务终端数"), min_value=0, max_value=20)
    online_counters = forms.IntegerField(label=_("网厅自助服务台数"), min_value=0, max_value=20)
    windows = forms.IntegerField(label=_("人工窗口数"), min_value=0, max_value=9)
    document_cameras = forms.IntegerField(label=_("高拍仪数"), min_value=0, max_value=20)
    card_machines = forms.IntegerField(label=_("第三代社保卡制卡机数"), min_value=0, max_value=20)
    reason = _text(_("变更说明"), rows=3, help_text=_("说明变更的原因和时间，如迁址、装修扩建、设备更新"))

    def __init__(self, *args: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]


class JustificationForm(BootstrapMixin, forms.Form):
    justification = _text(
        _("布局例外理由"),
        rows=3,
        help_text=_("说明为何在最小间距内仍需设点，如服务人口、交通、既有网点服务能力等"),
    )


class InspectionMetaForm(BootstrapMixin, forms.Form):
    visit_date = forms.DateField(label=_("检查日期"), widget=DateInput())
    summary = _text(_("检查结论与整改意见"), rows=3, required=False)


class SuspendForm(BootstrapMixin, forms.Form):
    reason = _text(_("暂停原因"), rows=2)
    starts_on = forms.DateField(
        label=_("暂停开始日期"), widget=DateInput(), required=False, help_text=_("留空为今天")
    )
    planned_end = forms.DateField(label=_("计划恢复日期"), widget=DateInput(), required=False)


class TerminationForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("终止方式"),
        choices=[
            (Termination.Kind.NEGOTIATED, Termination.Kind.NEGOTIATED.label),
            (Termination.Kind.UNILATERAL, Termination.Kind.UNILATERAL.label),
        ],
    )
    ground = forms.ChoiceField(
        label=_("单方解除事由"),
        required=False,
        choices=[
            ("", "—"),
            (Termination.Ground.VIOLATION, Termination.Ground.VIOLATION.label),
            (Termination.Ground.FAILED_APPRAISAL, Termination.Ground.FAILED_APPRAISAL.label),
        ],
        help_text=_("单方解除必选"),
    )
    reason = _text(_("终止理由"), rows=3)
    notice_date = forms.DateField(
        label=_("书面通知日期"), widget=DateInput(), required=False, help_text=_("单方解除必填")
    )
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput())


class BankTerminateForm(BootstrapMixin, forms.Form):
    reason = _text(_("终止理由"), rows=3)
    effective_date = forms.DateField(label=_("生效日期"), widget=DateInput())
    confirm_count = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    confirmed = forms.BooleanField(label=_("我已核对上述网点清单，确认随市级协议一并终止"), required=True)


class OpenItemCloseForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("办结说明"), max_length=300)


class SettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = CooperationSettings
        fields = [
            "term_years",
            "renewal_objection_days",
            "filing_deadline_workdays",
            "expiry_warning_days",
            "layout_nearest_count",
            "opening_check_workdays",
        ]


class TemplateForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(
        label=_("正文"), widget=forms.Textarea(attrs={"rows": 24, "class": "form-control font-monospace"})
    )


class ChecklistMetaForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    note = forms.CharField(label=_("修订说明"), max_length=300, required=False)


class ChecklistItemForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("编号"), max_length=10)
    group = forms.ChoiceField(label=_("分组"), choices=ChecklistItem.Group.choices)
    mode = forms.ChoiceField(label=_("服务方式"), choices=ChecklistItem.Mode.choices, required=False)
    level = forms.ChoiceField(label=_("要求"), choices=ChecklistItem.Level.choices)
    text = forms.CharField(label=_("检查内容"), max_length=300)


ChecklistItemFormSet = formset_factory(ChecklistItemForm, extra=2, can_delete=True)
