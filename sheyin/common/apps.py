from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sheyin.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from .text import install_form_guard

        install_form_guard()  # every form's character fields refuse control characters (R9.3)
