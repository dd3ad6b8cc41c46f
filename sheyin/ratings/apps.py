from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "sheyin.ratings"
    label = "ratings"
    verbose_name = _("好差评")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS
        from .reveal import register_revealables

        register_permissions(PERMISSIONS)
        register_revealables()
        section = _("好差评")
        register(
            NavItem(section, _("差评整改"), "ratings:bad_list", icon="exclamation-triangle",
                    perm="ratings.view_bad_reviews", order=900),
            NavItem(section, _("评价明细"), "ratings:list", icon="chat-square-heart", perm="ratings.view", order=910),
            NavItem(section, _("评价统计"), "ratings:statistics", icon="bar-chart", perm="ratings.view_statistics",
                    order=920),
            NavItem(section, _("月度排名"), "ratings:ranking", icon="trophy", perm="ratings.view_statistics",
                    order=930),
            NavItem(section, _("好差评设置"), "ratings:settings", icon="sliders", perm="ratings.settings", order=940),
        )  # fmt: skip
