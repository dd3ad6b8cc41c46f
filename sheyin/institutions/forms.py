from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin

from .models import Agency, Bank, Branch, Outlet


class OutletContactForm(BootstrapMixin, forms.ModelForm):
    """What an outlet edits directly: opening hours and the public phone. Everything a rule depends on
    changes through the outlet application or a change request (the service refuses it here)."""

    class Meta:
        model = Outlet
        fields = ["opening_hours", "phone"]
        help_texts = {"phone": _("公开的咨询电话，如 010-12345678")}

    def _post_clean(self) -> None:
        # Parse only: the service validates once, with every error at the same time.
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


__all__ = ["AgencyForm", "BankForm", "Branch", "OutletContactForm", "branch_choices"]
