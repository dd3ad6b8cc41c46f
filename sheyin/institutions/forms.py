from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin

from .models import Agency, Bank, Branch, Outlet


class OutletForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Outlet
        fields = [
            "bank", "branch", "name", "district", "address", "lon", "lat", "opening_hours", "phone",
            "windows", "terminals", "online_counters", "document_cameras", "card_machines",
        ]  # fmt: skip
        help_texts = {
            "lon": _("GCJ-02 坐标（高德/腾讯地图拾取），须位于所填所在区内"),
            "windows": _("按场地面积和服务人口设置1至2个（R2.3）"),
        }

    def __init__(self, *args: Any, banks: Any, branches: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks  # type: ignore[attr-defined]
        self.fields["branch"].queryset = branches  # type: ignore[attr-defined]
        self.fields["district"].queryset = Agency.objects.filter(level=Agency.Level.DISTRICT)  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["bank"].disabled = True

    def validate_unique(self) -> None:
        """Uniqueness is the service's job (with a clear message); the form only parses input."""

    def _post_clean(self) -> None:
        # Parse into the instance without model-level validation: the service validates once.
        opts = self._meta
        try:
            self.instance = forms.models.construct_instance(self, self.instance, opts.fields, opts.exclude)
        except forms.ValidationError as e:
            self.add_error(None, e)


class BankForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Bank
        fields = [
            "name",
            "short_name",
            "uscc",
            "uscc_override_reason",
            "address",
            "contact_name",
            "contact_phone",
        ]

    def validate_unique(self) -> None:
        pass


class AgencyForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Agency
        fields = [
            "address",
            "phone",
            "lon",
            "lat",
            "min_outlet_distance_m",
            "min_office_distance_m",
            "coverage_radius_m",
        ]


class CalendarDayForm(BootstrapMixin, forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    is_workday = forms.TypedChoiceField(
        label=_("类型"),
        choices=[("0", _("放假（工作日休息）")), ("1", _("调休上班（周末上班）"))],
        coerce=lambda v: v == "1",
    )
    name = forms.CharField(label=_("说明"), max_length=50, required=False)


class HolidayYearForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    source = forms.CharField(label=_("来源"), max_length=200, initial="国务院办公厅关于部分节假日安排的通知")


def branch_choices(qs: Any) -> Any:
    return qs.select_related("bank")


__all__ = ["AgencyForm", "BankForm", "Branch", "OutletForm", "branch_choices"]
