"""Excel (.xlsx) import and export of catalogue items. The import template and the export share one
layout, so an exported version can be edited and imported into a draft again.

`parse` reads a whole file and returns the valid rows and every row error; it never writes and never
raises on bad content (a broken file is one error naming the file).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from sheyin.common import excel as safe

from .choices import Audience, Category, Channel, Risk
from .validation import FIELDS, item_errors, normalise

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_UNPACKED = 50 * 1024 * 1024  # a zip bomb stops here
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls

# field -> column header (the header text is what the import matches on)
HEADERS: dict[str, Any] = {
    "code": gettext_lazy("事项编码"),
    "name": gettext_lazy("事项名称"),
    "category": gettext_lazy("事项类别"),
    "audience": gettext_lazy("服务对象"),
    "channels": gettext_lazy("办理渠道"),
    "materials": gettext_lazy("申请材料"),
    "legal_basis": gettext_lazy("设定依据"),
    "time_limit_days": gettext_lazy("承诺时限（工作日）"),
    "risk": gettext_lazy("风险等级"),
    "needs_card_machine": gettext_lazy("需使用制卡机"),
    "guide": gettext_lazy("办事指南"),
}
REQUIRED = ("code", "name", "category", "audience", "channels", "time_limit_days", "risk")
YES = {"是", "y", "yes", "true", "1", "√", "需要"}
NO = {"否", "n", "no", "false", "0", "", "不需要"}


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1)
    column: str
    reason: str


def header(field: str) -> str:
    return str(HEADERS[field])


def _header_aliases() -> dict[str, str]:
    """Header text (Chinese, English or the field name, with or without a trailing *) -> field."""
    from django.utils import translation

    out: dict[str, str] = {}
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for f, h in HEADERS.items():
                out[str(h).strip().lower()] = f
    for f in HEADERS:
        out[f] = f
    return out


def _choice(value: str, enum: Any) -> str:
    """A choice given by its code or its label (in either language)."""
    from django.utils import translation

    v = value.strip()
    if v in enum.values:
        return v
    for lang in ("zh-hans", "en"):
        with translation.override(lang):
            for c in enum:
                if str(c.label).lower() == v.lower():
                    return c.value
    return v  # left invalid on purpose: item_errors names it


def _channels(value: str) -> tuple[str, str | None]:
    tokens = [t for t in re.split(r"[\s,，、/;；|]+", value.strip()) if t]
    letters: list[str] = []
    for t in tokens:
        if all(ch.upper() in Channel.values for ch in t):
            letters += [ch.upper() for ch in t]
            continue
        code = _choice(t, Channel)
        if code not in Channel.values:
            return "", _("无法识别的办理渠道“%(t)s”，应为 T、O、W 或 自助终端、网厅自助、人工窗口。") % {
                "t": t
            }
        letters.append(code)
    return "".join(letters), None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    s = str(value).strip()
    if s in ("即时办结", "即办"):
        return 0
    return int(s) if s.isdigit() else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _guide(value: str) -> str:
    """Plain text in a cell becomes paragraphs; markup is kept (and sanitised by normalise)."""
    if "<" in value and ">" in value:
        return value
    return "".join(f"<p>{escape(p.strip())}</p>" for p in value.splitlines() if p.strip())


def read_upload(f: UploadedFile | None) -> bytes:
    """The upload's bytes, or a ValidationError in Chinese if it is missing, empty, too big or not .xlsx."""
    if f is None:
        raise ValidationError({"file": _("请选择要导入的Excel文件。")})
    if not f.size:
        raise ValidationError({"file": _("文件“%(name)s”为空。") % {"name": f.name}})
    if f.size > MAX_BYTES:
        raise ValidationError({"file": _("文件超过%(n)dMB，请拆分后导入。") % {"n": MAX_BYTES // 1048576}})
    content = f.read()
    if content.startswith(OLE_MAGIC):
        raise ValidationError({"file": _("不支持旧版.xls文件，请在Excel中另存为.xlsx后导入。")})
    if not content.startswith(XLSX_MAGIC):
        raise ValidationError({"file": _("文件“%(name)s”不是Excel（.xlsx）文件。") % {"name": f.name}})
    return content


def parse(content: bytes) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """Every data row of the first sheet, normalised, with the row errors of the whole file."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as z:
            if sum(i.file_size for i in z.infolist()) > MAX_UNPACKED:
                return [], [RowError(0, "", _("文件解压后过大，请拆分后导入。"))]
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        raw = list(ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2))
        wb.close()
    except Exception:  # any malformed file: one clear error, never a 500 (design rule 7)
        return [], [RowError(0, "", _("无法读取该文件：文件已损坏或不是有效的.xlsx文件。"))]
    if not raw:
        return [], [RowError(0, "", _("文件中没有任何内容，请使用导入模板。"))]
    aliases = _header_aliases()
    columns: dict[int, str] = {}
    for i, cell in enumerate(raw[0]):
        key = _text(cell).rstrip("*＊").strip().lower()
        if key in aliases and aliases[key] not in columns.values():
            columns[i] = aliases[key]
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        return [], [
            RowError(1, header(f), _("缺少必填列“%(h)s”，请使用导入模板。") % {"h": header(f)})
            for f in missing
        ]
    if len(raw) > MAX_ROWS + 1:
        return [], [RowError(0, "", _("数据行超过%(n)d行，请拆分后导入。") % {"n": MAX_ROWS})]

    rows: list[tuple[int, dict[str, Any]]] = []
    errors: list[RowError] = []
    seen_code: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    for number, values in enumerate(raw[1:], start=2):
        cells = {f: values[i] if i < len(values) else None for i, f in columns.items()}
        if all(_text(v) == "" for v in cells.values()):
            continue  # blank rows are skipped, not errors
        row_errors: list[RowError] = []
        data: dict[str, Any] = {f: _text(cells.get(f)) for f in FIELDS if f in cells}
        data.setdefault("materials", "")
        data.setdefault("legal_basis", "")
        data.setdefault("guide", "")
        data["category"] = _choice(data["category"], Category)
        data["audience"] = _choice(data["audience"], Audience)
        data["risk"] = _choice(data["risk"], Risk)
        data["materials"] = data["materials"].replace("；", "\n").replace(";", "\n")
        data["guide"] = _guide(data["guide"])
        letters, problem = _channels(data["channels"])
        data["channels"] = letters
        if problem:
            row_errors.append(RowError(number, header("channels"), problem))
        limit = _int(cells.get("time_limit_days"))
        data["time_limit_days"] = limit if limit is not None else -1
        machine = _text(cells.get("needs_card_machine")).lower()
        if machine in YES:
            data["needs_card_machine"] = True
        elif machine in NO:
            data["needs_card_machine"] = False
        else:
            data["needs_card_machine"] = False
            row_errors.append(
                RowError(
                    number,
                    header("needs_card_machine"),
                    _("应填写“是”或“否”，不能是“%(v)s”。") % {"v": machine},
                )
            )
        clean = normalise(data)
        for f, reason in item_errors(clean).items():
            if f == "channels" and problem:
                continue
            row_errors.append(RowError(number, header(f), reason))
        code, name = clean.get("code"), clean.get("name")
        if code:
            if code in seen_code:
                row_errors.append(
                    RowError(number, header("code"), _("编码与第%(r)d行重复。") % {"r": seen_code[code]})
                )
            seen_code.setdefault(code, number)
        if name:
            if name in seen_name:
                row_errors.append(
                    RowError(number, header("name"), _("名称与第%(r)d行重复。") % {"r": seen_name[name]})
                )
            seen_name.setdefault(name, number)
        errors += row_errors
        if not row_errors:
            rows.append((number, clean))
    if not rows and not errors:
        errors.append(RowError(0, "", _("文件中没有数据行。")))
    order = {header(f): i for i, f in enumerate(FIELDS)}
    errors.sort(key=lambda e: (e.row, order.get(e.column, len(order))))
    return rows, errors


# --- writing ------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DBE7FF")


def _cell(field: str, item: Any) -> Any:
    value = getattr(item, field)
    if field == "category":
        return str(Category(value).label)
    if field == "audience":
        return str(Audience(value).label)
    if field == "risk":
        return str(Risk(value).label)
    if field == "channels":
        return ",".join(value)
    if field == "needs_card_machine":
        return _("是") if value else _("否")
    return value


def _sheet(wb: Workbook, title: str) -> Any:
    ws = wb.active
    ws.title = title[:31]
    ws.append([header(f) + ("*" if f in REQUIRED else "") for f in FIELDS])
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = HEADER_FILL
    widths = {"code": 12, "name": 30, "materials": 40, "legal_basis": 40, "guide": 50}
    for i, f in enumerate(FIELDS):
        ws.column_dimensions[chr(ord("A") + i)].width = widths.get(f, 14)
    ws.freeze_panes = "A2"
    return ws


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_version(version: Any) -> bytes:
    wb = Workbook()
    ws = _sheet(wb, _("第%(n)s版") % {"n": version.number})
    for item in version.items.order_by("code"):
        safe.append(ws, [_cell(f, item) for f in FIELDS])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    return _save(wb)


def template() -> bytes:
    """An empty import sheet with one example row, drop-down lists and a sheet explaining each column."""
    wb = Workbook()
    ws = _sheet(wb, _("服务事项"))
    ws.append(
        [
            "SY-Q-001", "个人权益记录（参保缴费信息）查询打印", str(Category.QUERY.label),
            str(Audience.INDIVIDUAL.label), "T,O,W", "居民身份证或社会保障卡",
            "《社会保险个人权益记录管理办法》（人力资源社会保障部令第14号）", 0, str(Risk.LOW.label), _("否"),
            "持身份证或社保卡在自助终端查询打印。",
        ]
    )  # fmt: skip
    lists = {
        "category": [str(c.label) for c in Category],
        "audience": [str(c.label) for c in Audience],
        "risk": [str(c.label) for c in Risk],
        "needs_card_machine": [_("是"), _("否")],
    }
    for f, options in lists.items():
        col = chr(ord("A") + FIELDS.index(f))
        dv = DataValidation(
            type="list", formula1='"' + ",".join(options) + '"', allow_blank=f not in REQUIRED
        )
        ws.add_data_validation(dv)
        dv.add(f"{col}2:{col}{MAX_ROWS + 1}")
    help_ws = wb.create_sheet(_("填写说明"))
    help_ws.append([_("列"), _("说明")])
    notes = {
        "code": _("必填。格式 SY-字母-三位数字，如 SY-Q-001；同一事项在各版本中编码不变。"),
        "name": _("必填。最多60字，同一版本内不重复。"),
        "category": _("必填。%(v)s。") % {"v": "、".join(lists["category"])},
        "audience": _("必填。%(v)s。") % {"v": "、".join(lists["audience"])},
        "channels": _("必填。T 自助终端、O 网厅自助、W 人工窗口，可多选，用逗号分隔，如 T,O,W。"),
        "materials": _("选填。每项材料一行（单元格内换行）或用分号分隔。"),
        "legal_basis": _("选填。设定依据（法律法规、规章、规范性文件）。"),
        "time_limit_days": _("必填。承诺办结时限，工作日，0至365的整数；0表示即时办结。"),
        "risk": _("必填。%(v)s。") % {"v": "、".join(lists["risk"])},
        "needs_card_machine": _("选填，默认否。填“是”的事项必须包含人工窗口渠道 W。"),
        "guide": _(
            "选填。办事指南，纯文本按行分段；也可使用简单HTML（段落、列表、加粗），脚本和样式会被清除。"
        ),
    }
    for f in FIELDS:
        help_ws.append([header(f), str(notes[f])])
    help_ws.column_dimensions["A"].width = 20
    help_ws.column_dimensions["B"].width = 90
    help_ws.append([])
    help_ws.append(
        [_("导入规则"), _("系统先校验整个文件，任何一行有错误都不会写入，并列出出错的行号、列和原因。")]
    )
    return _save(wb)
