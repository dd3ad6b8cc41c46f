"""Who may plan the outlet layout (R10.1: districts plan the number and layout of outlets; R8.3: the
municipal center oversees the whole city). Banks take no part in planning; they see the sites a district
adopted, to start an outlet application there."""

from __future__ import annotations

from sheyin.accounts.roles import Role

_MUNI = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}

PERMISSIONS: dict[str, set[Role]] = {
    # The layout map, the coverage report, plan runs and imports, each within the user's scope.
    "planning.view": _MUNI | _DISTRICT | {Role.DISTRICT_INSPECTOR},
    # Starting and cancelling site recommendations, importing demand and candidate points.
    "planning.run": _MUNI | _DISTRICT,
    # What a site recommendation counts as existing (outlets under application, adopted sites).
    "planning.settings": {Role.MUNICIPAL_ADMIN},
    # The list of adopted (planned) sites: planners, and bank administrators who apply there.
    "planning.planned": _MUNI | _DISTRICT | {Role.DISTRICT_INSPECTOR, Role.BANK_ADMIN},
}
