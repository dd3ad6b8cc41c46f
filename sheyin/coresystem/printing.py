"""The rights-record printout (个人社会保险权益记录, 人社部令第14号; R2.1) as a PDF, fast.

A 30-year record has 360 monthly rows × 13 columns. Drawing each cell with `canvas.drawString` costs
~0.1 ms (ReportLab's pure-Python text path), ~120 ms a record. This renderer instead:

* draws everything that repeats on every page (title, the person's header, QR code, column heads, the
  footer text) ONCE per document as a Form XObject and places it on each page with `doForm`;
* writes the monthly rows as raw PDF text operators (`addLiteral`), one `Tm … Tj` per cell, with the
  numbers pre-formatted and pre-measured (right alignment) from a process-wide cache. Digits and
  punctuation are ASCII, which ReportLab's TrueType subsets keep at their own codes
  (`rl_config.ttfAsciiReadable`), so they need no per-document encoding; employer names go through
  the font's own `splitString` once per document;
* draws the QR code as vector modules (crisp on any printer, no PNG round trip);
* writes binary (Flate only) streams instead of ASCII85+Flate.

The CJK font is embedded as a subset, as in every PDF of the platform (sheyin.common.pdf).
See docs/decisions/0007-rights-record-rendering.md for the measurements.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTEncoding, TTFont, TTFontFace
from reportlab.pdfgen.canvas import Canvas

from .adapter import RightsRecord

PAGE_W, PAGE_H = A4
LEFT, RIGHT = 28.0, PAGE_W - 28.0
ROWS_PER_PAGE = 60
ROW_H = 10.2
FS = 6.5  # row font size
TABLE_TOP = PAGE_H - 150  # baseline of the first row
SUMMARY_H = 170.0
BOTTOM = 52.0

# (width, alignment) per column: month, employer, then the four insurances' base / employer / personal.
COLUMNS = [(34, "l"), (104, "l")] + [(36.5, "r")] * 11
_x = LEFT
COL_X: list[float] = []  # left edge per column
for _w, _a in COLUMNS:
    COL_X.append(_x)
    _x += _w
COL_RIGHT = [x + w - 2 for x, (w, _a) in zip(COL_X, COLUMNS, strict=True)]
TABLE_RIGHT = _x
# Row tuple index (adapter.MonthRow) of each numeric column, and whether it is a base (whole yuan).
NUMERIC = [(3, True), (4, False), (5, False), (6, True), (7, False), (8, False), (9, True), (10, False),
           (11, True), (12, False), (13, False)]  # fmt: skip


@dataclass(frozen=True)
class PrintMeta:
    code: str  # 核验码 as printed (grouped)
    printed_at: dt.datetime
    content_hash: str  # SM3 hex of RightsRecord.canonical_bytes
    verify_url: str  # encoded in the QR code
    place: str  # where it was printed (outlet · terminal)
    rating_code: str = ""  # 评价码 of this self-service (R9.5), as printed; none: no rating block
    rating_url: str = ""  # encoded in the rating QR code


# --- the font ---------------------------------------------------------------------------------------

RECORD_FONT = "SheyinCJKRecord"


class _CachingFace(TTFontFace):
    """The embedded-subset font program is a pure function of the subset: keep the last few."""

    def __init__(self, filename: str) -> None:
        super().__init__(filename, validate=0, subfontIndex=0)
        self._subsets: dict[tuple[int, ...], bytes] = {}

    def makeSubset(self, subset: list[int]) -> bytes:
        key = tuple(subset)
        hit = self._subsets.get(key)
        if hit is None:
            hit = super().makeSubset(subset)
            if len(self._subsets) >= 32:
                self._subsets.pop(next(iter(self._subsets)))
            self._subsets[key] = hit
        return hit


class _RecordFont(TTFont):
    """The platform's CJK font (same file as sheyin.common.pdf) with a caching face. Mirrors
    TTFont.__init__ of ReportLab 5.1 (pinned), which hard-wires its face class."""

    def __init__(self, name: str, filename: str) -> None:
        from weakref import WeakKeyDictionary

        self.fontName = name
        self.face = _CachingFace(filename)
        self.encoding = TTEncoding()
        self.state: WeakKeyDictionary[object, object] = WeakKeyDictionary()
        self._asciiReadable = rl_config.ttfAsciiReadable
        self.shapable = False


@functools.cache
def register_font() -> str:
    from sheyin.common.pdf import FontMissing

    path = settings.SHEYIN_PDF_FONT
    try:
        pdfmetrics.registerFont(_RecordFont(RECORD_FONT, str(path)))
    except OSError as exc:
        raise FontMissing(f"CJK font not found at {path}") from exc
    return RECORD_FONT


# --- number cache: fen -> (text, width at FS) -------------------------------------------------------

_MONEY: dict[int, tuple[str, float]] = {}
_BASE: dict[int, tuple[str, float]] = {}
_CHAR_W: dict[str, float] = {}


def _char_widths() -> dict[str, float]:
    if not _CHAR_W:
        font = pdfmetrics.getFont(register_font())
        for ch in "0123456789,.-":
            _CHAR_W[ch] = font.stringWidth(ch, FS)
    return _CHAR_W


def _money(fen: int) -> tuple[str, float]:
    hit = _MONEY.get(fen)
    if hit is None:
        if len(_MONEY) > 500_000:
            _MONEY.clear()
        text = f"{fen // 100:,}.{fen % 100:02d}" if fen else "-"
        cw = _char_widths()
        hit = _MONEY[fen] = (text, sum(cw[c] for c in text))
    return hit


def _base(fen: int) -> tuple[str, float]:
    hit = _BASE.get(fen)
    if hit is None:
        if len(_BASE) > 100_000:
            _BASE.clear()
        text = f"{fen // 100:,}" if fen else "-"
        cw = _char_widths()
        hit = _BASE[fen] = (text, sum(cw[c] for c in text))
    return hit


def money(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


# --- drawing helpers --------------------------------------------------------------------------------


def _qr_ops(data: str, x: float, y: float, size: float) -> str:
    """The QR code as filled rectangles (one per run of dark modules in a row)."""
    # A fixed mask: segno's search for the best of eight masks costs ~9 ms in pure Python.
    qr = segno.make(data, error="m", mask=0)
    matrix = qr.matrix
    n = len(matrix) + 4  # quiet zone of two modules each side
    m = size / n
    ops = ["q 1 g", f"{x:.2f} {y:.2f} {size:.2f} {size:.2f} re f", "0 g"]
    for r, row in enumerate(matrix):
        yy = y + size - (r + 3) * m
        c = 0
        width = len(row)
        while c < width:
            if row[c]:
                start = c
                while c < width and row[c]:
                    c += 1
                ops.append(f"{x + (start + 2) * m:.2f} {yy:.2f} {(c - start) * m:.2f} {m:.2f} re")
            else:
                c += 1
    ops.append("f Q")
    return "\n".join(ops)


@contextlib.contextmanager
def _binary_streams() -> Iterator[None]:
    """Flate-only streams for this save (ASCII85 only inflates the file and costs time)."""
    old = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = old


def _fit(font: object, text: str, width: float, size: float) -> str:
    sw = font.stringWidth  # type: ignore[attr-defined]
    if sw(text, size) <= width:
        return text
    while text and sw(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


class _Doc:
    """One document being drawn: the canvas and the per-document font encodings."""

    def __init__(self, canvas: Canvas, font_name: str) -> None:
        self.c = canvas
        self.font = pdfmetrics.getFont(font_name)
        self.font_name = font_name
        self.names: dict[str, str] = {}
        self.base_font = ""

    def subset_font(self, subset: int) -> str:
        name: str = self.font.getSubsetInternalName(subset, self.c._doc)
        return name

    def text_ops(self, text: str, x: float, y: float) -> str:
        """`text` (any characters) at x, y inside a BT block whose current font is subset 0."""
        key = text
        frag = self.names.get(key)
        if frag is None:
            parts = []
            switched = False
            for subset, chunk in self.font.splitString(text, self.c._doc):
                if subset != 0 or switched:
                    parts.append(f"{self.subset_font(subset)} {FS} Tf")
                    switched = True
                parts.append(f"({self.c._escape(chunk)}) Tj")
            if switched:
                parts.append(f"{self.base_font} {FS} Tf")
            frag = self.names[key] = " ".join(parts)
        return f"1 0 0 1 {x:.2f} {y:.2f} Tm {frag}"


# --- the document -----------------------------------------------------------------------------------


def _labels() -> dict[str, str]:
    """Every fixed text of the printout, in the active language."""
    return {
        "title": _("北京市社会保险个人权益记录"),
        "subtitle": _("（参保缴费明细，单位：元）"),
        "name": _("姓名：%(name)s"),
        "id": _("社会保障号码：%(id)s"),
        "period": _("记录期间：%(p)s"),
        "printed": _("打印时间：%(t)s"),
        "code": _("核验码：%(code)s"),
        "place": _("打印地点：%(place)s"),
        "scan": _("扫码核验真伪"),
        "month": _("年月"),
        "employer": _("缴费单位"),
        "pension": _("养老保险"),
        "unemployment": _("失业保险"),
        "injury": _("工伤保险"),
        "medical": _("医疗保险"),
        "base": _("基数"),
        "er": _("单位"),
        "ee": _("个人"),
        "footer1": _("核验码 %(code)s · 内容摘要（SM3）%(h)s"),
        "footer2": _(
            "本记录依据《社会保险个人权益记录管理办法》出具，社会保障号码已脱敏。扫描二维码或在核验页面输入核验码，可查看出具时的全部数字，请逐项比对。"
        ),
        "rate": _("请为本次自助服务评价"),
        "rating_code": _("评价码 %(code)s"),
        "rate_hint1": _("手机扫码评价，或在门户"),
        "rate_hint2": _("网站“评价”栏输入评价码"),
        "page": _("第 %(n)s 页 / 共 %(total)s 页"),
        "summary": _("汇总信息"),
        "insurance": _("险种"),
        "months": _("累计缴费月数"),
        "er_total": _("单位缴纳合计"),
        "ee_total": _("个人缴纳合计"),
        "ym": _("%(m)s个月（%(y)s年%(r)s个月）"),
        "account": _("养老保险个人账户累计记账额（本金）：%(v)s 元"),
        "benefit": _("%(label)s：%(n)s个月，合计 %(v)s 元"),
        "benefit_pension": _("已领取基本养老金"),
        "benefit_unemployment": _("已领取失业保险金"),
        "no_benefit": _("待遇享受：无"),
        "note": _("说明：个人账户记账额不含记账利息；生育保险并入医疗保险；灵活就业人员费用全部由个人缴纳。"),
        "flexible": _("灵活就业"),
        "doc_title": _("个人社会保险权益记录"),
        "author": _("北京市社会保险基金管理中心"),
    }


def _prewarm(doc: _Doc, labels: dict[str, str]) -> None:
    """Give every fixed character its code first and start the variable text (names, employers) in a
    fresh subset: the first subset is then the same in every printout and its font program is cached."""
    doc.font.splitString("".join(labels.values()) + "0123456789-:,.~— ", doc.c._doc)
    state = doc.font.state[doc.c._doc]
    if state.nextCode & 0xFF:
        state.nextCode = (state.nextCode | 0xFF) + 1


def render_rights_record(record: RightsRecord, meta: PrintMeta) -> bytes:
    font_name = register_font()
    labels = _labels()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1, initialFontName=font_name)
    c.setTitle(labels["doc_title"])
    c.setAuthor(labels["author"])
    c.setSubject(f"SM3:{meta.content_hash}")
    c.setCreator("sheyin")
    doc = _Doc(c, font_name)
    _prewarm(doc, labels)

    rows = record.rows
    n_row_pages = max(1, math.ceil(len(rows) / ROWS_PER_PAGE))
    last_rows = len(rows) - (n_row_pages - 1) * ROWS_PER_PAGE
    summary_fits = TABLE_TOP - last_rows * ROW_H - SUMMARY_H >= BOTTOM
    pages = n_row_pages + (0 if summary_fits else 1)

    _frame_form(c, record, meta, labels, font_name)
    doc.base_font = doc.subset_font(0)
    shade = [
        f"{LEFT:.2f} {TABLE_TOP - i * ROW_H - 2.6:.2f} {TABLE_RIGHT - LEFT:.2f} {ROW_H:.2f} re"
        for i in range(1, ROWS_PER_PAGE, 2)
    ]
    x_month, x_emp = COL_X[0] + 2, COL_X[1] + 2
    emp_w = COLUMNS[1][0] - 4
    chunk: list[Any] = []
    for page in range(pages):
        c.doForm("frame")
        chunk = rows[page * ROWS_PER_PAGE : (page + 1) * ROWS_PER_PAGE]
        if chunk:
            c.doForm("heads")
            n_shade = len(chunk) // 2
            ops = ["q 0.94 g", *shade[:n_shade], "f Q"] if n_shade else []
            ops.append(f"BT {doc.base_font} {FS} Tf 0 g")
            y = TABLE_TOP
            for r in chunk:
                m = r[0]
                ops.append(f"1 0 0 1 {x_month:.2f} {y:.2f} Tm ({m.year}-{m.month:02d}) Tj")
                name = r[1] if r[2] == "E" else labels["flexible"]
                if name not in doc.names:
                    name = _fit(doc.font, name, emp_w, FS)
                ops.append(doc.text_ops(name, x_emp, y))
                for col, (idx, is_base) in enumerate(NUMERIC, start=2):
                    text, width = (_base if is_base else _money)(r[idx])  # type: ignore[arg-type]
                    ops.append(f"1 0 0 1 {COL_RIGHT[col] - width:.2f} {y:.2f} Tm ({text}) Tj")
                y -= ROW_H
            ops.append("ET")
            c.addLiteral("\n".join(ops))
        c.setFont(font_name, 7.5)
        c.drawRightString(RIGHT, 30, labels["page"] % {"n": page + 1, "total": pages})
        if page == pages - 1:
            top = TABLE_TOP - len(chunk) * ROW_H - 4 if chunk else TABLE_TOP + 26
            _summary(c, record, font_name, top, labels)
            if meta.rating_code:
                _rating(c, meta, font_name, top, labels)
        c.showPage()
    with _binary_streams():
        c.save()
    return buf.getvalue()


def _frame_form(c: Canvas, record: RightsRecord, meta: PrintMeta, labels: dict[str, str], font: str) -> None:
    """Everything that repeats on every page, drawn once per document as Form XObjects."""
    p = record.person
    c.beginForm("frame")
    c.setFont(font, 15)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 46, labels["title"])
    c.setFont(font, 9)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 61, labels["subtitle"])
    c.setFont(font, 8.5)
    y = PAGE_H - 84
    period = "—"
    if record.period_start and record.period_end:
        period = f"{record.period_start:%Y-%m} — {record.period_end:%Y-%m}"
    c.drawString(LEFT, y, labels["name"] % {"name": p.name})
    c.drawString(LEFT + 120, y, labels["id"] % {"id": p.id_masked})
    c.drawString(LEFT + 300, y, labels["period"] % {"p": period})
    y -= 14
    printed = timezone.localtime(meta.printed_at).strftime("%Y-%m-%d %H:%M:%S")
    c.drawString(LEFT, y, labels["printed"] % {"t": printed})
    c.drawString(LEFT + 180, y, labels["code"] % {"code": meta.code})
    y -= 14
    c.setFont(font, 7)
    c.drawString(LEFT, y, labels["place"] % {"place": meta.place})
    # QR code: the verification page (top right).
    c.addLiteral(_qr_ops(meta.verify_url, RIGHT - 62, PAGE_H - 102, 62))
    c.setFont(font, 6)
    c.drawCentredString(RIGHT - 31, PAGE_H - 110, labels["scan"])
    # Footer.
    c.setLineWidth(0.4)
    c.line(LEFT, 44, RIGHT, 44)
    c.setFont(font, 6.5)
    c.drawString(LEFT, 34, labels["footer1"] % {"code": meta.code, "h": meta.content_hash[:32]})
    c.drawString(LEFT, 24, labels["footer2"])
    c.endForm()
    # Column heads (pages with rows): group row and sub row.
    c.beginForm("heads")
    top = TABLE_TOP + 26
    c.setLineWidth(0.6)
    c.line(LEFT, top, TABLE_RIGHT, top)
    c.line(LEFT, TABLE_TOP + 7, TABLE_RIGHT, TABLE_TOP + 7)
    c.setFont(font, 7)
    c.drawString(COL_X[0] + 2, TABLE_TOP + 13, labels["month"])
    c.drawString(COL_X[1] + 2, TABLE_TOP + 13, labels["employer"])
    groups = [(2, 5, "pension"), (5, 8, "unemployment"), (8, 10, "injury"), (10, 13, "medical")]
    subs = [labels["base"], labels["er"], labels["ee"]]
    c.setLineWidth(0.3)
    for a, b, key in groups:
        x0, x1 = COL_X[a], COL_X[b - 1] + COLUMNS[b - 1][0]
        c.drawCentredString((x0 + x1) / 2, TABLE_TOP + 18, labels[key])
        c.line(x0, top, x0, TABLE_TOP + 7)
        c.line(x0 + 2, TABLE_TOP + 16, x1 - 2, TABLE_TOP + 16)
        for i, col in enumerate(range(a, b)):
            c.drawRightString(COL_RIGHT[col], TABLE_TOP + 9.5, subs[i])
    c.endForm()


def benefit_lines(record: RightsRecord, labels: dict[str, str] | None = None) -> list[tuple[str, int, int]]:
    """(label, months, total in fen) of each benefit received, as the printout's summary states them."""
    labels = labels or _labels()
    return [
        (labels.get(f"benefit_{kind}", kind), sum(1 for b in record.benefits if b.kind == kind), amount)
        for kind, amount in sorted(record.summary.benefit_totals.items())
    ]


