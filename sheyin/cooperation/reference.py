"""Reference data for the lifecycle: the editable defaults of domain.md (Annex 1 checklist, Annex 2 and
Annex 4 agreement texts, term / objection / filing numbers). Idempotent: only what is missing is created;
the municipal center's later edits are never overwritten."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sheyin.audit.services import record

from .models import ChecklistItem, ChecklistTemplate, CooperationSettings, DocumentTemplate

G, L, M = ChecklistItem.Group, ChecklistItem.Level, ChecklistItem.Mode

# Annex 1 construction standard, "七有一能" (domain.md), as the pre-opening inspection asks it (R4.3):
# only what can be true before the outlet opens. (code, group, mode, level, text)
CHECKLIST: list[tuple[str, str, str, str, str]] = [
    ("S2", G.SIGNAGE, M.NONE, L.MUST, "在醒目位置公示社保服务事项清单"),
    ("S3", G.SIGNAGE, M.NONE, L.SHOULD, "各服务窗口、自助区设置统一的窗口标识"),
    ("Z1", G.ZONES, M.NONE, L.SHOULD, "设置导引区"),
    ("Z2", G.ZONES, M.NONE, L.SHOULD, "设置等候区，配备座椅"),
    ("Z3", G.ZONES, M.NONE, L.MUST, "设置柜台区"),
    ("Z4", G.ZONES, M.NONE, L.MUST, "设置自助服务区"),
    ("Z5", G.ZONES, M.NONE, L.MUST, "设置网厅自助区"),
    ("Z6", G.ZONES, M.NONE, L.SHOULD, "设置社保政策宣传区"),
    ("M1", G.MODES, M.TERMINAL, L.MUST, "至少1台自助服务终端，能查询、打印个人社会保险权益记录"),
    ("M2", G.MODES, M.ONLINE, L.MUST, "至少1个网厅自助服务台，配备电脑、打印机和高拍仪"),
    ("M3", G.MODES, M.ONLINE, L.MUST, "网厅自助区有指定人员引导服务"),
    ("M4", G.MODES, M.COUNTER, L.MUST, "按场地面积和服务人口设置1至2个人工窗口"),
    ("M5", G.MODES, M.COUNTER, L.MUST, "每个人工窗口配备电脑、高拍仪和第三代社保卡制卡机"),
    ("N1", G.NETWORK, M.NONE, L.MUST, "通过专线或VPN连接社保业务系统，网络连通"),
    ("N2", G.NETWORK, M.NONE, L.SHOULD, "终端安装安全防护软件，外设接口管控到位"),
    ("P2", G.STAFF, M.NONE, L.MUST, "配备至少1名引导人员"),
    ("R1", G.RULES, M.NONE, L.MUST, "建立书面内部管理制度：保密、安全、业务档案"),
    ("R2", G.RULES, M.NONE, L.SHOULD, "制定应急处置预案"),
    ("A1", G.ABILITY, M.NONE, L.SHOULD, "现场试办个人权益记录查询打印，办理成功"),
]

# What can only be true once the plaque is issued and staff are authorised (R3.2, R9.1): the plaque at the
# entrance and an authorised person at each window. Checklist version 1 asked them before opening; they are
# now asked by the opening check (OpeningCheck), with the dedicated social-insurance window (R7.3).
AFTER_OPENING_CODES = ("S1", "P1")
CHECKLIST_V2_NOTE = "标牌悬挂、授权人员到岗移至开业核查（开业后检查），开业前现场检查不再检查这两项"


def retire_after_opening_items(template_model: Any, item_model: Any, status: Any, now: Any) -> Any:
    """If the published checklist still asks S1 or P1, publish a copy without them as the next version and
    retire the old one (its inspections keep pointing at it, so they stay readable). Returns the new version
    or None. Used by the data migration and by `load`; takes the models so the migration can pass its own."""
    current = template_model.objects.filter(status=status.PUBLISHED).first()
    if current is None or not current.items.filter(code__in=AFTER_OPENING_CODES).exists():
        return None
    latest = template_model.objects.order_by("-version").values_list("version", flat=True).first()
    current.status = status.RETIRED
    current.save(update_fields=["status"])
    new = template_model.objects.create(
        version=latest + 1,
        title=current.title,
        note=CHECKLIST_V2_NOTE,
        status=status.PUBLISHED,
        published_at=now,
    )
    kept = current.items.exclude(code__in=AFTER_OPENING_CODES).order_by("order", "id")
    item_model.objects.bulk_create(
        item_model(template=new, code=i.code, group=i.group, mode=i.mode, level=i.level, text=i.text, order=n)
        for n, i in enumerate(kept, start=1)
    )
    return new


MUNICIPAL_TITLE = "北京市社会保险社银合作协议（市级）"
MUNICIPAL_BODY = """\
甲方：${agency_name}（以下简称甲方），地址：${agency_address}。
乙方：${bank_name}（以下简称乙方），统一社会信用代码：${bank_uscc}，地址：${bank_address}。

为方便企业群众就近办理社会保险业务，根据《关于全面推行社银合作管理办法（试行）》，甲乙双方本着依法合规、自愿平等、责任明确、分级管理、合理布局、安全规范的原则，经协商一致，签订本协议。

第一条 合作内容

乙方依托其在本市的营业网点，经所在区社会保险经办机构验收合格后设立社保服务合作网点，以自助服务终端、网厅自助和柜台办理三种方式，办理甲方确定的社会保险服务事项清单内的业务。

