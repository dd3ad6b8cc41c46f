from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sheyin.common"
    label = "common"
    verbose_name = "公共"
