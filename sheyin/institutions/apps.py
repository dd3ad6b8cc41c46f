from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "sheyin.institutions"
    label = "institutions"
    verbose_name = _("机构管理")

    def ready(self) -> None:
        from sheyin.common import listing
        from sheyin.common.nav import NavItem, register

        from . import selectors

        # List filters naming a district, bank or outlet offer (and accept) only what the user may see.
        listing.register_choices("institutions.Agency", selectors.district_choices_for)
        listing.register_choices("institutions.Bank", selectors.bank_choices_for)
        listing.register_choices("institutions.Outlet", selectors.outlet_choices_for)
        # ... and depend on each other: banks with outlets in the chosen district, that district's outlets.
        listing.register_narrowing("institutions.Bank", selectors.banks_in)
        listing.register_narrowing("institutions.Outlet", selectors.outlets_in)

        section = _("机构管理")
        register(
            NavItem(
                section,
                _("合作网点"),
                "institutions:outlet_list",
                icon="shop",
                perm="institutions.view",
                order=100,
            ),
            NavItem(
                section,
                _("合作银行"),
                "institutions:bank_list",
                icon="bank",
                perm="institutions.view",
                order=110,
            ),
            NavItem(
                section,
                _("经办机构"),
                "institutions:agency_list",
                icon="building",
                perm="institutions.view",
                order=120,
            ),
            NavItem(
                section,
                _("节假日日历"),
                "institutions:calendar",
                icon="calendar3",
                perm="institutions.edit_calendar",
                order=130,
            ),
        )
