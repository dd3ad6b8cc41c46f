from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "sheyin.accounts"
    label = "accounts"
    verbose_name = _("账号与权限")

    def ready(self) -> None:
        from sheyin.common import listing
        from sheyin.common.nav import NavItem, register
        from sheyin.common.shell import register_header_extra

        from . import checks, signals  # noqa: F401
        from .help import help_link
        from .scope import scoped

        listing.register_scoper(scoped)
        register_header_extra(help_link)

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
