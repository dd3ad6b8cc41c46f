"""Who may do what with terminals and their logs (R2.1, R9.3, R9.4)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

_AGENCY = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}
_OVERSIGHT = _AGENCY | {Role.DISTRICT_INSPECTOR}

PERMISSIONS: dict[str, set[Role]] = {
    # register terminals, issue and rotate credentials, disable/enable
    "kiosk.manage_terminals": {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
    "kiosk.view_terminals": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _OVERSIGHT,
    # the log of terminal queries and printouts (oversight: queries with no matching case)
    "kiosk.view_queries": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _OVERSIGHT,
}
