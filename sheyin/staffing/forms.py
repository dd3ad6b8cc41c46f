"""Forms only parse input; the services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sheyin.accounts.forms import BootstrapMixin
from sheyin.accounts.models import User
from sheyin.catalogue.choices import Category, Channel
from sheyin.institutions.models import Agency, Outlet

from .models import Course, Question, StaffingSettings, StaffMember, TrainingSession
from .workflow import Post, RevokeReason

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class StaffForm(BootstrapMixin, forms.Form):
    outlet = forms.ModelChoiceField(label=_("所在网点"), queryset=Outlet.objects.none())
    employee_no = forms.CharField(label=_("银行员工编号"), max_length=30)
    name = forms.CharField(label=_("姓名"), max_length=50)
    id_number = forms.CharField(
        label=_("身份证号"), max_length=18, help_text=_("加密保存，页面只显示脱敏号码；18位，末位可为X"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )  # fmt: skip
    phone = forms.CharField(
        label=_("手机号"), max_length=11, required=False, help_text=_("加密保存，页面只显示脱敏号码"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )  # fmt: skip
    post = forms.ChoiceField(label=_("岗位"), choices=Post.choices)

    def __init__(
        self,
        *args: Any,
        outlets: Any,
        editing: bool = False,
        current: StaffMember | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["outlet"].queryset = outlets  # type: ignore[attr-defined]
        if editing:
            # Personal data is never put back into the form: the current values show masked only.
            del self.fields["outlet"]
            self.fields["id_number"].required = False
            masked_id = current.id_number_masked if current else ""
            self.fields["id_number"].widget.attrs["placeholder"] = masked_id
            self.fields["id_number"].help_text = _("当前：%(m)s。留空表示不修改；如需更正请填写完整号码") % {
                "m": masked_id or "—"
            }
            masked_phone = current.phone_masked if current else ""
            self.fields["phone"].widget.attrs["placeholder"] = masked_phone
            self.fields["phone"].help_text = _("当前：%(m)s。留空表示不修改；如需更正请填写完整号码") % {
                "m": masked_phone or "—"
            }


class LinkUserForm(BootstrapMixin, forms.Form):
    user = forms.ModelChoiceField(
        label=_("本人系统账号"),
        queryset=User.objects.none(),
        required=False,
                                  help_text=_("只列出本网点的经办人员、网点负责人账号；留空表示解除绑定"))  # fmt: skip

    def __init__(self, *args: Any, users: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users  # type: ignore[attr-defined]


class TransferForm(BootstrapMixin, forms.Form):
    to_outlet = forms.ModelChoiceField(label=_("调入网点"), queryset=Outlet.objects.none())
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, outlets: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_outlet"].queryset = outlets  # type: ignore[attr-defined]


class DecisionForm(BootstrapMixin, forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    note = forms.CharField(label=_("意见"), max_length=300, required=False)


class CourseForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = ["code", "title", "kind", "district", "description", "exam_question_count", "exam_minutes",
                  "has_exam", "certifies", "active"]  # fmt: skip
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, districts: Any, municipal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipal:
            self.fields["district"].queryset = districts  # type: ignore[attr-defined]
        else:
            del self.fields["district"]

    def validate_unique(self) -> None:
        """Uniqueness is the service's job."""


class SessionForm(BootstrapMixin, forms.ModelForm):
    district = forms.ModelChoiceField(label=_("组织区"), queryset=Agency.objects.none(), required=False)
    video_link = forms.URLField(label=_("视频会议链接"), required=False, assume_scheme="https",
                                help_text=_("远程培训填写会议链接（内网视频会议系统）"))  # fmt: skip

    class Meta:
        model = TrainingSession
        fields = ["course", "starts_at", "ends_at", "place", "video_link", "capacity", "hours"]
        widgets = {"starts_at": DATETIME, "ends_at": DATETIME}
        help_texts = {"hours": _("参训人员获得的学时")}

    def __init__(self, *args: Any, courses: Any, districts: Any, municipal: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]
        for f in ("starts_at", "ends_at"):
            self.fields[f].input_formats = ["%Y-%m-%dT%H:%M"]  # type: ignore[attr-defined]
        if municipal and not self.instance.pk:
            self.fields["district"].queryset = districts  # type: ignore[attr-defined]
            self.fields["district"].required = True
        else:
            del self.fields["district"]

    def _post_clean(self) -> None:
        opts = self._meta
        try:
            self.instance = forms.models.construct_instance(self, self.instance, opts.fields, opts.exclude)
        except forms.ValidationError as e:
            self._update_errors(e)  # type: ignore[attr-defined]


