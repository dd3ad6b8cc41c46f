"""Words for the audit trail's codes, in the viewer's language.

An event stores its action (``cooperation.application.accept``), its object type (``accounts.user``) and
the actor's roles as written when it happened; all three are part of the sealed row and never change.
Pages show them through these functions: the action as "对象：动作" words, the object type as the model's
verbose name, and the roles re-rendered in the viewer's language whatever language the actor used.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import override, pgettext_lazy

from sheyin.accounts.roles import Role


def _(message: str) -> Promise:
    """The audit trail's own words: a context keeps them from replacing the same Chinese words elsewhere
    (the first app's catalogue wins for a shared msgid, and "批准" here is "approved", not a button's "Approve")."""
    return pgettext_lazy("audit", message)


# Whole actions whose words are not "object: verb".
ACTIONS: dict[str, Promise] = {
    "auth.login": _("登录"),
    "auth.login_failed": _("登录失败"),
    "auth.logout": _("退出登录"),
    "api.call": _("接口调用"),
    "api.refused": _("接口调用被拒绝"),
    "pii.reveal": _("查看完整个人信息"),
    "staffing.reminders": _("发送培训与授权提醒"),
    "export_job.expire": _("清除过期的导出文件"),
    "staffing.settings_update": _("修改人员管理参数"),
    "support.settings_update": _("修改问题工单参数"),
    "support.contact_set": _("设置区联系人"),
    "notification.mark_all_read": _("全部标为已读"),
    "appraisal.formal_talk": _("考核：约谈"),
    "kiosk.identify": _("自助终端：身份核验"),
    "kiosk.identify_failed": _("自助终端：身份核验失败"),
    "kiosk.view_record": _("自助终端：查询权益记录"),
    "kiosk.print_record": _("自助终端：打印权益记录"),
    "kiosk.reveal_phone": _("自助终端：显示电话号码"),
    "test.event": _("测试事件"),
}

# The object part of an action (everything before the last dot), with or without its app prefix.
ENTITIES: dict[str, Promise] = {
    "agency": _("经办机构"),
    "agreement": _("保密协议"),
    "agreement_template": _("保密协议模板"),
    "analysis_rule": _("数据分析规则"),
    "api_client": _("接口客户端"),
    "api_token": _("接口令牌"),
    "appraisal": _("网点考核"),
    "archive": _("业务档案"),
    "bad_review": _("差评整改"),
    "bank": _("银行"),
    "calendar": _("工作日历"),
    "case": _("受理业务"),
    "catalogue.item": _("服务事项"),
    "catalogue.version": _("服务事项清单版本"),
    "change_request": _("网点变更申请"),
    "consultation": _("会商"),
    "cooperation.agreement": _("合作协议"),
    "cooperation.application": _("网点设立申请"),
    "cooperation.bank_application": _("银行合作申请"),
    "cooperation.change_request": _("网点变更申请"),
    "cooperation.checklist": _("现场检查表"),
    "cooperation.demo": _("演示数据"),
    "cooperation.filing": _("协议备案"),
    "cooperation.inspection": _("现场检查"),
    "cooperation.layout_exception": _("布局例外申请"),
    "cooperation.open_item": _("终止后待办事项"),
    "cooperation.opening_check": _("开业核查"),
    "cooperation.outlet": _("合作网点"),
    "cooperation.plaque": _("网点标牌"),
    "cooperation.template": _("文书模板"),
    "cooperation.termination": _("终止合作"),
    "course": _("培训课程"),
    "dashboards.report": _("统计报表"),
    "dashboards.report_run": _("报表生成任务"),
    "education": _("保密和安全教育"),
    "enrolment": _("培训报名"),
    "exam": _("考试"),
    "faq": _("常见问题"),
    "finding": _("问题发现"),
    "formal_talk": _("约谈"),
    "grant": _("业务授权"),
    "guidance": _("远程视频指导"),
    "guided": _("网厅自助引导"),
    "handover": _("档案移交"),
    "inspection": _("日常检查"),
    "inspection_plan": _("检查计划"),
    "kiosk": _("自助终端"),
    "notice": _("公示公告"),
    "opening_check": _("开业核查"),
    "outlet": _("合作网点"),
    "planning.candidate_import": _("候选地点导入"),
    "planning.candidateimport": _("候选地点导入"),
    "planning.demand_import": _("人口数据导入"),
    "planning.demandimport": _("人口数据导入"),
    "planning.plan_run": _("选址计算"),
    "planning.planned_site": _("规划点位"),
    "planning.settings": _("布局规划参数"),
    "plaque": _("网点标牌"),
    "portal.material": _("政策解读材料"),
    "proposal": _("服务事项建议"),
    "question": _("考试题目"),
    "rating": _("好差评"),
    "rating_settings": _("好差评参数"),
    "rating_token": _("评价码"),
    "receipt": _("回执"),
    "rectification": _("整改"),
    "role": _("角色"),
    "self_inspection": _("银行自查"),
    "session": _("培训场次"),
    "staff": _("经办人员"),
    "supervision_settings": _("监督考核参数"),
    "termination_proposal": _("终止合作提议"),
    "test_terminal": _("测试终端"),
    "ticket": _("问题工单"),
    "transfer": _("人员调动"),
    "user": _("用户"),
}

VERBS: dict[str, Promise] = {
    "absent": _("记录缺席"),
    "accept": _("验收"),
    "action_add": _("添加跟进事项"),
    "action_done": _("完成跟进事项"),
    "activate": _("激活"),
    "activation_sent": _("发送激活邮件"),
    "adopt": _("采纳"),
    "admit": _("受理"),
    "answer": _("答复"),
    "appeal": _("申诉"),
    "approve": _("批准"),
    "assign": _("分配"),
    "attach": _("上传材料"),
    "attend": _("记录出席"),
    "call": _("调用"),
    "cancel": _("取消"),
    "cancelled": _("已取消"),
    "carry": _("纳入清单"),
    "choose_item": _("选择事项"),
    "close": _("办结"),
    "complete": _("完成"),
    "compute": _("计算"),
    "correct": _("更正"),
    "create": _("新建"),
    "delete": _("删除"),
    "disable": _("停用"),
    "discard": _("作废"),
    "dismiss": _("排除"),
    "district_agreements": _("生成区级协议"),
    "enable": _("启用"),
    "escalate": _("升级"),
    "execute": _("执行"),
    "expire": _("到期"),
    "fail": _("失败"),
    "finish": _("完成"),
    "follow_up": _("跟进"),
    "formal_talk": _("约谈"),
    "forward": _("转报"),
    "generate": _("生成"),
    "identify": _("核验身份"),
    "import": _("导入"),
    "invite_again": _("再次邀请评价"),
    "issue": _("颁发"),
    "language_set": _("设置语言"),
    "lapse": _("失效"),
    "leave": _("离岗"),
    "link_user": _("绑定账号"),
    "log": _("登记"),
    "materials": _("登记材料"),
    "move": _("调整"),
    "municipal_agreements": _("生成市级协议"),
    "open": _("开启"),
    "opening_checks": _("生成开业核查"),
    "order": _("下达整改"),
    "overdue_alert": _("逾期提醒"),
    "password_change": _("修改密码"),
    "password_reset": _("重置密码"),
    "plaques": _("生成标牌"),
    "propose": _("提出"),
    "publish": _("发布"),
    "publish_year": _("发布年度日历"),
    "raise": _("提出"),
    "receive": _("接收"),
    "record": _("记录"),
    "record_offline": _("登记线下成绩"),
    "recover": _("收回"),
    "rectify": _("整改"),
    "register": _("登记"),
    "reinstate": _("恢复"),
    "reject": _("驳回"),
    "remind": _("提醒"),
    "remove": _("移除"),
    "remove_file": _("删除文件"),
    "reopen": _("重新打开"),
    "reply": _("答复"),
    "request": _("申请"),
    "request_review": _("提交复核"),
    "resubmit": _("重新提交"),
    "return": _("退回"),
    "review": _("审核"),
    "review_approve": _("复核通过"),
    "review_return": _("复核退回"),
    "revoke": _("撤销"),
    "revoke_for_outlet": _("按网点撤销"),
    "rotate": _("更换密钥"),
    "save": _("保存"),
    "schedule": _("安排"),
    "seed": _("初始化"),
    "send": _("移交"),
    "sessions_revoked": _("注销全部会话"),
    "set_day": _("设置日期"),
    "sign": _("签署"),
    "start": _("开始"),
    "submit": _("提交"),
    "supersede": _("被替代"),
    "suspend": _("暂停服务"),
    "tampered": _("发现被篡改"),
    "terminal_activate": _("激活终端"),
    "terminal_disable": _("停用终端"),
    "terminal_enable": _("启用终端"),
    "terminal_register": _("登记终端"),
    "terminal_rotate_credential": _("更换终端凭证"),
    "transfer": _("调动"),
    "uncarry": _("撤出清单"),
    "unlock": _("解锁"),
    "update": _("修改"),
    "verify": _("核实"),
    "withdraw": _("撤回"),
}

APP_PREFIXES = ("cooperation.", "planning.", "dashboards.", "portal.", "catalogue.", "kiosk.")


def _entity(prefix: str) -> Promise | None:
    if prefix in ENTITIES:
        return ENTITIES[prefix]
    for app in APP_PREFIXES:
        if prefix.startswith(app) and prefix[len(app) :] in ENTITIES:
            return ENTITIES[prefix[len(app) :]]
    return None


def action_known(action: str) -> bool:
    """Whether the action has words of its own (not the generic fallback)."""
    if action in ACTIONS:
        return True
    prefix, _dot, verb = action.rpartition(".")
    return _entity(prefix) is not None and verb in VERBS


def action_label(action: str, object_type: str = "") -> str:
    """ "网点设立申请：验收" for ``cooperation.application.accept``; never the code itself."""
    if action in ACTIONS:
        return str(ACTIONS[action])
    prefix, _dot, verb = action.rpartition(".")
    entity = _entity(prefix)
    what = str(entity) if entity is not None else object_type_label(object_type) or str(_("系统"))
    words = VERBS[verb] if verb in VERBS else _("其他操作")
    return str(_("%(what)s：%(verb)s")) % {"what": what, "verb": words}


def object_type_label(object_type: str) -> str:
    """The model's verbose name for ``app_label.model``; blank when there is none."""
    if not object_type:
        return ""
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return ""
    return str(model._meta.verbose_name)


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _field(model: Any, key: str) -> Any:
    for name in (key, key.removesuffix("_id")):
        try:
            field = model._meta.get_field(name)
        except (FieldDoesNotExist, AttributeError):
            continue
        if getattr(field, "concrete", False):  # a reverse relation has the name but no words of its own
            return field
    return None


