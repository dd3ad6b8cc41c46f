"""Reference data of outlet staffing: the default confidentiality agreement (Annex 7) and the default rules.

Annex 7 is not public; this is a sensible default the municipal center edits in the UI (each edit is a new
version). Idempotent: nothing is created when a template already exists.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sheyin.audit.services import record

from .models import AgreementTemplate, StaffingSettings

TITLE = "社银合作网点经办人员保密协议"

BODY = """\
为加强社会保险信息安全管理，保护参保人员个人信息，根据《中华人民共和国社会保险法》《中华人民共和国个人信息保护法》《中华人民共和国数据安全法》《中华人民共和国网络安全法》及《社银合作管理办法》，甲方（区级社会保险经办机构）与乙方（社银合作网点经办人员）就乙方在合作网点办理社会保险业务期间的保密事项，订立本协议。
一、保密信息的范围
本协议所称保密信息，是指乙方因办理社会保险业务而接触、知悉或者处理的各类信息，包括但不限于：参保人员和参保单位的姓名（名称）、社会保障号码（身份证号码）、联系方式、住址、参保缴费记录、待遇核定与发放信息、社会保障卡信息、医疗及工伤相关信息等个人信息和敏感个人信息；社会保险业务系统的账号、口令、网络地址、系统配置、操作手册及内部管理制度；以及甲方明确要求保密的其他信息。
二、乙方的保密义务
（一）乙方应当依照《中华人民共和国个人信息保护法》的规定，遵循合法、正当、必要和诚信原则处理个人信息，仅为办理参保人员申请的社会保险业务而查询、使用相关信息，不得超出业务需要查询、复制、摘录、留存。
（二）乙方应当严格遵守《中华人民共和国社会保险法》第八十一条的规定，对在工作中知悉的用人单位和个人信息予以保密，不得泄露。
（三）未经甲方书面同意，乙方不得以任何方式向第三方（包括乙方所在银行的其他部门及人员）提供、披露、出售或者转让社会保险数据；不得将社会保险数据用于营销、征信或者其他与所办业务无关的用途。
（四）乙方只能使用本人账号登录社会保险业务系统，妥善保管账号、口令和数字证书，不得转借、共用或者告知他人；离开工作岗位时应当锁定或者退出系统。
（五）乙方不得擅自拍摄、截屏、打印或者以移动存储介质拷贝业务数据；因业务需要打印的材料，应当按照规定交付本人或者移交经办机构归档，废弃材料应当及时销毁。
（六）乙方不得在非授权的终端、网络或者应用程序中处理社会保险数据，不得私自安装软件或者更改业务终端和网络设备的配置。
（七）乙方发现信息泄露、系统异常、账号被盗用等安全事件或者隐患时，应当立即停止相关操作，并向所在网点负责人和甲方报告，配合调查处置。
三、监督与检查
甲方有权通过业务日志、数据分析和现场检查等方式，对乙方遵守本协议的情况进行监督检查，乙方应当予以配合。乙方的业务操作将被记录并留存审计。
四、违约责任
乙方违反本协议的，甲方有权立即撤销其业务权限，并通报其所在银行依照有关规定处理；造成个人信息泄露或者其他损失的，依法承担相应的民事责任；构成违反治安管理行为或者犯罪的，移送有关机关依法处理。
五、保密期限
乙方的保密义务自签署本协议之日起生效，不因乙方离职、调动、业务权限撤销或者本协议有效期届满而解除。
六、其他
本协议有效期届满或者协议文本修订后，乙方应当重新签署。乙方通过本人账号在系统中键入姓名并确认同意，即视为本人签署，与书面签字具有同等效力。系统留存签署文本、签署时间和终端地址。
"""


@transaction.atomic
def load(stdout: Any) -> None:
    created = 0
    if not AgreementTemplate.objects.exists():
        tpl = AgreementTemplate.objects.create(version=1, title=TITLE, body=BODY)
        record(action="agreement_template.seed", obj=tpl)
        created += 1
    StaffingSettings.current()
    stdout.write(f"staffing reference data: {created} agreement template(s) created")
