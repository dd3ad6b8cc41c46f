"""Who may do what with problem tickets, remote guidance and the FAQ (R9.2)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

_MUNICIPAL = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR}
_OUTLET = {Role.OUTLET_MANAGER, Role.OUTLET_STAFF}

PERMISSIONS: dict[str, set[Role]] = {
    "support.view": _OUTLET | {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "support.raise": _OUTLET,
    # A bank raises a ticket for one of its outlets from its own system (R2.0 总对总).
    "support.raise_for_outlet": {Role.BANK_ADMIN},
    "support.answer": _DISTRICT | _MUNICIPAL,
    "support.manage_contacts": {Role.DISTRICT_ADMIN} | _MUNICIPAL,
    # Handing tickets to another officer (one at a time or in a batch from the list).
    "support.assign": {Role.DISTRICT_ADMIN} | _MUNICIPAL,
    "support.log_guidance": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER} | _MUNICIPAL,
    "support.publish_faq": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER} | _MUNICIPAL,
    "support.edit_settings": _MUNICIPAL - {Role.MUNICIPAL_OFFICER},
}
