from __future__ import annotations

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


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
