"""Normalising and checking one service item's fields. Shared by the item form's service and the Excel
import, so a value the page refuses the import refuses too, with the same words."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from .choices import Audience, Category, Channel, Risk
from .models import CHANNEL_SETS, canonical_channels
from .richtext import MAX_LENGTH, sanitise

CODE_RE = re.compile(r"^SY-[A-Z]-\d{3}$")
MAX_TIME_LIMIT = 365
TEXT_LIMITS = {"name": 60, "materials": 4000, "legal_basis": 4000}
FIELDS = [
    "code", "name", "category", "audience", "channels", "materials", "legal_basis", "time_limit_days",
    "risk", "needs_card_machine", "guide",
]  # fmt: skip


def normalise(data: dict[str, Any]) -> dict[str, Any]:
    """Trimmed text, upper-case code, channels in canonical order, materials one per line, guide sanitised."""
    out: dict[str, Any] = {}
    for f in FIELDS:
        if f not in data:
            continue
        v = data[f]
        if f in ("code", "name", "category", "audience", "risk"):
            v = str(v or "").strip()
            if f == "code":
                v = v.upper()
        elif f == "channels":
            v = canonical_channels(v if isinstance(v, list | tuple | set) else str(v or "").upper())
        elif f == "materials":
            v = "\n".join(
                line.strip() for line in str(v or "").replace("\r\n", "\n").split("\n") if line.strip()
            )
        elif f == "legal_basis":
            v = str(v or "").strip()
        elif f == "guide":
            v = sanitise(str(v or ""))
        elif f == "needs_card_machine":
            v = bool(v)
        out[f] = v
    return out


def item_errors(data: dict[str, Any]) -> dict[str, str]:
    """Field -> reason (Chinese) for a normalised item; empty when the item is valid on its own.
    Uniqueness within a version is checked by the caller, which knows the other items."""
    errors: dict[str, str] = {}
    code = data.get("code", "")
    if not code:
        errors["code"] = _("请填写事项编码。")
    elif not CODE_RE.match(code):
        errors["code"] = _("事项编码“%(code)s”格式不正确，应为 SY-字母-三位数字，如 SY-Q-001。") % {
            "code": code
        }
    name = data.get("name", "")
    if not name:
        errors["name"] = _("请填写事项名称。")
    for f, most in TEXT_LIMITS.items():
        if len(data.get(f) or "") > most:
            errors[f] = _("内容过长，最多%(n)d个字。") % {"n": most}
    if len(data.get("guide") or "") > MAX_LENGTH:
        errors["guide"] = _("办事指南过长，最多%(n)d个字符。") % {"n": MAX_LENGTH}
    if data.get("category") not in Category.values:
        errors["category"] = _("事项类别无效，应为：%(v)s。") % {
            "v": "、".join(str(c.label) for c in Category)
        }
    if data.get("audience") not in Audience.values:
        errors["audience"] = _("服务对象无效，应为：%(v)s。") % {
            "v": "、".join(str(c.label) for c in Audience)
        }
    if data.get("risk") not in Risk.values:
        errors["risk"] = _("风险等级无效，应为：%(v)s。") % {"v": "、".join(str(c.label) for c in Risk)}
    channels = data.get("channels", "")
    if channels not in CHANNEL_SETS:
        errors["channels"] = _("请至少选择一个办理渠道。")
    limit = data.get("time_limit_days")
    if not isinstance(limit, int) or isinstance(limit, bool) or not 0 <= limit <= MAX_TIME_LIMIT:
        errors["time_limit_days"] = _("承诺时限应为0至%(n)d之间的整数（工作日，0表示即时办结）。") % {
            "n": MAX_TIME_LIMIT
        }
    if data.get("needs_card_machine") and Channel.COUNTER not in channels:
        errors["channels"] = _("需使用制卡机的事项必须包含人工窗口渠道（制卡机设在人工窗口）。")
    return errors
