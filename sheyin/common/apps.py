from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sheyin.common"
    label = "common"
    verbose_name = "公共"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import checks  # noqa: F401  (registers the key checks)
        from .keys import store_check_values

        post_migrate.connect(store_check_values, sender=self, dispatch_uid="sheyin.common.key_check")

        from .text import install_form_guard

        install_form_guard()  # every form's character fields refuse control characters (R9.3)

        from .reference_cache import REFERENCE

        REFERENCE.connect()  # cached calendar and deadline settings are dropped on every write of them
