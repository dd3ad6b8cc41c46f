"""PDFs of outlet staff: the exam certificate (with a QR code to its public verification page) and the signed
confidentiality agreement (Annex 7). ReportLab with the embedded CJK font (sheyin.common.pdf).

Both are documents of record issued by Beijing agencies, so their text is Chinese whatever the page
language (like the agreement text itself, which is the municipal center's template)."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sheyin.common.pdf import qr_image, register_font, styles

from .models import ConfidentialityAgreement, ExamAttempt

ISSUER = "北京市社会保险基金管理中心"
RULE = (
    "评分规则：单选题、判断题选对得分；多选题须与正确答案完全一致方得分，少选、多选均不得分；"
    "各题分值相同，满分100分。"
)


class _Picture(Flowable):
    """Draws an ImageReader (the QR code from sheyin.common.pdf.qr_image) at a fixed size."""

    def __init__(self, reader: ImageReader, width: float, height: float) -> None:
        super().__init__()
        self.reader, self.width, self.height = reader, width, height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height)


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), styles()[style])


def certificate_pdf(attempt: ExamAttempt, verify_url: str) -> bytes:
    """A one-page landscape certificate of a passed exam."""
    font = register_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=25 * mm, rightMargin=25 * mm, topMargin=20 * mm,
        bottomMargin=18 * mm, title=f"经办人员考核合格证书 {attempt.certificate_no}", author=ISSUER,
    )  # fmt: skip
    staff = attempt.staff
    issuer = f"{staff.district.name}" if staff.district_id else ISSUER
    rows = [
        ["姓名", staff.name, "身份证号", staff.id_number_masked],
        ["所在网点", staff.outlet.name, "银行员工编号", staff.employee_no],
        ["考核课程", attempt.course.title, "考核方式", str(attempt.get_mode_display())],
        [
            "考核成绩",
            f"{attempt.score} 分（合格线 {attempt.pass_mark} 分）",
            "考核日期",
            f"{timezone.localtime(attempt.finished_at or attempt.started_at):%Y年%m月%d日}",
        ],
        [
            "证书编号",
            attempt.certificate_no,
            "有效期至",
            f"{attempt.valid_until:%Y年%m月%d日}" if attempt.valid_until else "—",
        ],
    ]
    table = Table(
        [[_p(c) for c in r] for r in rows], colWidths=[28 * mm, 90 * mm, 30 * mm, 80 * mm], hAlign="CENTER"
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#8aa4c8")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#eef3fb")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#eef3fb")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    qr = _Picture(qr_image(verify_url, scale=3), 32 * mm, 32 * mm)
    foot = Table(
        [[
            [_p("本证书证明持证人已按《社银合作管理办法》完成社银合作网点经办人员上岗培训并通过考核。"
                "业务权限以区级社保经办机构审批授权为准。"), Spacer(1, 3 * mm), _p(RULE, "small"),
             Spacer(1, 3 * mm), _p(f"扫描二维码或访问 {verify_url} 核验证书真伪。", "small")],
            qr,
        ]],
        colWidths=[190 * mm, 40 * mm],
    )  # fmt: skip
    foot.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        _p("社银合作网点经办人员考核合格证书", "title"),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 8 * mm),
        foot,
        Spacer(1, 4 * mm),
        _p(f"发证机构：{issuer}", "h2"),
    ]
    doc.build(story)
    return buf.getvalue()


def agreement_pdf(agreement: ConfidentialityAgreement) -> bytes:
    """The agreement as signed: the template text, the signer, the time and the client address."""
    font = register_font()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm, topMargin=20 * mm, bottomMargin=18 * mm,
        title=agreement.title, author=ISSUER,
    )  # fmt: skip
    staff = agreement.staff
    story: list = [_p(agreement.title, "title"), Spacer(1, 4 * mm)]
    parties = Table(
        [
            [_p("甲方（经办机构）"), _p(staff.district.name if staff.district_id else ISSUER)],
            [_p("乙方（经办人员）"), _p(f"{staff.name}（身份证号 {staff.id_number_masked}）")],
            [_p("所在网点"), _p(f"{staff.outlet.name}（{staff.bank.name}）")],
        ],
        colWidths=[38 * mm, 128 * mm],
    )
    parties.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4d6")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f9")),
            ]
        )
    )
    story += [parties, Spacer(1, 5 * mm)]
    for para in agreement.body.splitlines():
        if para.strip():
            story += [_p(para.strip()), Spacer(1, 2 * mm)]
    signed = timezone.localtime(agreement.signed_at)
    sign = Table(
        [
            [_p("签署方式"), _p("本人登录系统在线签署（键入姓名并勾选同意）")],
            [_p("签署姓名"), _p(agreement.signed_name)],
            [_p("签署时间"), _p(f"{signed:%Y年%m月%d日 %H:%M:%S}")],
            [_p("签署终端地址"), _p(agreement.client_address or "—")],
            [_p("有效期至"), _p(f"{agreement.valid_until:%Y年%m月%d日}")],
            [_p("协议版本"), _p(f"v{agreement.template.version}")],
        ],
        colWidths=[38 * mm, 128 * mm],
    )
    sign.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4d6")),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f4f9")),
            ]
        )
    )
    story += [Spacer(1, 4 * mm), _p("签署记录", "h2"), sign]
    doc.build(story)
    return buf.getvalue()
