from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "sheyin.dashboards"
    label = "dashboards"
    verbose_name = _("工作台")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        register(
            NavItem(_("统计分析"), _("统计报表"), "dashboards:report_list", icon="file-earmark-bar-graph",
                    perm="dashboards.view_reports", order=50),
        )  # fmt: skip
