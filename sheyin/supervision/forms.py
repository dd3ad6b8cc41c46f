"""Forms for oversight pages. They only shape input; the services validate and decide."""

from __future__ import annotations

import csv
import io
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sheyin.institutions.models import Bank, Outlet

from .models import Finding, SupervisionSettings


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/png,image/jpeg", "capture": "environment"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class BootstrapForm(forms.Form):
    """Adds the Bootstrap classes to every widget (includes/field.html renders the bare widget)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.style()

    def style(self) -> None:
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                continue
            cls = "form-select" if isinstance(w, forms.Select) else "form-control"
            w.attrs["class"] = (
                (w.attrs.get("class", "") + " " + cls).strip()
                if cls not in w.attrs.get("class", "")
                else w.attrs["class"]
            )


class PlanForm(BootstrapForm):
    year = forms.IntegerField(label=_("年度"), min_value=2020, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int, choices=[(q, f"Q{q}") for q in range(1, 5)])
    risk_share = forms.IntegerField(label=_("按风险优先比例（%）"), min_value=0, max_value=100, initial=50,
                                    help_text=_("风险分最高的这部分网点在季度前段优先检查，其余随机抽取排期。"))  # fmt: skip


class AssignForm(BootstrapForm):
    inspector = forms.ModelChoiceField(
        label=_("检查人"), queryset=get_user_model().objects.none(), required=False
    )
    scheduled_date = forms.DateField(label=_("计划检查日期"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, inspectors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["inspector"].queryset = inspectors  # type: ignore[attr-defined]


class ComplaintForm(BootstrapForm):
    outlet = forms.ModelChoiceField(label=_("被反映网点"), queryset=Outlet.objects.none())
    title = forms.CharField(label=_("反映事项"), max_length=200)
    detail = forms.CharField(label=_("反映内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False,
                             help_text=_("记录来电或来访人反映的具体情况；不要填写身份证号等个人信息。"))  # fmt: skip
    severity = forms.ChoiceField(
        label=_("严重程度"), choices=Finding.Severity.choices, initial=Finding.Severity.LOW
    )

    def __init__(self, *args: Any, outlets: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]


HOTLINE_HEADERS = {"网点编号": "outlet_code", "outlet_code": "outlet_code", "工单编号": "ref", "ref": "ref",
                   "反映内容": "content", "content": "content"}  # fmt: skip


class HotlineImportForm(BootstrapForm):
    file = forms.FileField(label=_("12345热线工单文件"),
                           help_text=_("CSV（UTF-8）或Excel（.xlsx），首行为表头：网点编号、工单编号、反映内容。"))  # fmt: skip

    def rows(self) -> list[dict[str, str]]:
        """The file as rows keyed outlet_code/ref/content. A file we cannot read is a field error."""
        f = self.cleaned_data["file"]
        name = (f.name or "").lower()
        raw: list[list[str]]
        try:
            if name.endswith(".xlsx"):
                from openpyxl import load_workbook

                ws = load_workbook(f, read_only=True, data_only=True).active
                raw = [
                    ["" if c is None else str(c).strip() for c in r] for r in ws.iter_rows(values_only=True)
                ]
            elif name.endswith(".csv"):
                text = f.read().decode("utf-8-sig")
                raw = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
            else:
                raise ValidationError(_("只支持CSV或Excel（.xlsx）文件。"))
        except (UnicodeDecodeError, csv.Error, OSError, KeyError, ValueError) as exc:
            raise ValidationError(_("文件无法读取，请检查格式。")) from exc
        if not raw:
            raise ValidationError(_("文件为空。"))
        keys = [HOTLINE_HEADERS.get(h) for h in raw[0]]
        missing = {"outlet_code", "ref", "content"} - set(k for k in keys if k)
        if missing:
            raise ValidationError(_("表头须包含：网点编号、工单编号、反映内容。"))
        out = []
        for r in raw[1:]:
            if not any(r):
                continue
            out.append({k: (r[i] if i < len(r) else "") for i, k in enumerate(keys) if k})
        if not out:
            raise ValidationError(_("文件中没有数据行。"))
        return out


class SelfInspectionForm(BootstrapForm):
    period = forms.CharField(label=_("自查期间"), max_length=20, help_text=_("例如 2026Q4 或 2026H2"))
    summary = forms.CharField(label=_("自查总结"), widget=forms.Textarea(attrs={"rows": 4}))


class ConsultationForm(BootstrapForm):
    title = forms.CharField(label=_("会商主题"), max_length=100)
    held_at = forms.DateTimeField(
        label=_("会商时间"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    bank = forms.ModelChoiceField(label=_("参会银行"), queryset=Bank.objects.none(), required=False)
    attendees = forms.CharField(label=_("参会人员"), widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("单位和姓名，每行一人。"))  # fmt: skip
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    decisions = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args: Any, banks: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = banks  # type: ignore[attr-defined]


class ActionForm(BootstrapForm):
    description = forms.CharField(label=_("跟进事项"), max_length=200)
    owner = forms.CharField(label=_("责任方"), max_length=60)
    due_date = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))


class SettingsForm(BootstrapForm):
    """The settings row's fields as a plain form (the service validates the sums and the grade lines)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(SupervisionSettings, exclude=["updated_at"]))
        self.style()


class TalkRecordForm(BootstrapForm):
    """约谈记录 (the service checks the time against the period and the other rules)."""

    held_at = forms.DateTimeField(label=_("约谈时间"), input_formats=["%Y-%m-%dT%H:%M"],
                                  widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))  # fmt: skip
    place = forms.CharField(label=_("约谈地点"), max_length=100, required=False)
    attendees = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}),
                                help_text=_("双方单位、姓名和职务。"))  # fmt: skip
    minutes = forms.CharField(label=_("约谈记录"), widget=forms.Textarea(attrs={"rows": 4}),
                              help_text=_("通报的失分情况、原因分析和双方意见。"))  # fmt: skip
    commitments = forms.CharField(label=_("整改承诺"), widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text=_("银行方承诺的整改措施，每行一项。"))  # fmt: skip
    commitment_due = forms.DateField(label=_("承诺完成期限"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


class TalkFollowUpForm(BootstrapForm):
    fulfilled = forms.TypedChoiceField(label=_("承诺落实情况"), coerce=lambda v: v == "1", empty_value=None,
                                       choices=[("", _("请选择")), ("1", _("已落实")), ("0", _("未落实"))],
                                       help_text=_("未落实的，系统登记为新的问题发现并下达整改。"))  # fmt: skip
    note = forms.CharField(label=_("跟踪落实情况"), widget=forms.Textarea(attrs={"rows": 3}))
