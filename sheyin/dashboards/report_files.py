"""The issued report as Excel (openpyxl) and PDF (ReportLab with the embedded CJK font, sheyin.common.pdf).

Both are rendered from the report's frozen figures (`reports.build`), never from live data, so the files
of an issued version can be produced again identically from its row."""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sheyin.common import excel
from sheyin.common.pdf import register_font, styles

ISSUER = "北京市社会保险基金管理中心"
HEADER_FILL = PatternFill("solid", fgColor="DBE7FF")
BOLD = Font(bold=True)
CHANNEL_COLOURS = [colors.HexColor("#1f5fbf"), colors.HexColor("#d9730d"), colors.HexColor("#2e8b57")]


def cell(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}{unit}"
    if isinstance(value, int):
        return f"{value:,}{unit}"
    return str(value)


def signed(value: Any, unit: str) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}{'个百分点' if unit == '%' else '%'}"


def summary_table(figures: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    labels = figures.get("period_labels", {})
    head = [
        "指标",
        "本期",
        f"上期（{labels.get('previous', '')}）",
        "环比",
        f"上年同期（{labels.get('last_year', '')}）",
        "同比",
    ]
    rows = [[r["label"], cell(r["current"], r["unit"]), cell(r["previous"], r["unit"]), signed(r["mom"], r["unit"]),
             cell(r["last_year"], r["unit"]), signed(r["yoy"], r["unit"])] for r in figures["summary"]]  # fmt: skip
    return head, rows


# --- Excel -----------------------------------------------------------------------------------------------


def _sheet(ws: Any, header: Sequence[str], rows: Sequence[Sequence[Any]], *, first_row: int = 1) -> None:
    ws.append(list(header))
    for c in ws[first_row]:
        c.font, c.fill = BOLD, HEADER_FILL
        c.alignment = Alignment(vertical="center", wrap_text=True)
    for r in rows:
        excel.append(ws, r)
    ws.freeze_panes = ws.cell(first_row + 1, 2)
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(36, len(str(h)) * 2 + 4))


def xlsx(figures: dict[str, Any]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "概要"
    ws.append([figures["title"]])
    ws["A1"].font = Font(bold=True, size=14)
    periods = figures["periods"]
    ws.append([f"统计期间：{periods['current'][0]} 至 {periods['current'][1]}　统计范围：{figures['scope']}　"
               f"生成时间：{figures['generated_at'][:16].replace('T', ' ')}"])  # fmt: skip
    ws.append([])
    head, rows = summary_table(figures)
    _sheet(ws, head, rows, first_row=4)
    ws.column_dimensions["A"].width = 22
    for section in figures["sections"]:
        sheet = wb.create_sheet(title=section["title"].split("、")[-1][:31])
        _sheet(sheet, section["headers"], section["rows"])
        if section.get("note"):
            sheet.append([])
            sheet.append([section["note"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- PDF -------------------------------------------------------------------------------------------------


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], width: float) -> Table:
    font = register_font()
    n = len(header)
    first = min(48 * mm, width * 0.24)
    widths = [first] + [(width - first) / max(1, n - 1)] * (n - 1)
    right = _right_style()
    data = (
        [[_p(str(h), "small") for h in header]]
        + [
            [
                Paragraph(escape(cell(v)), right)
                if i and (v is None or isinstance(v, int | float))
                else _p(cell(v), "small")
                for i, v in enumerate(r)
            ]
            for r in rows
        ]
        if rows
        else [[_p(str(h), "small") for h in header], [_p("无数据", "small")] + [""] * (n - 1)]
    )
    t = Table(data, colWidths=widths, repeatRows=1)
    t.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8aa4c8")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe7ff")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]))  # fmt: skip
    return t


@functools.cache
def _heading_style() -> ParagraphStyle:
    return ParagraphStyle("h2_keep", parent=styles()["h2"], keepWithNext=1)


