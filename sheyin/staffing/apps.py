from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffingConfig(AppConfig):
    name = "sheyin.staffing"
    label = "staffing"
    verbose_name = _("经办人员")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS
        from .reveal import register_revealables

        register_permissions(PERMISSIONS)
        register_revealables()
        section = _("经办人员")
        register(
            NavItem(section, _("我的培训与授权"), "staffing:my", icon="person-badge", perm="staffing.take_exam",
                    order=300),
            NavItem(section, _("人员花名册"), "staffing:staff_list", icon="people", perm="staffing.view", order=310),
            NavItem(section, _("人员调动"), "staffing:transfer_list", icon="arrow-left-right",
                    perm="staffing.transfer", order=315),
            NavItem(section, _("培训管理"), "staffing:session_list", icon="easel", perm="staffing.view", order=320),
            NavItem(section, _("考试与题库"), "staffing:exam_list", icon="pencil-square", perm="staffing.view",
                    order=330),
            NavItem(section, _("保密协议"), "staffing:agreement_list", icon="file-earmark-lock",
                    perm="staffing.view", order=340),
            NavItem(section, _("业务权限"), "staffing:grant_list", icon="shield-check", perm="staffing.view",
                    order=350),
            NavItem(section, _("人员配备检查"), "staffing:check", icon="clipboard-check", perm="staffing.check",
                    order=360),
            NavItem(section, _("参数设置"), "staffing:settings", icon="sliders", perm="staffing.edit_settings",
                    order=370),
        )  # fmt: skip
