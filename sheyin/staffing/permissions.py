"""Who may do what with outlet staff (R7.2: the district trains, examines and authorises; R7.3: the outlet
keeps its roster and sends staff to training; R9.1: staff sit the exam and sign the agreement themselves)."""

from __future__ import annotations

from sheyin.accounts.roles import BUSINESS_ROLES, Role

_MUNI = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
_DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}
_OUTLET_SELF = {Role.OUTLET_STAFF, Role.OUTLET_MANAGER}

PERMISSIONS: dict[str, set[Role]] = {
    # Reading the roster and its records, each role within its scope. Outlet staff read only their own
    # records, on their self-service pages (staffing.take_exam / staffing.sign_agreement).
    "staffing.view": set(BUSINESS_ROLES) - {Role.OUTLET_STAFF},
    "staffing.export": set(BUSINESS_ROLES) - {Role.OUTLET_STAFF},
    # Roster (R7.3): the outlet and its bank keep it; the district may correct it.
    "staffing.manage_roster": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT,
    "staffing.transfer": {Role.OUTLET_MANAGER, Role.BANK_ADMIN},
    # Training (Annex 6): the district organises; the outlet manager enrols.
    "staffing.manage_training": _DISTRICT | _MUNI,
    "staffing.enrol": {Role.OUTLET_MANAGER} | _DISTRICT,
    # Exams: the district keeps the question bank and enters offline scores; staff sit exams themselves.
    "staffing.manage_questions": _DISTRICT | _MUNI,
    "staffing.record_offline_score": _DISTRICT,
    "staffing.take_exam": _OUTLET_SELF,
    # Confidentiality agreement (Annex 7): the template is the municipal center's; staff sign their own.
    "staffing.edit_template": {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER},
    "staffing.sign_agreement": _OUTLET_SELF,
    # Permission grants: maker–checker inside the district (design rule 4).
    "staffing.propose_grant": _DISTRICT,
    "staffing.approve_grant": {Role.DISTRICT_ADMIN},
    "staffing.revoke_grant": _DISTRICT,
    # Confidentiality and security education (R7.3): the outlet gives it; the outlet, its bank or the
    # district records who attended and when.
    "staffing.record_education": {Role.OUTLET_MANAGER, Role.BANK_ADMIN} | _DISTRICT,
    # Staffing check (Annex 1): the district, the bank and the outlet see their own shortfalls.
    "staffing.check": _MUNI | _DISTRICT | {Role.DISTRICT_INSPECTOR, Role.BANK_ADMIN, Role.OUTLET_MANAGER},
    # The editable rules (pass mark, hours, validity periods, retake limits).
    "staffing.edit_settings": {Role.MUNICIPAL_ADMIN, Role.DISTRICT_ADMIN},
}
