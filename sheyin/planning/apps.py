from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "sheyin.planning"
    label = "planning"
    verbose_name = _("布局规划")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from . import tasks  # noqa: F401  (the plan-run job)
        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("布局规划")
        register(
            NavItem(section, _("网点布局图"), "planning:map", icon="map", perm="planning.view", order=400),
            NavItem(section, _("覆盖分析"), "planning:coverage", icon="bullseye", perm="planning.view",
                    order=410),
            NavItem(section, _("选址推荐"), "planning:run_list", icon="geo-alt", perm="planning.view",
                    order=420),
            NavItem(section, _("规划点位"), "planning:planned_list", icon="pin-map", perm="planning.planned",
                    order=425),
            NavItem(section, _("需求与候选点导入"), "planning:import_list", icon="cloud-upload",
                    perm="planning.view", order=430),
            NavItem(section, _("布局规划参数"), "planning:settings", icon="sliders", perm="planning.settings",
                    order=440),
        )  # fmt: skip
