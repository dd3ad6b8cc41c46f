"""The papers handed over at the outlet: the acceptance receipt (受理回执) as a PDF: what was accepted, where, by whom, when, the result, and two
QR codes each with its code printed under it: the verification of this receipt (核验码, /verify/receipt/)
and the rating of the service (评价码, /rate/<code>/ belongs to the ratings app; R9.5).

The rows are computed once when the receipt is printed, kept with it (`IssuedReceipt.content`) and shown
on the public verification page; their SM3 digest is printed in the footer. An online self-service session
ends with a rating slip (its 评价码 under a QR code)."""

from __future__ import annotations

import datetime as dt
import io
import json

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, A6
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sheyin.common.masking import mask_name
from sheyin.common.pdf import register_font, styles

from .models import Case, GuidedSession
from .workflow import CaseStatus


def _qr(data: str) -> Image:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=4, border=2)
    buf.seek(0)
    return Image(buf, 34 * mm, 34 * mm)


def _t(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"  # type: ignore[arg-type]


def receipt_rows(case: Case) -> list[list[str]]:
    """The receipt's rows (label, value) as they are printed now: masked applicant, nothing else personal."""
    item = case.item
    limit = item.time_limit_days if item is not None else 0
    promise = _("即时办结") if not limit else _("%(n)s个工作日") % {"n": limit}
    version = case.catalogue_version
    rows = [
        (_("受理编号"), case.receipt_no),
        (_("办理事项"), f"{case.item_name}（{case.item_code}）"),
        (_("清单版本"), _("服务事项清单第%(n)s版") % {"n": version.number} if version else "—"),
        (_("申请人"), f"{mask_name(case.applicant_name)}　{case.applicant_masked}"),
        (_("受理网点"), f"{case.outlet.name}（{case.outlet.code}）"),
        (_("网点地址"), case.outlet.address),
        (_("咨询电话"), case.outlet.phone or "—"),
        (_("经办人"), str(case.staff)),
        (_("复核人"), str(case.reviewer) if case.reviewer else "—"),
        (_("叫号时间"), _t(case.called_at)),
        (_("开始受理"), _t(case.started_at)),
        (_("办结时间"), _t(case.ended_at)),
        (_("办理状态"), str(CaseStatus(case.status).label)),
        (_("办理结果"), case.result_message or "—"),
        (_("核心系统业务号"), case.core_reference or "—"),
        (_("承诺时限"), promise),
        (_("已收材料"), "、".join(case.materials_checked) or "—"),
        (_("扫描件"), _("%(n)s份") % {"n": case.files.count()}),
    ]
    return [[str(k), str(v)] for k, v in rows]


def receipt_canonical(code: str, printed_at: dt.datetime, rows: list[list[str]]) -> bytes:
    """The printed content in a fixed form: its SM3 is the receipt's content digest."""
    stamp = printed_at.astimezone(dt.UTC).isoformat(timespec="seconds")
    body = {"v": "sheyin-receipt/1", "code": code, "printed_at": stamp, "rows": rows}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def _coded_qr(url: str, caption: str, code_line: str, width: float = 60 * mm) -> Table:
    """A QR code with its code printed under it (typed by whoever cannot scan), then what it is for."""
    st = styles()
    centred = st["small"].clone("centred", alignment=1)
    code_style = st["body"].clone("code", alignment=1, fontSize=13, leading=18)
    cell = Table([[_qr(url)], [Paragraph(code_line, code_style)], [Paragraph(caption, centred)]],
                 colWidths=[width])  # fmt: skip
    cell.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("TOPPADDING", (0, 1), (-1, -1), 1),
                              ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))  # fmt: skip
    return cell


def render_receipt(
    case: Case,
    rows: list[list[str]],
    *,
    code: str,
    content_hash: str,
    verify_url: str,
    rating_code: str = "",
    rating_url: str = "",
) -> bytes:
    font = register_font()
    st = styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_("社会保险业务受理回执"), author=case.outlet.name)  # fmt: skip
    body = st["body"]
    table = Table([[Paragraph(k, body), Paragraph(v, body)] for k, v in rows], colWidths=[32 * mm, 140 * mm])
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3fb")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))  # fmt: skip
    qrs = [
        _coded_qr(
            verify_url,
            _("扫码核验本回执，可查看出具时的全部内容"),
            _("核验码 %(code)s") % {"code": code},
            width=84 * mm,
        )
    ]
    if rating_code:
        qrs.append(_coded_qr(rating_url, _("扫码评价本次服务（好差评，一次一评）。没有智能手机的，可在门户网站“评价”栏输入评价码。"),
                             _("评价码 %(code)s") % {"code": rating_code}, width=84 * mm))  # fmt: skip
    qr_table = Table([qrs])
    qr_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        Paragraph(_("社会保险业务受理回执"), st["title"]),
        Paragraph(_("北京市社会保险社银合作网点"), st["small"]),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 6 * mm),
        qr_table,
        Spacer(1, 4 * mm),
        Paragraph(
            _(
                "本回执由社银合作管理平台生成，请妥善保管。个人信息已按规定脱敏。如对服务有意见，可扫码评价或拨打12333。"
            ),
            st["small"],
        ),
        Paragraph(
            _("核验码 %(code)s · 内容摘要（SM3）%(h)s") % {"code": code, "h": content_hash[:32]}, st["small"]
        ),
    ]
    doc.build(story)
    return buf.getvalue()


def render_rating_slip(session: GuidedSession, *, code: str, url: str) -> bytes:
    """The slip an online self-service session ends with (R2.2, R9.5): the service, and its 评价码 under the
    QR code (A6, for the counter's printer)."""
    st = styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A6, leftMargin=9 * mm, rightMargin=9 * mm, topMargin=8 * mm,
                            bottomMargin=8 * mm, title=_("网厅自助服务评价凭条"), author=session.outlet.name)  # fmt: skip
    small = st["small"]
    rows = [
        (_("网点"), session.outlet.name),
        (_("服务"), session.service_name),
        (_("引导员"), str(session.guide)),
        (_("时间"), _t(session.ended_at)),
    ]
    table = Table([[Paragraph(k, small), Paragraph(v, small)] for k, v in rows], colWidths=[16 * mm, 69 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 1),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))  # fmt: skip
    story = [
        Paragraph(_("网厅自助服务评价凭条"), st["h2"].clone("slip-title", alignment=1)),
        table,
        Spacer(1, 2 * mm),
        _coded_qr(
            url,
            _("手机扫码评价；没有智能手机的，可在门户网站“评价”栏输入评价码。每次服务可评价一次。"),
            _("评价码 %(code)s") % {"code": code},
        ),
    ]
    doc.build(story)
    return buf.getvalue()