第二条 系统对接

甲乙双方业务系统采取“总对总”方式对接。乙方网点经办人员经区级经办机构培训考核合格并授权后，方可登录社会保险业务系统办理业务。

第三条 网点设立

乙方下属支行按网点逐个向所在区社会保险经办机构提出申请，经现场检查验收合格、签订区级合作协议并报甲方备案后，领取全市统一的“社保服务合作网点”标牌。

第四条 甲方的权利和义务

甲方负责制定社银合作业务规则、服务事项清单和经办标准，对合作工作进行统筹指导和监督。

第五条 乙方的权利和义务

乙方负责落实内部控制，定期开展自查，配合各级经办机构的检查；对网点人员开展保密和安全教育，采取措施防止数据泄露，未经授权不得向任何第三方提供社会保险数据。

第六条 协议期限

本协议期限为${term_years}年，自${start_date}起至${end_date}止。期满前至少${objection_days}日双方均未提出书面异议的，本协议按原条件自动续期，续期期限与原期限相同。

第七条 协议终止

任何一方要求终止本协议的，经双方协商一致后终止。乙方违反协议约定并造成不良影响的，甲方可单方面终止本协议并书面通知乙方。本协议终止的，乙方全部合作网点随之终止合作，甲方向社会公告。

第八条 其他

本协议一式两份，甲乙双方各执一份，自双方签署之日起生效。未尽事宜，由双方协商解决。
"""

DISTRICT_TITLE = "北京市社会保险社银合作网点协议（区级）"
DISTRICT_BODY = """\
甲方：${agency_name}（以下简称甲方），地址：${agency_address}。
乙方：${outlet_name}（网点编号${outlet_code}，以下简称乙方），所属银行：${bank_name}，地址：${outlet_address}。

根据《关于全面推行社银合作管理办法（试行）》及${bank_name}与北京市社会保险基金管理中心签订的合作协议，乙方经甲方现场检查验收合格，甲乙双方经协商一致，签订本协议。

第一条 服务内容

乙方按照全市统一的服务事项清单，以自助服务终端、网厅自助和柜台办理三种方式提供社会保险服务，设置${windows}个人工窗口，做到一张清单、一个标准、一套流程、无差别受理。

第二条 人员与权限

乙方经办人员须参加甲方组织的培训并考核合格、签订保密协议后，方可获得业务权限上岗。人员变动应及时报告甲方。

第三条 业务规范与档案

乙方按照业务经办规则和操作指南受理业务，做好业务档案的收集、整理，并按规定期限向甲方移交。

第四条 安全管理

乙方落实网络、人员、数据、设备和权限安全管理要求，未经授权不得向任何第三方提供社会保险数据。

第五条 监督与考核

甲方通过日常巡查、数据分析和群众评价（好差评）对乙方进行监督，并定期考核。

第六条 协议期限与备案

本协议期限为${term_years}年，自${start_date}起至${end_date}止。甲方应自签订之日起${filing_days}个工作日内报北京市社会保险基金管理中心备案。期满前至少${objection_days}日双方均未提出书面异议的，本协议按原条件自动续期。

第七条 协议终止

经双方协商一致可以终止本协议。乙方违规并造成不良影响或考核不合格的，甲方可单方面终止本协议并书面通知乙方。协议终止后，甲方撤销乙方经办人员的业务权限，收回“社保服务合作网点”标牌，并由市级经办机构向社会公告。

第八条 其他

本协议一式三份，甲乙双方各执一份，报市级经办机构备案一份，自双方签署之日起生效。
"""


@transaction.atomic
def load(stdout: Any) -> None:
    made: list[str] = []
    if not CooperationSettings.objects.exists():
        CooperationSettings.objects.create(pk=1)
        made.append("settings")
    for kind, title, body in (
        (DocumentTemplate.Kind.MUNICIPAL, MUNICIPAL_TITLE, MUNICIPAL_BODY),
        (DocumentTemplate.Kind.DISTRICT, DISTRICT_TITLE, DISTRICT_BODY),
    ):
        if not DocumentTemplate.objects.filter(kind=kind).exists():
            tpl = DocumentTemplate.objects.create(
                kind=kind, version=1, title=title, body=body, is_current=True
            )
            record(action="cooperation.template.seed", obj=tpl)
            made.append(f"template {kind}")
    if not ChecklistTemplate.objects.exists():
        checklist = ChecklistTemplate.objects.create(
            version=1,
            title="社保服务合作网点建设标准检查表（附件1）",
            note="默认标准：七有一能（有制度、有标识、有窗口、有设备、有人员、有网络、有系统、能办事）",
            status=ChecklistTemplate.Status.PUBLISHED,
            published_at=timezone.now(),
        )
        ChecklistItem.objects.bulk_create(
            ChecklistItem(
                template=checklist, code=code, group=group, mode=mode, level=level, text=text, order=i
            )
            for i, (code, group, mode, level, text) in enumerate(CHECKLIST, start=1)
        )
        record(action="cooperation.checklist.seed", obj=checklist, after={"items": len(CHECKLIST)})
        made.append("checklist v1")
    newer = retire_after_opening_items(
        ChecklistTemplate, ChecklistItem, ChecklistTemplate.Status, timezone.now()
    )
    if newer is not None:
        record(action="cooperation.checklist.seed", obj=newer, after={"version": newer.version})
        made.append(f"checklist v{newer.version}")
    stdout.write(f"cooperation reference data: {', '.join(made) if made else 'already loaded'}")
