from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "sheyin.catalogue"
    label = "catalogue"
    verbose_name = _("服务事项")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("服务事项")
        register(
            NavItem(
                section,
                _("现行清单"),
                "catalogue:current",
                icon="list-check",
                perm="catalogue.view",
                order=300,
            ),
            NavItem(
                section,
                _("版本管理"),
                "catalogue:version_list",
                icon="layers",
                perm="catalogue.view",
                order=310,
            ),
            NavItem(
                section, _("版本比对"), "catalogue:diff", icon="file-diff", perm="catalogue.view", order=320
            ),
            NavItem(
                section,
                _("服务事项建议"),
                "catalogue:proposal_list",
                icon="lightbulb",
                perm="catalogue.view_proposals",
                order=330,
            ),
        )
