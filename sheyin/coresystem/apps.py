from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoresystemConfig(AppConfig):
    name = "sheyin.coresystem"
    label = "coresystem"
    verbose_name = _("社保核心系统")
