from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "sheyin.support"
    label = "support"
    verbose_name = _("问题反馈")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("问题反馈")
        register(
            NavItem(section, _("问题工单"), "support:ticket_list", icon="chat-left-dots", perm="support.view",
                    order=700),
            NavItem(section, _("远程指导"), "support:guidance_list", icon="camera-video", perm="support.view",
                    order=705),
            NavItem(section, _("常见问题"), "support:faq", icon="question-circle", perm="support.view", order=710),
            NavItem(section, _("区级联系人"), "support:contact_list", icon="person-lines-fill",
                    perm="support.answer", order=715),
            NavItem(section, _("问题反馈设置"), "support:settings", icon="sliders", perm="support.edit_settings",
                    order=718),
        )  # fmt: skip
        try:
            from sheyin.cooperation.open_items import register_open_item_source
        except ImportError:  # the lifecycle app not installed: nothing to report to
            return
        from .services import open_ticket_items

        register_open_item_source(open_ticket_items)
