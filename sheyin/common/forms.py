from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


def apply_errors(form: forms.BaseForm, exc: ValidationError, default_field: str | None = None) -> None:
    """Show a service's ValidationError on the form: on the named fields, else on `default_field`."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else (default_field if field == NON_FIELD_ERRORS else None)
            for e in errors:
                form.add_error(target, e)
    else:
        for e in exc.error_list:
            form.add_error(default_field, e)


class PaperCheckForm(forms.Form):
    """Compare a paper someone holds with what was issued: its PDF file, or the digest printed on it."""

    pdf = forms.FileField(
        label=_("上传收到的PDF文件"), required=False,
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "application/pdf"}),
    )  # fmt: skip
    content_hash = forms.CharField(
        label=_("或输入纸面上的内容摘要"), required=False, max_length=80,
        widget=forms.TextInput(attrs={"class": "form-control font-monospace", "autocomplete": "off",
                                      "spellcheck": "false"}),
        help_text=_("页脚“内容摘要（SM3）”后的全部32位字符"),
    )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("pdf") and not (data.get("content_hash") or "").strip():
            raise forms.ValidationError(_("请上传PDF文件或输入内容摘要。"))
        return data
