from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "sheyin.portal"
    label = "portal"
    verbose_name = _("公众服务")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        from . import cache

        cache.connect()  # cached public reads are dropped on every write of what they show
        section = _("公众服务")
        register(
            NavItem(
                section,
                _("政策资料"),
                "portal:material_list",
                icon="journal-richtext",
                perm="portal.manage_materials",
                order=900,
            ),
            NavItem(section, _("门户首页"), "portal:home", icon="globe2", perm=None, order=910),
        )
