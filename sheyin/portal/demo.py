"""Demo policy materials (R5.3): two PDF leaflets made here with ReportLab, and two articles.

Idempotent (looked up by title). Runs after the catalogue's demo/reference data, so links to catalogue
items are made by name when a catalogue is in force, and left out when none is.
"""

from __future__ import annotations

import io
import random
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.lib.pagesizes import A5
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import ListFlowable, ListItem, Paragraph, SimpleDocTemplate, Spacer

from sheyin.common.pdf import styles

from . import selectors, services
from .models import PolicyMaterial
from .workflow import Status

LEAFLETS: list[dict[str, Any]] = [
    {
        "title": "家门口的社保服务：社银合作网点服务指南",
        "summary": "在银行合作网点可以办哪些社保业务、怎么办、带什么材料。",
        "keywords": ["权益记录", "参保证明", "社保卡", "社会保障卡"],
        "sections": [
            (
                "什么是社银合作网点",
                [
                    "社银合作网点是经区社保经办机构验收、与银行签订合作协议的银行网点，门口挂有全市统一的"
                    "“社保服务合作网点”标牌。",
                ],
            ),
            (
                "三种办理方式",
                [
                    "自助终端：查询、打印个人社会保险权益记录和参保证明。",
                    "网厅自助：网点内的电脑、打印机和高拍仪，有专人指导办理网上业务。",
                    "人工窗口：经培训授权的经办人员受理登记、社保卡等业务，可即时制卡。",
                ],
            ),
            (
                "办理提示",
                [
                    "请携带本人有效身份证件或社会保障卡；代办需带代办人身份证件。",
                    "每个网点都按同一份服务事项清单、同一标准受理（无差别受理）。",
                    "办完业务后可扫描回执上的二维码进行评价。",
                ],
            ),
        ],
    },
    {
        "title": "灵活就业人员参保登记须知",
        "summary": "灵活就业人员在合作网点办理参保、停保登记的条件、材料和流程。",
        "keywords": ["灵活就业"],
        "sections": [
            ("谁可以办理", ["具有本市户籍的灵活就业人员，以及符合条件的非本市户籍灵活就业人员。"]),
            ("需要的材料", ["本人有效身份证件。", "银行结算账户信息（用于缴费扣款）。"]),
            ("办理渠道", ["网厅自助或人工窗口均可办理，一般即时办结。"]),
        ],
    },
]

ARTICLES: list[dict[str, Any]] = [
    {
        "title": "第三代社保卡在合作网点即时制卡怎么办",
        "summary": "带上身份证，到配有制卡机的合作网点人工窗口，可现场领取第三代社保卡。",
        "keywords": ["制卡", "补换", "补卡", "换卡"],
        "body": (
            "<p>第三代社会保障卡集成了身份凭证、信息记录、待遇领取、金融支付等功能。</p>"
            "<h3>办理条件</h3><ul><li>已在本市参加社会保险；</li><li>原卡遗失、损坏或需要升级为第三代卡。</li></ul>"
            "<h3>办理流程</h3><ol><li>到配有制卡机的合作网点人工窗口取号；</li>"
            "<li>经办人员核验身份、采集照片；</li><li>现场制卡、当场领取并启用社保功能。</li></ol>"
            "<p>提示：原卡挂失后才能补换新卡。临时挂失可在自助终端办理。</p>"
        ),
    },
    {
        "title": "个人社保权益记录打印件如何核验",
        "summary": "单位和办事机构收到权益记录打印件时，可扫描二维码或输入核验码确认真伪。",
        "keywords": ["权益记录"],
        "body": (
            "<p>在合作网点打印的个人社会保险权益记录，每份都有唯一的核验码和二维码。</p>"
            "<h3>怎样核验</h3><ol><li>用手机相机扫描打印件上的二维码；或</li>"
            "<li>在本站“核验”页输入核验码。</li></ol>"
            "<p>核验结果显示打印时间和记录摘要；与打印件不一致的，请拨打 <strong>12333</strong> 反映。</p>"
        ),
    },
]


def leaflet_pdf(title: str, sections: list[tuple[str, list[str]]]) -> bytes:
    """A one-page A5 leaflet with the embedded CJK font (sheyin.common.pdf)."""
    st = styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A5, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm, bottomMargin=14 * mm,
        title=title, author="北京市社会保险基金管理中心",
    )  # fmt: skip
    heading = ParagraphStyle("leaflet-title", parent=st["title"], fontSize=15, leading=20, wordWrap="CJK")
    story: list[Any] = [Paragraph(title, heading), Spacer(1, 4 * mm)]
    for heading, lines in sections:
        story.append(Paragraph(heading, st["h2"]))
        story.append(
            ListFlowable(
                [ListItem(Paragraph(line, st["body"]), leftIndent=10) for line in lines], bulletType="bullet"
            )
        )
        story.append(Spacer(1, 2 * mm))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph("北京市社会保险基金管理中心 · 咨询电话 12333", st["small"]))
    doc.build(story)
    return buf.getvalue()


def _codes(keywords: list[str]) -> list[str]:
    return sorted({i.code for i in selectors.guide_items() if any(k in i.name for k in keywords)})


def seed(rng: random.Random, stdout: Any) -> None:
    made = 0
    for spec in LEAFLETS + ARTICLES:
        if PolicyMaterial.objects.filter(title=spec["title"]).exists():
            continue
        data: dict[str, Any] = {
            "title": spec["title"],
            "summary": spec["summary"],
            "item_codes": _codes(spec["keywords"]),
        }
        if "sections" in spec:
            pdf = leaflet_pdf(spec["title"], spec["sections"])
            data.update(
                kind=PolicyMaterial.Kind.LEAFLET,
                file=SimpleUploadedFile("leaflet.pdf", pdf, content_type="application/pdf"),
                body="<p>折页要点：" + "；".join(h for h, _lines in spec["sections"]) + "。</p>",
            )
        else:
            data.update(kind=PolicyMaterial.Kind.ARTICLE, body=spec["body"])
        material = services.material_create(data=data, by=None)
        if material.status != Status.PUBLISHED:
            services.material_publish(material=material, by=None)
        made += 1
    stdout.write(f"portal: {made} policy material(s) published")
