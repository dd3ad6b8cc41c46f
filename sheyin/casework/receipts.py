"""The acceptance receipt (受理回执) as a PDF: what was accepted, where, by whom, when, the result, and two
QR codes: the public status look-up and the rating (好差评, R9.5; /rate/<token>/ belongs to the ratings app)."""

from __future__ import annotations

import io

import segno
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sheyin.common.masking import mask_name
from sheyin.common.pdf import register_font, styles

from .models import Case
from .workflow import CaseStatus


def _qr(data: str) -> Image:
    buf = io.BytesIO()
    segno.make(data, error="m").save(buf, kind="png", scale=4, border=2)
    buf.seek(0)
    return Image(buf, 34 * mm, 34 * mm)


def _t(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"  # type: ignore[arg-type]


def render_receipt(case: Case, *, status_url: str, rating_url: str | None) -> bytes:
    font = register_font()
    st = styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=_("社会保险业务受理回执"), author=case.outlet.name)  # fmt: skip
    body = st["body"]
    item = case.item
    limit = item.time_limit_days if item is not None else 0
    promise = _("即时办结") if not limit else _("%(n)s个工作日") % {"n": limit}
    rows = [
        (_("受理编号"), case.receipt_no),
        (_("办理事项"), f"{case.item_name}（{case.item_code}）"),
        (
            _("清单版本"),
            _("服务事项清单第%(n)s版") % {"n": case.catalogue_version.number}
            if case.catalogue_version
            else "—",
        ),
        (_("申请人"), f"{mask_name(case.applicant_name)}　{case.applicant_masked}"),
        (_("受理网点"), f"{case.outlet.name}（{case.outlet.code}）"),
        (_("网点地址"), case.outlet.address),
        (_("咨询电话"), case.outlet.phone or "—"),
        (_("经办人"), str(case.staff)),
        (_("复核人"), str(case.reviewer) if case.reviewer else "—"),
        (_("叫号时间"), _t(case.called_at)),
        (_("开始受理"), _t(case.started_at)),
        (_("办结时间"), _t(case.ended_at)),
        (_("办理状态"), CaseStatus(case.status).label),
        (_("办理结果"), case.result_message or "—"),
        (_("核心系统业务号"), case.core_reference or "—"),
        (_("承诺时限"), promise),
        (_("已收材料"), "、".join(case.materials_checked) or "—"),
        (_("扫描件"), _("%(n)s份") % {"n": case.files.count()}),
    ]
    table = Table(
        [[Paragraph(str(k), body), Paragraph(str(v), body)] for k, v in rows], colWidths=[32 * mm, 140 * mm]
    )
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa5b1")),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3fb")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))  # fmt: skip
    qrs = [[_qr(status_url), Paragraph(_("扫码查询办理进度"), body)]]
    if rating_url:
        qrs[0] += [_qr(rating_url),
                   Paragraph(_("扫码评价本次服务（好差评，一次一评）"), body)]  # fmt: skip
    qr_table = Table(qrs)
    qr_table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
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
    ]
    doc.build(story)
    return buf.getvalue()
