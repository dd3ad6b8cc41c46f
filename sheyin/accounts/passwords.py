"""Password policy (等保 level 3): character classes and no reuse of recent passwords."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import check_password
from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_CLASSES = (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]")


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    """Django's length rule with the message in the product's own catalogue: Django's Chinese catalogue
    leaves the plural message untranslated, so the English text leaked onto Chinese pages."""

    def get_error_message(self) -> str:
        return ngettext(
            "密码太短，至少须包含%(min_length)d个字符。",
            "密码太短，至少须包含%(min_length)d个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return ngettext(
            "密码至少须包含%(min_length)d个字符。",
            "密码至少须包含%(min_length)d个字符。",
            self.min_length,
        ) % {"min_length": self.min_length}


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        found = sum(1 for pattern in _CLASSES if re.search(pattern, password))
        if found < self.min_classes:
            raise ValidationError(
                _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self) -> str:
        return _("密码须包含小写字母、大写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes}


class HistoryValidator:
    def __init__(self, remember: int = 5) -> None:
        self.remember = remember

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        recent = [user.password, *user.password_history.values_list("password", flat=True)[: self.remember]]
        if any(h and check_password(password, h) for h in recent[: self.remember]):
            raise ValidationError(
                ngettext("不能使用最近%(n)d次用过的密码。", "不能使用最近%(n)d次用过的密码。", self.remember)
                % {"n": self.remember},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "不能使用最近%(n)d次用过的密码。", "不能使用最近%(n)d次用过的密码。", self.remember
        ) % {"n": self.remember}
