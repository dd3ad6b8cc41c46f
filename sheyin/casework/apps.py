from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CaseworkConfig(AppConfig):
    name = "sheyin.casework"
    label = "casework"
    verbose_name = _("业务受理")

    def ready(self) -> None:
        from sheyin.accounts.roles import register as register_permissions
        from sheyin.common.nav import NavItem, register

        from .permissions import PERMISSIONS
        from .reveal import register_revealables

        register_permissions(PERMISSIONS)
        register_revealables()
        section = _("业务受理")
        register(
            NavItem(section, _("窗口受理"), "casework:accept_home", icon="person-vcard", perm="casework.accept",
                    order=400),
            NavItem(section, _("待复核"), "casework:review_list", icon="person-check", perm="casework.review",
                    order=405),
            NavItem(section, _("受理记录"), "casework:case_list", icon="card-list", perm="casework.view", order=410),
            NavItem(section, _("业务档案"), "casework:archive_list", icon="archive", perm="casework.view_archives",
                    order=420),
            NavItem(section, _("档案移交"), "casework:handover_list", icon="box-arrow-right", perm="casework.handover",
                    order=425),
            NavItem(section, _("网厅自助引导"), "casework:guided_list", icon="pc-display",
                    perm="casework.view_guided", order=430),
            NavItem(section, _("经办人员查询记录"), "casework:lookup_list", icon="person-bounding-box",
                    perm="casework.view_lookups", order=435),
            NavItem(_("档案移交"), _("移交确认"), "casework:handover_inbox", icon="inbox",
                    perm="casework.confirm_handover", order=620),
        )  # fmt: skip
        try:
            from sheyin.cooperation.open_items import register_open_item_source
        except ImportError:  # the lifecycle app not installed: nothing to report to
            return
        from .services import open_archive_items

        register_open_item_source(open_archive_items)