def _value_words(field: Any, value: Any) -> str:
    if value is None or value == "":
        return "—"
    choices = dict(getattr(field, "flatchoices", None) or [])
    if not isinstance(value, (dict, list)) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("是") if value else _("否"))
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and _ISO_TIME.match(value):
        # a time recorded in UTC (JSON) reads in the local time the rest of the page uses
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (
            timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if timezone.is_aware(moment) else value
        )
    return str(value)


def change_rows(object_type: str, before: Any, after: Any) -> list[tuple[str, str, str]]:
    """The changed facts as (field words, before, after) rows: a field of the object's model reads as its
    verbose name and a choice as its label; a key the model does not have (a service's own detail) stays as
    it was recorded. Rows appear in the order recorded, before's keys first."""
    before = before if isinstance(before, dict) else ({} if before is None else {"": before})
    after = after if isinstance(after, dict) else ({} if after is None else {"": after})
    try:
        model = apps.get_model(object_type) if object_type else None
    except (LookupError, ValueError):
        model = None
    rows = []
    for key in dict.fromkeys([*before, *after]):
        field = _field(model, key) if model is not None and key else None
        words = str(field.verbose_name) if field is not None else key
        rows.append((words, _value_words(field, before.get(key)), _value_words(field, after.get(key))))
    return rows


def _role_words() -> dict[str, Role]:
    words: dict[str, Role] = {}
    for language in ("zh-hans", "en"):
        with override(language):
            for role in Role:
                words[str(role.label)] = role
    return words


def role_label(stored: str) -> str:
    """The actor's roles as stored ("市级管理员、审计管理员", or the English words of an English-speaking
    actor), re-rendered in the viewer's language; unknown words are shown as they are."""
    if not stored:
        return ""
    words = _role_words()
    parts = [p.strip() for p in stored.replace(",", "、").split("、")]
    return "、".join(str(words[p].label) if p in words else p for p in parts if p)
