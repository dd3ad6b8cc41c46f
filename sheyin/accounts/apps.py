from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sheyin.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from sheyin.common import listing
        from sheyin.common.nav import NavItem, register

        from . import checks, signals  # noqa: F401
        from .scope import scoped

        listing.register_scoper(scoped)

        register(
            NavItem(
                _("系统管理"),
                _("用户管理"),
                "accounts:user_list",
                icon="people",
                perm="accounts.view_users",
                order=800,
            ),
        )
