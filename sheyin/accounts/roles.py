"""Roles, the permission codes each holds, and the data-scope level each sees (design.md rule 2).

The municipal center edits *data* (checklists, distances, catalogue); who may do what is policy that
changes with the regulation, so it lives here, reviewed like code.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    MUNICIPAL_ADMIN = "municipal_admin", _("市级管理员")
    MUNICIPAL_OFFICER = "municipal_officer", _("市级经办人员")
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    DISTRICT_OFFICER = "district_officer", _("区级经办人员")
    DISTRICT_INSPECTOR = "district_inspector", _("区级稽核人员")
    BANK_ADMIN = "bank_admin", _("银行管理员")
    OUTLET_MANAGER = "outlet_manager", _("网点负责人")
    OUTLET_STAFF = "outlet_staff", _("网点经办人员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Level(models.TextChoices):
    """Data-scope levels, in RuoYi's words."""

    ALL = "all", _("全部")
    DISTRICT = "district", _("本辖区")
    BANK = "bank", _("本行")
    OUTLET = "outlet", _("本网点")
    SELF = "self", _("仅本人")


# 三员分立: no user holds two of these.
THREE_ADMINS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

# Which organisation a role binds to.
ORG_OF_LEVEL = {
    Level.ALL: "agency",
    Level.DISTRICT: "agency",
    Level.BANK: "bank",
    Level.OUTLET: "outlet",
    Level.SELF: "outlet",
}

LEVEL = {
    Role.MUNICIPAL_ADMIN: Level.ALL,
    Role.MUNICIPAL_OFFICER: Level.ALL,
    Role.SYSTEM_ADMIN: Level.ALL,
    Role.SECURITY_ADMIN: Level.ALL,
    Role.AUDIT_ADMIN: Level.ALL,
    Role.DISTRICT_ADMIN: Level.DISTRICT,
    Role.DISTRICT_OFFICER: Level.DISTRICT,
    Role.DISTRICT_INSPECTOR: Level.DISTRICT,
    Role.BANK_ADMIN: Level.BANK,
    Role.OUTLET_MANAGER: Level.OUTLET,
    Role.OUTLET_STAFF: Level.SELF,
}

_BUSINESS = {
    Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER,
    Role.DISTRICT_INSPECTOR, Role.BANK_ADMIN, Role.OUTLET_MANAGER, Role.OUTLET_STAFF,
}  # fmt: skip
_AGENCY = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}

PERMISSIONS: dict[str, set[Role]] = {
    # institutions registry
    # Not the system admin: running accounts needs no outlet registry (三员分立, least privilege).
    "institutions.view": set(_BUSINESS),
    "institutions.export": _BUSINESS - {Role.OUTLET_STAFF},
    "institutions.edit_outlet": _AGENCY | {Role.BANK_ADMIN, Role.OUTLET_MANAGER},
    "institutions.create_bank": {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER},
    "institutions.edit_bank": {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER, Role.BANK_ADMIN},
    "institutions.edit_agency": {Role.MUNICIPAL_ADMIN},
    "institutions.edit_calendar": {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER},
    # accounts (三员: the system admin runs accounts, the security admin grants roles and unlocks)
    "accounts.view_users": {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN},
    "accounts.manage_users": {Role.SYSTEM_ADMIN},
    "accounts.assign_roles": {Role.SECURITY_ADMIN},
    "accounts.unlock": {Role.SECURITY_ADMIN},
    # audit trail: the audit admin only
    "audit.view": {Role.AUDIT_ADMIN},
    # seeing a full ID number (with a stated, audited reason); never the system admin
    "pii.reveal": _BUSINESS - {Role.BANK_ADMIN},
}


def permissions_of(role: str) -> set[str]:
    return {code for code, roles in PERMISSIONS.items() if role in roles}


def register(perms: dict[str, set[Role]]) -> None:
    """Each domain app declares its own permission codes in its `permissions.py` and registers them
    from `AppConfig.ready()`, so the policy of a capability lives beside it."""
    for code, roles in perms.items():
        PERMISSIONS.setdefault(code, set()).update(roles)


BUSINESS_ROLES = frozenset(_BUSINESS)
AGENCY_ROLES = frozenset(_AGENCY)
