from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "sheyin.planning"
    label = "planning"
    verbose_name = _("布局规划")
