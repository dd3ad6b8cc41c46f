"""Chinese identifiers: resident ID numbers (GB 11643) and unified social credit codes (GB 32100).

Validators never raise on any input: they return the normalised value or a reason in Chinese.
ID numbers use ISO 7064 MOD 11-2 from python-stdnum, not `stdnum.cn.ric` (it raises on some valid
numbers and rejects Yanqing's 110119); the address part is never checked against today's districts.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.iso7064 import mod_11_2


@dataclass(frozen=True)
class Checked:
    value: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_ID_RE = re.compile(r"^\d{17}[\dX]$")


def check_id_number(raw: object, *, today: dt.date | None = None) -> Checked:
    if not isinstance(raw, str):
        return Checked("", _("身份证号码必须是文本。"))
    value = raw.strip().upper().replace(" ", "")
    if len(value) != 18:
        return Checked(value, _("身份证号码应为18位。"))
    if not _ID_RE.match(value):
        return Checked(value, _("身份证号码前17位应为数字，最后一位为数字或X。"))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return Checked(value, _("身份证号码中的出生日期无效。"))
    today = today or dt.date.today()
    if birth > today or birth.year < 1900:
        return Checked(value, _("身份证号码中的出生日期超出合理范围。"))
    if not mod_11_2.is_valid(value):
        return Checked(value, _("身份证号码校验位错误。"))
    return Checked(value)


def id_number_is_male(value: str) -> bool:
    return int(value[16]) % 2 == 1


def check_uscc(raw: object) -> Checked:
    if not isinstance(raw, str):
        return Checked("", _("统一社会信用代码必须是文本。"))
    value = raw.strip().upper().replace(" ", "")
    if len(value) != 18:
        return Checked(value, _("统一社会信用代码应为18位。"))
    try:
        return Checked(uscc.validate(value))
    except StdnumError:
        return Checked(value, _("统一社会信用代码格式或校验位错误。"))
    except Exception:  # python-stdnum must never turn bad input into a server error
        return Checked(value, _("统一社会信用代码格式或校验位错误。"))


def make_uscc(body17: str) -> str:
    """Complete a 17-character body with its check character (used for demo and test data)."""
    return body17 + uscc.calc_check_digit(body17)


def make_id_number(body17: str) -> str:
    return body17 + mod_11_2.calc_check_digit(body17)
