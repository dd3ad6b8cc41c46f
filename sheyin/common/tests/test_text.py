"""Control characters are refused at the boundary: every character field of every form (R9.3)."""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import get_resolver

from sheyin.common.text import MULTI_LINE, SINGLE_LINE, check_text, forbidden_position

HOSTILE = ["a\x0bb", "a\x00b", "a\x1bb", "a\x7fb", "a\x85b", "a\u202eb", "a\u2028b", "a\ufffeb", "a\ud800b"]


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type[forms.BaseForm]]:
    """Every form class of the project: each app's forms module, and whatever the URLconf's views load."""
    for config in apps.get_app_configs():
        if config.name.startswith("sheyin."):
            try:
                importlib.import_module(f"{config.name}.forms")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.forms":
                    raise
    get_resolver().url_patterns  # noqa: B018  (imports every view module)
    found = {c for c in _subclasses(forms.BaseForm) if c.__module__.startswith("sheyin.")}
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_the_check_finds_the_first_control_character_and_allows_line_breaks_only_in_multi_line_text() -> None:
    assert forbidden_position("北京市朝阳区 1号") is None
    assert forbidden_position("标题\x0b") == 3
    assert forbidden_position("第一行\n第二行\t完") == 4
    assert forbidden_position("第一行\r\n第二行\t完", multiline=True) is None
    for text in HOSTILE:
        assert forbidden_position(text, multiline=True) == 2, repr(text)


def test_the_api_patterns_say_the_same_as_the_form_check() -> None:
    import re

    for text in ["北京 ok", "x\ny", *HOSTILE[:-1]]:
        assert (re.fullmatch(SINGLE_LINE, text) is None) == (forbidden_position(text) is not None), repr(text)
        assert (re.fullmatch(MULTI_LINE, text) is None) == (
            forbidden_position(text, multiline=True) is not None
        ), repr(text)


def test_the_error_names_the_position_in_chinese() -> None:
    with pytest.raises(ValidationError) as exc:
        check_text("abc\x0b")
    assert exc.value.code == "control_character"
    assert "第4个字符" in exc.value.messages[0]


def test_every_character_field_of_every_form_refuses_control_characters() -> None:
    checked, missed = 0, []
    for form_class in project_forms():
        for name, field in form_class.base_fields.items():
            if not isinstance(field, forms.CharField):
                continue
            for text in HOSTILE:
                try:
                    field.clean(text)
                except ValidationError:
                    continue
                missed.append(f"{form_class.__module__}.{form_class.__qualname__}.{name} accepted {text!r}")
            checked += 1
    assert checked > 100, checked  # it really walked the project's forms
    assert not missed, "\n".join(missed)


def test_a_textarea_keeps_its_line_breaks_and_a_single_line_field_refuses_them() -> None:
    class Sample(forms.Form):
        title = forms.CharField()
        body = forms.CharField(widget=forms.Textarea)

    form = Sample({"title": "终端\n卡纸", "body": "第一行\r\n第二行\t完"})
    assert not form.is_valid()
    assert list(form.errors) == ["title"]
    swapped = Sample({"title": "a\nb", "body": "ok"})
    swapped.fields["title"].widget = forms.Textarea()  # a form may swap a widget in __init__
    assert swapped.is_valid(), swapped.errors
