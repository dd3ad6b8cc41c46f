"""Exports of the layout plan: the PDF plan (ReportLab, embedded CJK font, a static map drawn from the district
boundaries) and Excel workbooks of the coverage report and of a site recommendation.

The PDF is a document of record for the district agency, so its text is Chinese whatever the page
language, like the other printouts of the platform.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

import numpy as np
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sheyin.common import excel
from sheyin.common.pdf import register_font, styles

from . import coverage, demand
from .models import CandidateSource, DemandSource, PlanRun, RunStatus
from .selectors import Layout

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISSUER = "社银合作管理平台"
STATUS_COLOURS = {
    "operating": "#2b8a3e",
    "accepted": "#1971c2",
    "applying": "#e8590c",
    "suspended": "#868e96",
    "terminated": "#343a40",
}
STATUS_NAMES = {
    "operating": "运营中",
    "accepted": "已验收",
    "applying": "申请中",
    "suspended": "暂停服务",
    "terminated": "已终止",
}
METHOD_NAMES = {
    "milp-optimal": "混合整数规划，已证明最优",
    "milp-time-limit": "混合整数规划，达到时限",
    "greedy": "贪心与局部搜索",
}
DEMAND_NAMES = {
    "census": "普查人口网格",
    "import": "导入的需求图层",
}
EXISTING_DEFINITION = "现有覆盖：运营中的合作网点（含邻区网点）在其所在区覆盖半径内的常住人口。"


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def _int(v: float | None) -> str:
    return "—" if v is None else f"{round(v):,}"


# --- the static map -----------------------------------------------------------------------------------


class MapFlowable(Flowable):
    """The district boundaries, coverage circles, outlets, SI offices and recommended sites, drawn in the
    projected plane (metres) and scaled to fit; everything outside the frame is clipped."""

    def __init__(self, layout: Layout, width: float, height: float, sites: Sequence[dict[str, Any]] = (), radius_m: float | None = None) -> None:  # fmt: skip
        super().__init__()
        self.layout, self.width, self.height = layout, width, height
        self.sites, self.radius_m = list(sites), radius_m

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        polys = demand.projected_boundaries()
        codes = self.layout.codes
        minx = min(polys[k].bounds[0] for k in codes)
        miny = min(polys[k].bounds[1] for k in codes)
        maxx = max(polys[k].bounds[2] for k in codes)
        maxy = max(polys[k].bounds[3] for k in codes)
        pad = 0.04 * max(maxx - minx, maxy - miny)
        minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
        scale = min(self.width / (maxx - minx), (self.height - 8 * mm) / (maxy - miny))
        ox = (self.width - (maxx - minx) * scale) / 2
        oy = 8 * mm + (self.height - 8 * mm - (maxy - miny) * scale) / 2

        def pt(x: float, y: float) -> tuple[float, float]:
            return ox + (x - minx) * scale, oy + (y - miny) * scale

        c.saveState()
        c.setStrokeColor(colors.HexColor("#adb5bd"))
        c.rect(0, 8 * mm, self.width, self.height - 8 * mm, stroke=1, fill=0)
        clip = c.beginPath()
        clip.rect(0, 8 * mm, self.width, self.height - 8 * mm)
        c.clipPath(clip, stroke=0, fill=0)
        for code, geom in polys.items():
            inside = code in codes
            c.setFillColor(colors.HexColor("#eef3fb" if inside else "#f8f9fa"))
            c.setStrokeColor(colors.HexColor("#7a95c2" if inside else "#ced4da"))
            c.setLineWidth(0.8 if inside else 0.4)
            for part in getattr(geom, "geoms", [geom]):
                ring = np.asarray(part.exterior.coords)
                path = c.beginPath()
                path.moveTo(*pt(*ring[0]))
                for x, y in ring[1:]:
                    path.lineTo(*pt(x, y))
                path.close()
                c.drawPath(path, stroke=1, fill=1)
        rules = self.layout.rules
        cover = [s for s in self.layout.visible if s.status in coverage.COVERING] + self.layout.neighbours
        c.setStrokeColor(colors.HexColor("#2b8a3e"))
        c.setFillColor(colors.Color(0.17, 0.54, 0.24, alpha=0.10))
        c.setLineWidth(0.3)
        for s in cover:
            c.circle(*pt(s.x, s.y), rules[s.code].radius_m * scale, stroke=1, fill=1)
        if self.sites:
            sx, sy = demand.project([s["lon"] for s in self.sites], [s["lat"] for s in self.sites])
            c.setStrokeColor(colors.HexColor("#c2255c"))
            c.setFillColor(colors.Color(0.76, 0.15, 0.36, alpha=0.10))
            for site, x, y in zip(self.sites, sx, sy, strict=True):
                r = (
                    site.get("radius")
                    or self.radius_m
                    or (rules[site["code"]].radius_m if site.get("code") in rules else 0)
                )
                c.circle(*pt(x, y), float(r) * scale, stroke=1, fill=1)
        for s in self.layout.planned:
            c.setStrokeColor(colors.HexColor("#7048e8"))
            c.setFillColor(colors.Color(0.44, 0.28, 0.91, alpha=0.08))
            c.circle(*pt(s.x, s.y), rules[s.code].radius_m * scale, stroke=1, fill=1)
        c.setLineWidth(0.3)
        for s in self.layout.neighbours:
            c.setFillColor(colors.HexColor("#adb5bd"))
            c.circle(*pt(s.x, s.y), 1.1, stroke=0, fill=1)
        for s in self.layout.visible:
            c.setFillColor(colors.HexColor(STATUS_COLOURS.get(s.status, "#495057")))
            c.setStrokeColor(colors.white)
            c.circle(*pt(s.x, s.y), 1.8, stroke=1, fill=1)
        c.setFillColor(colors.HexColor("#7048e8"))
        for s in self.layout.planned:
            x, y = pt(s.x, s.y)
            c.rect(x - 2, y - 2, 4, 4, stroke=0, fill=1)
        c.setFillColor(colors.HexColor("#c92a2a"))
        for o in self.layout.offices:
            x, y = pt(o.x, o.y)
            c.rect(x - 2.2, y - 2.2, 4.4, 4.4, stroke=0, fill=1)
        if self.sites:
            sx, sy = demand.project([s["lon"] for s in self.sites], [s["lat"] for s in self.sites])
            c.setFillColor(colors.HexColor("#c2255c"))
            c.setStrokeColor(colors.white)
            for x, y in zip(sx, sy, strict=True):
                _star(c, *pt(x, y), 4.5)
        c.restoreState()
        self._legend()

    def _legend(self) -> None:
        c = self.canv
        font = register_font()
        c.setFont(font, 7.5)
        x = 0.0
        items: list[tuple[str, str, str]] = [
            (STATUS_COLOURS[k], STATUS_NAMES[k], "dot")
            for k in ("operating", "accepted", "applying", "suspended")
        ]
        items += [("#c92a2a", "社保经办机构", "square"), ("#2b8a3e", "覆盖范围", "ring")]
        if self.layout.planned:
            items.append(("#7048e8", "规划点位", "square"))
        if self.sites:
            items.append(("#c2255c", "推荐新设网点", "star"))
        for colour, label, shape in items:
            c.setFillColor(colors.HexColor(colour))
            c.setStrokeColor(colors.HexColor(colour))
            if shape == "dot":
                c.circle(x + 3, 3 * mm, 2, stroke=0, fill=1)
            elif shape == "square":
                c.rect(x + 1, 3 * mm - 2, 4, 4, stroke=0, fill=1)
            elif shape == "ring":
                c.circle(x + 3, 3 * mm, 2.5, stroke=1, fill=0)
            else:
                _star(c, x + 3, 3 * mm, 3.5)
            c.setFillColor(colors.black)
            c.drawString(x + 8, 3 * mm - 2.5, label)
            x += 10 + c.stringWidth(label, font, 7.5) + 8


def _star(c: Any, x: float, y: float, r: float) -> None:
    path = c.beginPath()
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.45
        a = math.pi / 2 + i * math.pi / 5
        px, py = x + rad * math.cos(a), y + rad * math.sin(a)
        if i == 0:
            path.moveTo(px, py)
        else:
            path.lineTo(px, py)
    path.close()
    c.drawPath(path, stroke=0, fill=1)


# --- the PDF plan -------------------------------------------------------------------------------------


def _table(rows: list[list[Any]], widths: Sequence[float], header_rows: int = 1) -> Table:
    font = register_font()
    t = Table([[c if isinstance(c, Paragraph) else _p(str(c), "small") for c in r] for r in rows],
              colWidths=list(widths), repeatRows=header_rows)  # fmt: skip
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8aa4c8")),
                ("BACKGROUND", (0, 0), (-1, header_rows - 1), colors.HexColor("#dbe7ff")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return t


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(register_font(), 8)
    canvas.setFillColor(colors.HexColor("#6c757d"))
    canvas.drawString(18 * mm, 10 * mm, f"{ISSUER} · {doc.title}")
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
    canvas.restoreState()


def layout_pdf(layout: Layout, *, run: PlanRun | None = None, author: str = "") -> bytes:
    """The layout plan of a district or the city; with ``run``, the recommended new sites too."""
    register_font()
    buf = io.BytesIO()
    scope = str(layout.scope_name)
    title = f"{scope}社保服务合作网点布局规划"
    if run is not None:
        title = f"{scope}新增社保服务合作网点选址方案（第{run.pk}号）"
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=18 * mm,
        title=title, author=ISSUER,
    )  # fmt: skip
    a = layout.analysis
    rules = layout.rules
    now = timezone.localtime()
    story: list[Any] = [_p(title, "title")]
    meta = f"范围：{scope}　　生成日期：{now:%Y年%m月%d日 %H:%M}"
    if author:
        meta += f"　　生成人：{author}"
    story += [_p(meta, "small"), Spacer(1, 3 * mm)]
    if len(layout.codes) == 1:
        r = rules[layout.codes[0]]
        story.append(_p(
            f"覆盖半径 {int(r.radius_m):,} 米；网点最小间距 {int(r.min_outlet_m):,} 米；距社保经办机构最小距离 "
            f"{int(r.min_office_m):,} 米（由市级中心按区设定）。", "small"))  # fmt: skip
    else:
        story.append(_p("各区按本区设定的覆盖半径和最小距离计算（由市级中心按区设定）。", "small"))
    story.append(_p(f"需求模型：{demand_model_name(layout)}。{EXISTING_DEFINITION}", "small"))
    best = (run.best_result or {}) if run is not None else {}
    sites = best.get("sites", []) if run is not None else []
    story += [
        Spacer(1, 2 * mm),
        MapFlowable(layout, A4[0] - 36 * mm, 125 * mm, sites, None),
    ]
    story += [Spacer(1, 4 * mm), _p("一、现有覆盖情况（运营中网点）", "h2")]
    head = [
        "区",
        "人口",
        "现有覆盖人口",
        "现有覆盖率",
        "覆盖半径（米）",
        "运营网点",
        "未覆盖片区",
        "间距违规",
    ]
    rows: list[list[Any]] = [head] + [
        [d.name, _int(d.population), _int(d.covered), _pct(d.share), f"{int(d.radius_m):,}", d.outlets, d.areas, d.violations]
        for d in a.districts
    ]  # fmt: skip
    if len(a.districts) > 1:
        rows.append(["全市", _int(a.population), _int(a.covered), _pct(a.share), "—",
                     sum(d.outlets for d in a.districts), len(a.areas), len(a.violations)])  # fmt: skip
    story.append(_table(rows, [20 * mm, 24 * mm, 24 * mm, 16 * mm, 22 * mm, 18 * mm, 22 * mm, 18 * mm]))

    if run is not None and best:
        story += [Spacer(1, 4 * mm), _p("二、推荐新设网点", "h2")]
        story.append(_p(_run_summary(run, best), "body"))
        rows = [["序号", "名称", "所在区", "经度", "纬度", "新增覆盖人口"]] + [
            [s["rank"], s["name"], s["district"], f"{s['lon']:.6f}", f"{s['lat']:.6f}", _int(s["new_weight"])]
            for s in sites
        ]
        story.append(_table(rows, [12 * mm, 62 * mm, 20 * mm, 24 * mm, 22 * mm, 24 * mm]))

    n = 3 if run is not None else 2
    story += [Spacer(1, 4 * mm), _p(f"{'一二三四五'[n - 1]}、网点间距违规", "h2")]
    if a.violations:
        rows = [["类型", "网点", "相邻网点／经办机构", "距离（米）", "最小距离（米）"]] + [
            [
                "网点间距" if v.kind == "outlet" else "距经办机构",
                v.a.name,
                v.b.name,
                _int(v.distance_m),
                _int(v.limit_m),
            ]
            for v in a.violations[:150]
        ]
        story.append(_table(rows, [20 * mm, 55 * mm, 55 * mm, 22 * mm, 22 * mm]))
        if len(a.violations) > 150:
            story.append(_p(f"另有{len(a.violations) - 150}对未列出，详见覆盖分析导出的Excel。", "small"))
    else:
        story.append(_p("未发现违反最小距离规定的网点。", "body"))
    story += [Spacer(1, 4 * mm), _p(f"{'一二三四五'[n]}、人口最多的未覆盖片区", "h2")]
    if a.areas:
        rows = [["序号", "所在区", "人口", "面积（平方公里）", "中心经度", "中心纬度", "距最近网点（米）"]] + [
            [x.rank, rules[x.code].name, _int(x.population), f"{x.area_km2:.2f}", f"{x.lon:.5f}", f"{x.lat:.5f}",
             _int(x.nearest_outlet_m)]
            for x in a.areas[:20]
        ]  # fmt: skip
        story.append(_table(rows, [12 * mm, 20 * mm, 24 * mm, 28 * mm, 24 * mm, 22 * mm, 28 * mm]))
    else:
        story.append(_p("需求已全部覆盖。", "body"))
    story += [Spacer(1, 4 * mm), _p("说明", "h2"), _p(method_text(layout), "small")]
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()


def _run_summary(run: PlanRun, best: dict[str, Any]) -> str:
    method = METHOD_NAMES.get(best.get("method", ""), best.get("method", ""))
    radius = f"覆盖半径{run.radius_m:,}米" if run.radius_m else "各区按本区覆盖半径和最小距离"
    text = (
        f"在{run.get_candidate_source_display()}中选取{len(best.get('sites', []))}个新网点（上限{run.k}个），"
        f"{radius}。现有覆盖（运营中网点）{_int(best.get('existing'))}"
        f"（{_pct(best.get('existing_share'))}）；计入申请中网点和已采纳规划点位后{_int(best.get('committed'))}；"
        f"方案实施后{_int(best.get('covered'))}（覆盖率{_pct(best.get('share'))}），新增{_int(best.get('new'))}。"
        f"求解方法：{method}。"
    )
    if best.get("bound") is not None:
        text += f"已证明的覆盖人口上界{_int(best.get('bound'))}，与最优的差距不超过{(best.get('gap') or 0) * 100:.2f}%"
        text += "（已证明最优，允许差距0.1%）。" if run.status == RunStatus.OPTIMAL else "。"
    return text


def demand_model_name(layout: Layout) -> str:
    if layout.demand.method == "import" and layout.demand_import is not None:
        return f"导入的需求图层“{layout.demand_import.name}”"
    return DEMAND_NAMES.get(layout.demand.method, layout.demand.method)


def method_text(layout: Layout) -> str:
    d = layout.demand
    spacings = "、".join(str(int(v)) for v in sorted(set(d.spacing.values())))
    if d.method == "import":
        demand_part = (
            f"需求采用{demand_model_name(layout)}（经度、纬度、人口；街道人口按街道范围铺到方格网点）。"
        )
    else:
        demand_part = (
            f"需求按各区2020年第七次人口普查常住人口，均匀分布于区界内间距{spacings}米的方格网点"
            "（间距取覆盖半径的四分之一）。业务量不参与覆盖计算，在布局图上单独显示。"
        )
    return (
        demand_part
        + EXISTING_DEFINITION
        + "未覆盖片区由相邻未覆盖格点连接而成，并按约两倍覆盖半径的方块切分。间距违规列出距离小于最小距离的已验收或运营中网点对"
        "（两区规定不同时取较大者），以及距社保经办机构小于该区规定距离的网点。距离在以天安门为中心的等距方位投影平面上计算，误差小于0.1%。"
    )


# --- Excel ---------------------------------------------------------------------------------------------

HEADER_FILL = PatternFill("solid", fgColor="DBE7FF")
BOLD = Font(bold=True)


def _sheet(wb: Workbook, title: str, header: list[str], rows: list[list[Any]], first: bool = False) -> None:
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append(header)
    for cell in ws[1]:
        cell.font, cell.fill = BOLD, HEADER_FILL
    for r in rows:
        excel.append(ws, r)
    for i, h in enumerate(header, start=1):
        ws.column_dimensions[ws.cell(1, i).column_letter].width = max(10, min(40, len(h) * 2 + 4))


def _save(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def coverage_xlsx(layout: Layout) -> bytes:
    a = layout.analysis
    rules = layout.rules
    wb = Workbook()
    rows = [[d.name, round(d.population), round(d.covered), round(d.share, 4), int(d.radius_m), d.outlets, d.areas,
             d.violations] for d in a.districts]  # fmt: skip
    if len(a.districts) > 1:
        rows.append(["全市", round(a.population), round(a.covered), round(a.share, 4), None,
                     sum(d.outlets for d in a.districts), len(a.areas), len(a.violations)])  # fmt: skip
    _sheet(
        wb,
        "各区覆盖率",
        ["区", "常住人口", "覆盖人口", "覆盖率", "覆盖半径（米）", "运营网点", "未覆盖片区", "间距违规"],
        rows,
        first=True,
    )
    _sheet(
        wb, "未覆盖片区", ["序号", "所在区", "人口", "格点数", "面积（平方公里）", "中心经度", "中心纬度", "距最近网点（米）"],
        [[x.rank, rules[x.code].name, round(x.population), x.cells, round(x.area_km2, 3), round(x.lon, 6),
          round(x.lat, 6), round(x.nearest_outlet_m) if x.nearest_outlet_m is not None else None] for x in a.areas],
    )  # fmt: skip
    _sheet(
        wb, "间距违规", ["类型", "网点", "网点所在区", "相邻网点／经办机构", "距离（米）", "最小距离（米）"],
        [["网点间距" if v.kind == "outlet" else "距经办机构", v.a.name, rules[v.a.code].name if v.a.code in rules else "",
          v.b.name, round(v.distance_m), round(v.limit_m)] for v in a.violations],
    )  # fmt: skip
    _sheet(wb, "说明", ["说明"], [[method_text(layout)]])
    return _save(wb)


def run_xlsx(run: PlanRun) -> bytes:
    wb = Workbook()
    best = run.best_result or {}
    source_names = {"branch": "银行网点", "import": "导入候选点", "grid": "网格点"}
    _sheet(
        wb, "推荐网点", ["序号", "名称", "来源", "所在区", "经度", "纬度", "新增覆盖人口"],
        [[s["rank"], s["name"], source_names.get(s["source"], s["source"]), s["district"], s["lon"], s["lat"],
          round(s["new_weight"])] for s in best.get("sites", [])],
        first=True,
    )  # fmt: skip
    summary: list[list[Any]] = [
        ["范围", run.scope_name],
        ["新增网点数上限", run.k],
        ["覆盖半径（米）", run.radius_m or "各区按本区设定"],
        ["网点最小间距（米）", run.min_outlet_m or "各区按本区设定（两区不同取较大者）"],
        ["距经办机构最小距离（米）", run.min_office_m or "各区按本区设定"],
        [
            "需求来源",
            DEMAND_NAMES.get(best.get("demand_method", ""), str(DemandSource(run.demand_source).label)),
        ],
        ["候选点来源", str(CandidateSource(run.candidate_source).label)],
        ["候选点数", best.get("candidates")],
        ["状态", str(RunStatus(run.status).label)],
        ["求解方法", METHOD_NAMES.get(best.get("method", ""), best.get("method", ""))],
        ["总需求", best.get("total")],
        ["现有覆盖（运营中网点）", best.get("existing")],
        ["计入申请中网点与规划点位后", best.get("committed")],
        ["方案覆盖", best.get("covered")],
        ["方案覆盖率", best.get("share")],
        ["已证明的覆盖上界", best.get("bound")],
        ["与最优的差距（不超过）", best.get("gap")],
        ["发起人", str(run.created_by) if run.created_by_id else ""],
        ["发起时间", timezone.localtime(run.created_at).strftime("%Y-%m-%d %H:%M")],
    ]
    _sheet(wb, "方案概要", ["项目", "值"], summary)
    if run.result and run.greedy_result:
        g = run.greedy_result
        _sheet(
            wb, "快速方案", ["序号", "名称", "所在区", "经度", "纬度", "新增覆盖人口"],
            [[s["rank"], s["name"], s["district"], s["lon"], s["lat"], round(s["new_weight"])] for s in g.get("sites", [])],
        )  # fmt: skip
    return _save(wb)
