from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KioskConfig(AppConfig):
    name = "sheyin.kiosk"
    label = "kiosk"
    verbose_name = _("自助终端")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("业务受理")
        register(
            NavItem(section, _("自助终端"), "kiosk:terminal_list", icon="display", perm="kiosk.view_terminals",
                    order=450),
            NavItem(section, _("终端查询日志"), "kiosk:query_list", icon="journal-text", perm="kiosk.view_queries",
                    order=455),
        )  # fmt: skip
