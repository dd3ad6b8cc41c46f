"""Who sees which dashboard and report (design rule 2: what they see is then limited by their data scope).

Dashboards: the municipal center (city cockpit), the district agencies (their district), the bank (its
outlets across districts) and the outlet manager (the outlet). Window staff and the three administrators
get their to-dos on the home page but no statistics. Statistical reports cover a district or the city,
so only the agencies read them; officers and administrators run them for any period."""

from __future__ import annotations

from sheyin.accounts.roles import Role

MUNICIPAL = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR}
VIEWERS = MUNICIPAL | DISTRICT | {Role.BANK_ADMIN, Role.OUTLET_MANAGER}

PERMISSIONS: dict[str, set[Role]] = {
    "dashboards.view": VIEWERS,
    "dashboards.export": VIEWERS,
    "dashboards.view_reports": MUNICIPAL | DISTRICT,
    "dashboards.run_reports": MUNICIPAL | {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER},
}
