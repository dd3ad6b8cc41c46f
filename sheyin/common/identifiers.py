"""Chinese identifiers: resident ID numbers (GB 11643), unified social credit codes (GB 32100) and
telephone numbers.

Validators never raise on any input: they return the normalised value or a reason in Chinese.
ID numbers use ISO 7064 MOD 11-2 from python-stdnum, not `stdnum.cn.ric` (it raises on some valid
numbers and rejects Yanqing's 110119); the address part is never checked against today's districts.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
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


# Chinese telephone numbers (GB/T 13434 numbering): a mobile number (11 digits, 13x–19x, optionally
# +86); a fixed line with its area code (010-66668888, (021)12345678, +86-10-66668888, extension after
# "-" or "转"); a local fixed line without area code (7–8 digits, 2–9 first); a national service number
# (400/800-xxx-xxxx, the banks' 95xxx/96xxx, the government's 12xxx such as 12333). Digits may be grouped
# with "-" or a space. Written for Python, pydantic's Rust engine and JSON Schema alike.
PHONE_PATTERN = (
    r"^(?:"
    r"(?:\+86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}"
    r"|(?:\+86[- ]?[1-9]\d{1,2}|\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[- ]?[2-9]\d{2,3}[- ]?\d{4}(?:(?:-|转)\d{1,6})?"
    r"|[2-9]\d{2,3}[- ]?\d{4}"
    r"|[48]00[- ]?\d{3}[- ]?\d{4}"
    r"|9[56]\d{3,4}"
    r"|12\d{3}"
    r")$"
)
MOBILE_PATTERN = r"^(?:\+86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}$"
_PHONE_RE = re.compile(PHONE_PATTERN)
_MOBILE_RE = re.compile(MOBILE_PATTERN)


def check_phone(raw: object, *, mobile_only: bool = False) -> Checked:
    """A Chinese phone number as typed (full-width digits and dashes are read as ASCII), or the reason."""
    if not isinstance(raw, str):
        return Checked("", _("电话号码必须是文本。"))
    value = unicodedata.normalize("NFKC", raw).strip().replace("－", "-")
    if mobile_only:
        if not _MOBILE_RE.fullmatch(value):
            return Checked(value, _("请输入11位手机号，如13800138000。"))
        return Checked(value)
    if not _PHONE_RE.fullmatch(value):
        return Checked(
            value,
            _(
                "电话号码格式不正确：请填写手机号（如13800138000）、带区号的固定电话（如010-66668888）或服务热线（如95588）。"
            ),
        )
    return Checked(value)


def validate_phone(value: str) -> None:
    """Form-field validator (the same rule as `check_phone`)."""
    checked = check_phone(value)
    if not checked.ok:
        raise DjangoValidationError(str(checked.error), code="phone")
