from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupportConfig(AppConfig):
    name = "sheyin.support"
    label = "support"
    verbose_name = _("问题反馈")
