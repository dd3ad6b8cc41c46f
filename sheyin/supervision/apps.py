from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "sheyin.supervision"
    label = "supervision"
    verbose_name = _("监督检查")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS
        from .reveal import register_revealables

        register_permissions(PERMISSIONS)
        register_revealables()
        section = _("监督检查")
        register(
            NavItem(section, _("问题发现"), "supervision:finding_list", icon="exclamation-diamond",
                    perm="supervision.view_findings", order=720),
            NavItem(section, _("整改通知"), "supervision:rectification_list", icon="tools",
                    perm="supervision.view_findings", order=725),
            NavItem(section, _("考核结果"), "supervision:appraisal_list", icon="award",
                    perm="supervision.view_appraisals", order=730),
            NavItem(section, _("约谈记录"), "supervision:talk_list", icon="chat-square-text",
                    perm="supervision.view_appraisals", order=731),
            NavItem(section, _("数据分析规则"), "supervision:rule_list", icon="funnel",
                    perm="supervision.view_rules", order=735),
            NavItem(section, _("检查计划"), "supervision:plan_list", icon="clipboard-check",
                    perm="supervision.view_inspections", order=716),
            NavItem(section, _("登记群众反映"), "supervision:complaint_new", icon="megaphone",
                    perm="supervision.manage_findings", order=721),
            NavItem(section, _("12345热线导入"), "supervision:hotline_import", icon="telephone-inbound",
                    perm="supervision.manage_findings", order=722),
            NavItem(section, _("银行自查"), "supervision:self_inspection_list", icon="bank",
                    perm="supervision.view_self_inspections", order=740),
            NavItem(section, _("会商记录"), "supervision:consultation_list", icon="people",
                    perm="supervision.view_consultations", order=745),
            NavItem(section, _("监督检查设置"), "supervision:settings", icon="sliders",
                    perm="supervision.edit_settings", order=750),
        )  # fmt: skip
        from sheyin.cooperation.open_items import register_open_item_source

        from .selectors import open_rectification_items

        register_open_item_source(open_rectification_items)