class EnrolForm(BootstrapMixin, forms.Form):
    staff = forms.ModelChoiceField(label=_("报名人员"), queryset=StaffMember.objects.none())

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]


class QuestionForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=Question.Kind.choices)
    text = forms.CharField(label=_("题干"), widget=forms.Textarea(attrs={"rows": 3}))
    option_a = forms.CharField(label=_("选项A"), required=False)
    option_b = forms.CharField(label=_("选项B"), required=False)
    option_c = forms.CharField(label=_("选项C"), required=False)
    option_d = forms.CharField(label=_("选项D"), required=False)
    option_e = forms.CharField(label=_("选项E"), required=False)
    answer = forms.CharField(
        label=_("正确答案"),
        max_length=8,
        help_text=_("填写选项字母，如 B；多选题如 ACD；判断题 A=正确、B=错误"),
    )
    explanation = forms.CharField(label=_("解析"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    LETTERS = "ABCDE"

    def clean_answer(self) -> list[int]:
        raw = self.cleaned_data["answer"].strip().upper().replace(",", "").replace("，", "").replace(" ", "")
        if not raw or any(ch not in self.LETTERS for ch in raw):
            raise forms.ValidationError(_("请填写选项字母A至E。"))
        return sorted({self.LETTERS.index(ch) for ch in raw})

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        opts = [d.get(f"option_{c}", "") for c in "abcde"]
        while opts and not opts[-1]:
            opts.pop()
        return {"kind": d["kind"], "text": d["text"], "options": opts, "answer": d["answer"],
                "explanation": d.get("explanation", ""), "active": d.get("active", False)}  # fmt: skip

    @classmethod
    def initial_for(cls, q: Question) -> dict[str, Any]:
        init: dict[str, Any] = {"kind": q.kind, "text": q.text, "explanation": q.explanation, "active": q.active,
                                "answer": q.answer_letters()}  # fmt: skip
        for i, o in enumerate(q.options[:5]):
            init[f"option_{'abcde'[i]}"] = o
        return init


class OfflineScoreForm(BootstrapMixin, forms.Form):
    staff = forms.ModelChoiceField(label=_("经办人员"), queryset=StaffMember.objects.none())
    course = forms.ModelChoiceField(label=_("考核课程"), queryset=Course.objects.none())
    score = forms.DecimalField(label=_("成绩"), max_digits=5, decimal_places=2, min_value=0, max_value=100)
    taken_on = forms.DateField(label=_("考试日期"), widget=forms.DateInput(attrs={"type": "date"}))
    evidence = forms.FileField(
        label=_("成绩证明"), help_text=_("签字的成绩单扫描件，PDF、PNG或JPEG，5MB以内")
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args: Any, staff: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class TemplateForm(BootstrapMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=100)
    body = forms.CharField(label=_("正文"), widget=forms.Textarea(attrs={"rows": 18}),
                           help_text=_("每段一行。保存后生成新版本，已签署的协议保留原文本。"))  # fmt: skip


class SignForm(BootstrapMixin, forms.Form):
    signed_name = forms.CharField(label=_("请键入您的姓名以签署"), max_length=50,
                                  widget=forms.TextInput(attrs={"autocomplete": "off"}))  # fmt: skip
    consent = forms.BooleanField(label=_("我已完整阅读并同意遵守以上保密协议"), required=False)


class GrantForm(BootstrapMixin, forms.Form):
    staff = forms.ModelChoiceField(label=_("经办人员"), queryset=StaffMember.objects.none())
    channels = forms.MultipleChoiceField(label=_("办理渠道"), choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    categories = forms.MultipleChoiceField(label=_("业务类别"), choices=Category.choices,
                                           widget=forms.CheckboxSelectMultiple)  # fmt: skip
    note = forms.CharField(label=_("申请说明"), max_length=300, required=False)

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        for f in ("channels", "categories"):
            self.fields[f].widget.attrs["class"] = "form-check-input"
            self.fields[f].error_messages["required"] = (
                _("请选择至少一个办理渠道。") if f == "channels" else _("请选择至少一个业务类别。")
            )


class RevokeForm(BootstrapMixin, forms.Form):
    reason = forms.ChoiceField(label=_("撤销原因"), choices=RevokeReason.choices)
    note = forms.CharField(label=_("撤销说明"), max_length=300)


class SettingsForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = StaffingSettings
        fields = ["training_hours_required", "training_window_days", "pass_mark", "exam_validity_days",
                  "max_attempts", "attempt_window_days", "agreement_validity_days", "grant_validity_days",
                  "reminder_days", "education_period_months", "education_reminder_days"]  # fmt: skip
