"""Agreement texts (Annex 2, Annex 4) from editable templates, and their PDFs; the plaque certificate.

Templates use ${placeholder} (string.Template): plain substitution, no code, no attribute access, so the
municipal center can edit them safely. PDFs embed the CJK font subset (sheyin.common.pdf).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import string
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether

from sheyin.common.pdf import qr_image, register_font, styles

# Every placeholder a template may use, with what it means (shown beside the template editor).
PLACEHOLDERS: dict[str, str] = {
    "agreement_number": "协议编号",
    "bank_name": "银行名称",
    "bank_uscc": "银行统一社会信用代码",
    "bank_address": "银行地址",
    "agency_name": "经办机构名称",
    "agency_address": "经办机构地址",
    "district_name": "所在区",
    "outlet_name": "网点名称",
    "outlet_code": "网点编号",
    "outlet_address": "网点地址",
    "windows": "人工窗口数",
    "term_years": "协议期限（年）",
    "start_date": "生效日期",
    "end_date": "到期日期",
    "objection_days": "续期异议提前天数",
    "filing_days": "备案期限（工作日）",
}
_NAME = re.compile(r"\$(?:\{(?P<braced>[_a-z][_a-z0-9]*)\}|(?P<named>[_a-z][_a-z0-9]*))", re.IGNORECASE)
BLANK = "＿＿＿＿"


def unknown_placeholders(body: str) -> list[str]:
    names = {m.group("braced") or m.group("named") for m in _NAME.finditer(body.replace("$$", ""))}
    return sorted(n for n in names if n not in PLACEHOLDERS)


def _date(d: dt.date | None) -> str:
    return f"{d.year}年{d.month}月{d.day}日" if d else BLANK


def context_for(agreement: Any, settings: Any) -> dict[str, str]:
    bank, agency, outlet = agreement.bank, agreement.agency, agreement.outlet
    return {
        "agreement_number": agreement.number,
        "bank_name": bank.name,
        "bank_uscc": bank.uscc,
        "bank_address": bank.address or BLANK,
        "agency_name": agency.name,
        "agency_address": agency.address or BLANK,
        "district_name": (outlet.district.district_name if outlet else agency.district_name) or BLANK,
        "outlet_name": outlet.name if outlet else BLANK,
        "outlet_code": outlet.code if outlet else BLANK,
        "outlet_address": outlet.address if outlet else BLANK,
        "windows": str(outlet.windows) if outlet else BLANK,
        "term_years": str(agreement.term_years),
        "start_date": _date(agreement.start_date),
        "end_date": _date(agreement.end_date),
        "objection_days": str(settings.renewal_objection_days),
        "filing_days": str(settings.filing_deadline_workdays),
    }


def render_text(body: str, context: dict[str, str]) -> str:
    return string.Template(body).safe_substitute(context)


def _doc_styles() -> dict[str, ParagraphStyle]:
    s = styles()
    return {
        **s,
        "center": ParagraphStyle("center", parent=s["body"], alignment=TA_CENTER),
        "clause": ParagraphStyle("clause", parent=s["body"], firstLineIndent=21, spaceAfter=4),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def agreement_pdf(agreement: Any) -> bytes:
    """The agreement as signed (or as a draft, marked so): title, parties, clauses, signature block."""
    font = register_font()
    st = _doc_styles()
    buf = io.BytesIO()
    draft = agreement.status == "draft"

    def decorate(c: rl_canvas.Canvas, doc: Any) -> None:
        c.saveState()
        c.setFont(font, 8)
        c.setFillColor(colors.grey)
        c.drawString(
            20 * mm, 12 * mm, f"{agreement.number} · {_('模板第%(v)d版') % {'v': agreement.template.version}}"
        )
        c.drawRightString(190 * mm, 12 * mm, _("第%(n)d页") % {"n": doc.page})
        if draft:
            c.setFont(font, 60)
            c.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.12))
            c.translate(105 * mm, 150 * mm)
            c.rotate(35)
            c.drawCentredString(0, 0, _("草稿 未签署"))
        c.restoreState()

    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=agreement.title,
        author=agreement.agency.name,
    )
    story: list[Any] = [
        Paragraph(_esc(agreement.title), st["title"]),
        Paragraph(_("协议编号：%(n)s") % {"n": agreement.number}, st["center"]),
        Spacer(1, 6 * mm),
    ]
    party_b = agreement.outlet.name if agreement.outlet_id else agreement.bank.name
    rows = [
        [_("甲方（经办机构）"), agreement.agency.name],
        [_("乙方（合作银行）") if not agreement.outlet_id else _("乙方（合作网点）"), party_b],
    ]
    if agreement.outlet_id:
        rows.append([_("所属银行"), agreement.bank.name])
    rows.append(
        [
            _("协议期限"),
            _("%(y)d年（%(s)s至%(e)s）")
            % {"y": agreement.term_years, "s": _date(agreement.start_date), "e": _date(agreement.end_date)},
        ]
    )
    table = Table(
        [[Paragraph(_esc(a), st["body"]), Paragraph(_esc(b), st["body"])] for a, b in rows],
        colWidths=[38 * mm, 128 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.Color(0.93, 0.95, 0.98)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm)]
    for para in re.split(r"\n\s*\n", agreement.body.strip()):
        text = "<br/>".join(_esc(line.strip()) for line in para.strip().splitlines())
        heading = para.strip().startswith(
            ("第", "一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十")
        )
        story.append(Paragraph(text, st["h2"] if heading and len(para) < 30 else st["clause"]))
    sign = Table(
        [
            [
                Paragraph(_("甲方（盖章）：%(n)s") % {"n": _esc(agreement.agency.name)}, st["body"]),
                Paragraph(_("乙方（盖章）：%(n)s") % {"n": _esc(party_b)}, st["body"]),
            ],
            [Paragraph(_("代表签字："), st["body"]), Paragraph(_("代表签字："), st["body"])],
            [
                Paragraph(_("签署日期：%(d)s") % {"d": _date(agreement.agency_signed_on)}, st["body"]),
                Paragraph(_("签署日期：%(d)s") % {"d": _date(agreement.bank_signed_on)}, st["body"]),
            ],
        ],
        colWidths=[83 * mm, 83 * mm],
    )
    sign.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 8), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story += [Spacer(1, 10 * mm), KeepTogether([sign])]
    doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
    return buf.getvalue()


def plaque_certificate_pdf(plaque: Any, verify_url: str) -> bytes:
    """A landscape certificate: the uniform plaque's wording, the outlet, the number, a QR code to the
    public verification page. Nothing personal."""
    font = register_font()
    buf = io.BytesIO()
    w, h = landscape(A4)
    c = rl_canvas.Canvas(buf, pagesize=(w, h))
    c.setTitle(_("社保服务合作网点标牌证书 %(n)s") % {"n": plaque.number})
    red = colors.Color(0.72, 0.07, 0.07)
    c.setStrokeColor(red)
    c.setLineWidth(4)
    c.rect(12 * mm, 12 * mm, w - 24 * mm, h - 24 * mm)
    c.setLineWidth(1)
    c.rect(16 * mm, 16 * mm, w - 32 * mm, h - 32 * mm)
    c.setFillColor(red)
    c.setFont(font, 40)
    c.drawCentredString(w / 2, h - 48 * mm, _("社保服务合作网点"))
    c.setFillColor(colors.black)
    c.setFont(font, 14)
    c.drawCentredString(w / 2, h - 60 * mm, _("北京市社会保险基金管理中心 监制"))
    outlet = plaque.outlet
    lines = [
        (_("网点名称"), outlet.name),
        (_("所属银行"), outlet.bank.name),
        (_("所在区"), outlet.district.district_name),
        (_("网点地址"), outlet.address),
        (_("授牌机构"), outlet.district.name),
        (_("标牌编号"), plaque.number),
        (_("颁发日期"), _date(plaque.issued_on)),
    ]
    y = h - 80 * mm
    for label, value in lines:
        c.setFont(font, 13)
        c.setFillColor(colors.Color(0.35, 0.38, 0.44))
        c.drawRightString(80 * mm, y, f"{label}：")
        c.setFillColor(colors.black)
        c.setFont(font, 14)
        c.drawString(84 * mm, y, str(value)[:48])
        y -= 10 * mm
    qr_size = 46 * mm
    c.drawImage(qr_image(verify_url, scale=6), w - 30 * mm - qr_size, 34 * mm, qr_size, qr_size)
    c.setFont(font, 10)
    c.drawCentredString(w - 30 * mm - qr_size / 2, 28 * mm, _("扫码核验标牌真伪"))
    c.setFont(font, 8)
    c.setFillColor(colors.grey)
    c.drawString(22 * mm, 22 * mm, verify_url[:120])
    c.drawString(
        22 * mm, 27 * mm, _("生成时间：%(t)s") % {"t": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    )
    c.showPage()
    c.save()
    return buf.getvalue()
