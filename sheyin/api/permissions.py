"""Who may manage the integration API (R2.0), and what a bank head-office client may do.

Personal tokens are for agency and bank *administration* roles. Outlet roles get none: their work is
at the window through the pages, an outlet PC is the least protected place for a long-lived credential,
and every bank system reaches the API through its head-office client (总对总) anyway. The three
administrators (三员) get none either: their work is account, security and audit administration on
the pages, behind two factors, and a bearer token would bypass the second factor.
"""

from __future__ import annotations

from sheyin.accounts.roles import Role

_MUNI = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR}

PERMISSIONS: dict[str, set[Role]] = {
    # Register, rotate and revoke bank clients: the municipal center (R2.0, R7.1).
    "api.manage_clients": set(_MUNI),
    # Create and revoke one's own personal tokens.
    "api.personal_tokens": _MUNI | _DISTRICT | {Role.BANK_ADMIN},
}

# What a bank's head-office client may do: at most what its bank administrator may, and only these.
# Each app's api.py may add codes with a module-level `CLIENT_PERMISSIONS` (collected by config/api.py).
CLIENT_PERMISSIONS: set[str] = {
    "institutions.view",
    "institutions.edit_outlet",
}
