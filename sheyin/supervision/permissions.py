"""Who may do what in district oversight (R7.2, R7.4, R7.5, R9.4, R6.3)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

_MUNICIPAL = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR}
_OUTLET = {Role.OUTLET_MANAGER, Role.OUTLET_STAFF}

PERMISSIONS: dict[str, set[Role]] = {
    "supervision.view_findings": _OUTLET | {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "supervision.manage_findings": _DISTRICT | _MUNICIPAL,
    # The outlet or its bank reports the fix (R9.4); the district verifies.
    "supervision.answer_rectification": {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
    "supervision.view_rules": _DISTRICT | _MUNICIPAL,
    "supervision.edit_rules": {Role.MUNICIPAL_ADMIN},
    "supervision.view_inspections": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "supervision.inspect": _DISTRICT,
    "supervision.plan_inspections": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER},
    "supervision.view_appraisals": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "supervision.compute_appraisals": {Role.DISTRICT_ADMIN} | _MUNICIPAL,
    "supervision.decide_termination": {Role.DISTRICT_ADMIN},
    # 约谈 after a failed appraisal: recorded and followed up by the district (Annex 3)
    "supervision.formal_talk": _DISTRICT,
    "supervision.self_inspect": {Role.BANK_ADMIN},
    "supervision.view_self_inspections": {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "supervision.review_self_inspection": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER} | _MUNICIPAL,
    "supervision.consult": {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER} | _MUNICIPAL,
    "supervision.view_consultations": {Role.BANK_ADMIN} | _DISTRICT | _MUNICIPAL,
    "supervision.edit_settings": {Role.MUNICIPAL_ADMIN},
}