@functools.cache
def _right_style() -> ParagraphStyle:
    return ParagraphStyle("small_right", parent=styles()["small"], alignment=TA_RIGHT)


def _volume_chart(section: dict[str, Any], width: float) -> Drawing | None:
    """Stacked bars of the business volume by district or bank and channel (the first three value columns)."""
    rows = section["rows"][:-1]  # the last row is the total
    if not any(isinstance(v, int) and v for r in rows for v in r[1:4]):
        return None
    font = register_font()
    height = 62 * mm
    d = Drawing(width, height)
    d.initialFontName = font  # the drawing starts in the CJK font: no undeclared base-14 font in the file
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 14 * mm, 16 * mm, width - 60 * mm, height - 22 * mm
    chart.data = [[r[i] or 0 for r in rows] for i in (1, 2, 3)]
    chart.categoryAxis.categoryNames = [str(r[0]) for r in rows]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30 if len(rows) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(rows) > 8 else "n"
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.barLabels.fontName = font
    for i, colour in enumerate(CHANNEL_COLOURS):
        chart.bars[i].fillColor = colour
        chart.bars[i].strokeColor = None
    d.add(chart)
    legend = Legend()
    legend.x, legend.y = width - 40 * mm, height - 12 * mm
    legend.fontName, legend.fontSize = font, 8
    legend.colorNamePairs = list(zip(CHANNEL_COLOURS, section["headers"][1:4], strict=True))
    d.add(legend)
    d.add(String(14 * mm, height - 4 * mm, "业务量（按渠道）", fontName=font, fontSize=9))
    return d


def _footer(title: str) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(register_font(), 8)
        canvas.setFillColor(colors.HexColor("#6c757d"))
        canvas.drawString(15 * mm, 9 * mm, f"{ISSUER} · {title}")
        canvas.drawRightString(doc.pagesize[0] - 15 * mm, 9 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    return draw


def pdf(figures: dict[str, Any], *, version: int, issued_by: str) -> bytes:
    register_font()
    buf = io.BytesIO()
    page = landscape(A4)
    doc = SimpleDocTemplate(
        buf, pagesize=page, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=14 * mm, bottomMargin=16 * mm,
        title=figures["title"], author=ISSUER, subject="社银合作统计报表", initialFontName=register_font(),
    )  # fmt: skip
    width = page[0] - 30 * mm
    periods = figures["periods"]
    meta = (f"统计范围：{figures['scope']}　统计期间：{periods['current'][0]} 至 {periods['current'][1]}　"
            f"第{version}版　生成：{issued_by}　{figures['generated_at'][:16].replace('T', ' ')}")  # fmt: skip
    story: list[Any] = [_p(figures["title"], "title"), _p(meta, "small"), Spacer(1, 4 * mm), _p("概要", "h2")]
    head, rows = summary_table(figures)
    story += [_table(head, rows, width), Spacer(1, 4 * mm)]
    for section in figures["sections"]:
        block: list[Any] = [Paragraph(escape(section["title"]), _heading_style())]
        if section["title"].startswith("一、"):
            chart = _volume_chart(section, width)
            if chart is not None:
                block.append(chart)
        block.append(_table(section["headers"], section["rows"], width))
        if section.get("note"):
            block.append(_p(section["note"], "small"))
        if isinstance(block[1], Drawing):  # the heading and its chart on one page; the table may break
            story += [KeepTogether(block[:2]), *block[2:], Spacer(1, 4 * mm)]
        else:  # the heading's style keeps it with the table
            story += [*block, Spacer(1, 4 * mm)]
    story.append(_p("说明：业务量含人工窗口受理（不含受理中与已取消）、自助终端权益记录查询与打印、网厅自助引导服务（不含未办理）；"
                    "环比为与上期相比，同比为与上年同期相比；比率的变化以百分点计。", "small"))  # fmt: skip
    footer = _footer(figures["title"])
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
