from django.apps import AppConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "sheyin.notifications"
    label = "notifications"
    verbose_name = _("消息中心")

    def ready(self) -> None:
        from sheyin.common.shell import register_header_extra

        from .selectors import unread_count

        def unread(request: HttpRequest) -> dict[str, int]:
            return {"unread_notifications": unread_count(request.user)}

        register_header_extra(unread)
