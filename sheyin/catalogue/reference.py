"""The default service catalogue (domain.md, "Service catalogue (R5.1) — a realistic default"), loaded by
`manage.py seed_reference` as version 1, published, in force from 2026-01-01 00:00 Beijing time.

Item names follow the national 人社政务服务事项 list; channels, limits and risk levels are defaults the
municipal center edits through new versions. Idempotent: does nothing once any version exists.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.html import escape

from .choices import Audience, Category, Channel, Risk

EFFECTIVE = dt.datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SUMMARY = "首版服务事项清单，依据《关于全面推行社银合作管理办法（试行）》第五部分及附件5制定，自2026年1月1日起施行。"

SI_LAW = "《中华人民共和国社会保险法》"
RECORD_RULE = "《社会保险个人权益记录管理办法》（人力资源社会保障部令第14号）"
TRANSFER_RULE = "《城镇企业职工基本养老保险关系转移接续暂行办法》（国办发〔2009〕66号）"
RESIDENT_RULE = "《国务院关于建立统一的城乡居民基本养老保险制度的意见》（国发〔2014〕8号）"
UNEMPLOYMENT = "《失业保险条例》（国务院令第258号）"
EMPLOYMENT_RULE = "《就业服务与就业管理规定》"
CARD_RULE = "《社会保障卡管理办法》"
ID = "居民身份证或社会保障卡"

IND, BOTH = Audience.INDIVIDUAL, Audience.BOTH
Q, R, BEN, CARD = Category.QUERY, Category.REGISTRATION, Category.BENEFITS, Category.CARD
LOW, MED, HIGH = Risk.LOW, Risk.MEDIUM, Risk.HIGH

# code, name, category, audience, channels, materials, legal basis, limit (working days, 0 = on the spot),
# risk, card machine, a note for the guide
ITEMS: list[tuple[Any, ...]] = [
    ("SY-Q-001", "个人权益记录（参保缴费信息）查询打印", Q, IND, "TOW", [ID], f"{SI_LAW}第七十四条；{RECORD_RULE}", 0, LOW, False,
     "打印件载有核验码，可在门户网站核验真伪；社会保障号码在打印件上脱敏显示。"),
    ("SY-Q-002", "参保证明查询打印", Q, BOTH, "TOW", [ID, "单位办理的，提供经办人身份证和单位授权书"], f"{SI_LAW}第七十四条；{RECORD_RULE}", 0, LOW, False,
     "单位参保证明由单位经办人在网厅自助区或人工窗口办理。"),
    ("SY-Q-003", "养老保险个人账户查询", Q, IND, "TO", [ID], f"{SI_LAW}第十四条；{RECORD_RULE}", 0, LOW, False,
     "可查询个人账户累计储存额和历年记账明细。"),
    ("SY-Q-004", "养老金发放明细查询打印", Q, IND, "TO", [ID], f"{SI_LAW}第七十四条", 0, LOW, False,
     "可按月份查询和打印基本养老金发放明细。"),
    ("SY-Q-005", "失业保险金发放查询", Q, IND, "TO", [ID], f"{SI_LAW}第七十四条；{UNEMPLOYMENT}", 0, LOW, False,
     "可查询失业保险金的核定期限和逐月发放情况。"),
    ("SY-Q-006", "社会保障卡应用状态查询", Q, IND, "TOW", [ID], f"{SI_LAW}；{CARD_RULE}", 0, LOW, False,
     "可查询社保卡制卡进度、金融功能和社保功能的启用状态、挂失状态。"),
    ("SY-Q-007", "电子退休证打印", Q, IND, "TO", [ID], f"{SI_LAW}第七十四条", 0, LOW, False,
     "已办理退休的人员可打印电子退休证。"),
    ("SY-R-001", "灵活就业人员参保登记", R, IND, "OW", ["居民身份证", "非本市户籍人员提供北京市居住证"], f"{SI_LAW}第十条、第二十三条", 1, MED, False,
     "登记后按月缴费；缴费基数在本市公布的上下限之间自选。"),
    ("SY-R-002", "灵活就业人员停保登记", R, IND, "OW", ["居民身份证"], f"{SI_LAW}第十条、第二十三条", 1, MED, False,
     "停保后如需继续参保，须重新办理参保登记。"),
    ("SY-R-003", "参保人员基本信息变更", R, IND, "OW", ["居民身份证", "变更事项的证明材料（如户口簿、公安机关出具的证明）"], f"{SI_LAW}第五十八条", 3, MED, False,
     "姓名、公民身份号码等关键信息变更须核验原件，高拍仪留存影像。"),
    ("SY-R-004", "城乡居民养老保险参保登记", R, IND, "OW", ["居民身份证", "户口簿"], f"{SI_LAW}第二十条；{RESIDENT_RULE}", 1, MED, False,
     "年满16周岁（不含在校学生）、未参加职工基本养老保险的本市户籍城乡居民可参保。"),
    ("SY-R-005", "城乡居民养老保险缴费档次变更", R, IND, "OW", ["居民身份证"], RESIDENT_RULE, 0, LOW, False,
     "每年可调整一次缴费档次。"),
    ("SY-B-001", "领取养老保险待遇资格认证", BEN, IND, "TOW", ["本人到场（人脸识别）", ID], f"{SI_LAW}第七十四条", 0, MED, False,
     "须本人办理，不得代办；自助终端通过人脸识别完成认证。"),
    ("SY-B-002", "基本养老保险关系转移接续申请", BEN, IND, "OW", ["居民身份证", "参保缴费凭证（转出地开具）"], f"{SI_LAW}第十九条；{TRANSFER_RULE}", 15, HIGH, False,
     "涉及基金转移，网点受理后将材料移交区社保经办机构审核；经办人员须核对参保缴费凭证原件。"),
    ("SY-B-003", "参保缴费凭证开具", BEN, BOTH, "OW", [ID], TRANSFER_RULE, 0, LOW, False,
     "跨统筹地区流动就业时开具，作为转移接续的依据。"),
    ("SY-B-004", "失业登记", BEN, IND, "OW", ["居民身份证", "社会保障卡", "与原单位终止或解除劳动关系的证明"], f"{EMPLOYMENT_RULE}；{UNEMPLOYMENT}", 0, MED, False,
     "办理失业登记后方可申领失业保险金和享受就业服务。"),
    ("SY-B-005", "失业保险金申领", BEN, IND, "OW", ["居民身份证", "社会保障卡（金融功能已激活）"], f"{SI_LAW}第四十五条至第五十条；{UNEMPLOYMENT}", 5, HIGH, False,
     "涉及基金支付，须本人办理；经办人员核验身份并确认未就业、未领取养老金。"),
    ("SY-B-006", "就业创业证申领", BEN, IND, "OW", ["居民身份证"], EMPLOYMENT_RULE, 1, LOW, False,
     "就业创业证用于记录就业失业状况和享受扶持政策情况。"),
    ("SY-C-001", "社保卡申领", CARD, IND, "W", ["居民身份证", "近期免冠彩色照片（可现场采集）"], f"{SI_LAW}；{CARD_RULE}", 20, MED, False,
     "不需立即取卡的，申领后由发卡银行制卡，短信通知领卡。"),
    ("SY-C-002", "社保卡即时制卡/补换卡", CARD, IND, "W", ["居民身份证", "原社会保障卡（换卡时）"], f"{SI_LAW}；{CARD_RULE}", 0, MED, True,
     "使用第三代社保卡制卡机现场制卡，立等可取；补卡前须先办理挂失。"),
    ("SY-C-003", "社保卡社保功能启用", CARD, IND, "TW", ["社会保障卡", "居民身份证"], CARD_RULE, 0, MED, False,
     "新领社保卡须启用社保功能后方可用于就医结算等社保业务。"),
    ("SY-C-004", "社保卡临时挂失", CARD, IND, "TOW", [ID], CARD_RULE, 0, LOW, False,
     "临时挂失有效期内未解挂的，须办理正式挂失和补卡。"),
    ("SY-C-005", "社保卡解挂", CARD, IND, "W", ["居民身份证", "社会保障卡"], CARD_RULE, 0, HIGH, False,
     "须本人持身份证原件在人工窗口办理，经办人员核验人证一致。"),
    ("SY-C-006", "社保卡信息变更", CARD, IND, "W", ["居民身份证", "变更事项的证明材料"], CARD_RULE, 1, HIGH, False,
     "变更姓名、证件号码等信息后须换发新卡。"),
    ("SY-C-007", "社保卡注销", CARD, IND, "W", ["居民身份证", "社会保障卡", "人员死亡的，提供死亡证明和代办人身份证"], CARD_RULE, 0, HIGH, False,
     "注销后卡片不可恢复；金融账户余额须先在发卡银行处理。"),
    ("SY-C-008", "社保卡密码修改/重置", CARD, IND, "TW", ["社会保障卡", "重置密码须提供居民身份证"], CARD_RULE, 0, MED, False,
     "修改密码须输入原密码；遗忘密码的，本人持身份证在人工窗口重置。"),
    ("SY-C-009", "电子社保卡申领指导", CARD, IND, "O", ["手机（安装电子社保卡签发渠道应用）", "实体社会保障卡"], CARD_RULE, 0, LOW, False,
     "网厅自助区引导人员协助群众通过手机申领电子社保卡。"),
]  # fmt: skip

STEPS = {
    Channel.TERMINAL: "在自助终端选择本事项，刷身份证或社保卡、人脸识别后按提示操作。",
    Channel.ONLINE: "在网厅自助区登录北京市社会保险网上服务平台办理，引导人员可协助操作、高拍仪上传材料。",
    Channel.COUNTER: "到人工窗口提交材料，经办人员核验后在社保业务系统中受理，并出具受理回执。",
}


def guide(channels: str, materials: list[str], limit: int, note: str) -> str:
    parts = ["<h4>办理方式</h4><ul>"]
    parts += [
        f"<li><strong>{escape(Channel(c).label)}</strong>：{escape(STEPS[Channel(c)])}</li>" for c in channels
    ]
    parts.append("</ul><h4>所需材料</h4><ol>")
    parts += [f"<li>{escape(m)}</li>" for m in materials]
    parts.append("</ol><h4>办理时限</h4>")
    parts.append("<p>即时办结。</p>" if limit == 0 else f"<p>{limit}个工作日内办结。</p>")
    parts.append(f"<h4>温馨提示</h4><p>{escape(note)}</p>")
    parts.append("<p>本事项在全市各合作网点无差别受理。</p>")
    return "".join(parts)


def rows() -> list[dict[str, Any]]:
    out = []
    for code, name, cat, aud, ch, mats, basis, limit, risk, machine, note in ITEMS:
        out.append(
            {
                "code": code,
                "name": name,
                "category": cat.value,
                "audience": aud.value,
                "channels": ch,
                "materials": "\n".join(mats),
                "legal_basis": basis,
                "time_limit_days": limit,
                "risk": risk.value,
                "needs_card_machine": machine,
                "guide": guide(ch, mats, limit, note),
            }
        )
    return out


def load(stdout: Any) -> None:
    from . import services
    from .models import CatalogueVersion

    if CatalogueVersion.objects.exists():
        stdout.write("catalogue: already loaded")
        return
    with transaction.atomic():
        version = services.version_create_draft(by=None, summary=SUMMARY)
        services.items_load(version=version, rows=rows(), by=None)
        services.version_submit(version=version, by=None)
        services.version_publish(version=version, by=None, effective_from=EFFECTIVE)
    stdout.write(f"catalogue: version {version.number} published with {len(ITEMS)} items")
