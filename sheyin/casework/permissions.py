"""Who may do what in casework (R2.2, R2.3, R9.2–R9.4). Acceptance also needs a staffing grant in force,
which the services check (a role alone is not enough: R2.0, R9.1)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

_MUNICIPAL = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR}
_OUTLET = {Role.OUTLET_STAFF, Role.OUTLET_MANAGER}

PERMISSIONS: dict[str, set[Role]] = {
    # the staffed window (R2.3)
    "casework.accept": {Role.OUTLET_STAFF},
    # second review of high-risk cases by another certified staff member (R9.4)
    "casework.review": _OUTLET,
    # the bank administrator finishes what a suspended or terminated outlet left open (R6.4; the services
    # refuse it while the outlet operates, when its own people do it)
    "casework.cancel": _OUTLET | {Role.BANK_ADMIN},
    "casework.view": _OUTLET | {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "casework.export": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    # scans hold personal documents: the bank's head office does not need them
    "casework.view_files": _OUTLET | _DISTRICT | _MUNICIPAL,
    # archives and their handover (Annex 10)
    "casework.view_archives": _OUTLET | {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "casework.handover": {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
    "casework.confirm_handover": {Role.DISTRICT_OFFICER, Role.DISTRICT_ADMIN},
    # staff look-ups of persons (who looked whom up, and whether a case followed: R9.3, R9.4)
    "casework.view_lookups": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    # the online self-service counter (R2.2)
    "casework.guide": _OUTLET,
    "casework.view_guided": _OUTLET | {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
}
