from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "sheyin.cooperation"
    label = "cooperation"
    verbose_name = _("网点合作")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from . import tasks  # noqa: F401  (periodic jobs)
        from .permissions import PERMISSIONS

        register_permissions(PERMISSIONS)
        section = _("网点合作")
        register(
            NavItem(
                section,
                _("银行合作申请"),
                "cooperation:bank_application_list",
                icon="bank2",
                perm="cooperation.view",
                order=200,
            ),
            NavItem(
                section,
                _("网点设立申请"),
                "cooperation:application_list",
                icon="file-earmark-text",
                perm="cooperation.view",
                order=210,
            ),
            NavItem(
                section,
                _("现场检查"),
                "cooperation:inspection_list",
                icon="clipboard-check",
                perm="cooperation.view",
                order=220,
            ),
            NavItem(
                section,
                _("协议与备案"),
                "cooperation:agreement_list",
                icon="file-earmark-ruled",
                perm="cooperation.view",
                order=230,
            ),
            NavItem(
                section,
                _("网点信息变更"),
                "cooperation:change_request_list",
                icon="pencil-square",
                perm="cooperation.view",
                order=235,
            ),
            NavItem(
                section,
                _("网点标牌"),
                "cooperation:plaque_list",
                icon="award",
                perm="cooperation.view",
                order=240,
            ),
            NavItem(
                section,
                _("终止合作"),
                "cooperation:termination_list",
                icon="x-octagon",
                perm="cooperation.view",
                order=250,
            ),
            NavItem(
                section,
                _("模板与参数"),
                "cooperation:settings",
                icon="sliders",
                perm="cooperation.settings",
                order=260,
            ),
        )
