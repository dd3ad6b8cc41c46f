from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "sheyin.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("接口管理")
        register(
            NavItem(
                section, _("接口客户端"), "api:client_list", icon="plug", perm="api.manage_clients", order=700
            ),
            NavItem(
                section,
                _("个人访问令牌"),
                "api:token_list",
                icon="key",
                perm="api.personal_tokens",
                order=710,
            ),
            NavItem(
                section,
                _("接口文档"),
                "api-v1:openapi-view",
                icon="book",
                perm="api.personal_tokens",
                order=720,
            ),
        )