def _summary(c: Canvas, record: RightsRecord, font: str, top: float, labels: dict[str, str]) -> None:
    """Contribution years, totals by insurance, the personal account and benefits received."""
    s = record.summary
    t = s.totals
    c.setLineWidth(0.6)
    c.line(LEFT, top + 7, TABLE_RIGHT, top + 7)
    y = top - 16
    c.setFont(font, 10)
    c.drawString(LEFT, y, labels["summary"])
    y -= 18
    c.setFont(font, 8)
    xs = (LEFT, LEFT + 70, LEFT + 250, LEFT + 350)  # the right of the block is the rating's
    c.drawString(xs[0], y, labels["insurance"])
    c.drawString(xs[1], y, labels["months"])
    c.drawRightString(xs[2] + 60, y, labels["er_total"])
    c.drawRightString(xs[3] + 60, y, labels["ee_total"])
    c.setLineWidth(0.3)
    c.line(LEFT, y - 4, xs[3] + 64, y - 4)
    rows = [
        (labels["pension"], s.pension_months, t["pension_er"], t["pension_ee"]),
        (labels["unemployment"], s.unemployment_months, t["unemployment_er"], t["unemployment_ee"]),
        (labels["injury"], s.injury_months, t["injury_er"], None),
        (labels["medical"], s.medical_months, t["medical_er"], t["medical_ee"]),
    ]
    for name, months, er, ee in rows:
        y -= 14
        c.drawString(xs[0], y, name)
        c.drawString(xs[1], y, labels["ym"] % {"m": months, "y": months // 12, "r": months % 12})
        c.drawRightString(xs[2] + 60, y, money(er))
        c.drawRightString(xs[3] + 60, y, money(ee) if ee is not None else "-")
    y -= 20
    lines = [labels["account"] % {"v": money(s.pension_account)}]
    for label, n, amount in benefit_lines(record, labels):
        lines.append(labels["benefit"] % {"label": label, "n": n, "v": money(amount)})
    if not s.benefit_totals:
        lines.append(labels["no_benefit"])
    for line in lines:
        c.drawString(LEFT, y, line)
        y -= 13
    c.setFont(font, 6.5)
    c.drawString(LEFT, y - 2, labels["note"])


def _rating(c: Canvas, meta: PrintMeta, font: str, top: float, labels: dict[str, str]) -> None:
    """The 评价码 of this self-service under its QR code, right of the summary (R9.5)."""
    cx, size = (LEFT + 420 + RIGHT) / 2, 60.0
    c.setFont(font, 7.5)
    c.drawCentredString(cx, top - 10, labels["rate"])
    c.addLiteral(_qr_ops(meta.rating_url, cx - size / 2, top - 16 - size, size))
    c.setFont(font, 9.5)
    c.drawCentredString(cx, top - 28 - size, labels["rating_code"] % {"code": meta.rating_code})
    c.setFont(font, 6)
    c.drawCentredString(cx, top - 39 - size, labels["rate_hint1"])
    c.drawCentredString(cx, top - 47 - size, labels["rate_hint2"])
