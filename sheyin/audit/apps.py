from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "sheyin.audit"
    label = "audit"
    verbose_name = _("审计")

    def ready(self) -> None:
        from sheyin.common.nav import NavItem, register

        from . import signals  # noqa: F401  (login, logout and failed-login events)

        register(
            NavItem(
                _("安全审计"), _("审计日志"), "audit:list", icon="journal-check", perm="audit.view", order=900
            )
        )
