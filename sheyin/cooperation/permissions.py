"""Who may do what in the outlet lifecycle. Kept in step with the roles of workflow.py's tables
(a test checks that every transition's roles hold the permission of the service that runs it)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

MA, MO = Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER
DA, DO, DI = Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR
BA, OM = Role.BANK_ADMIN, Role.OUTLET_MANAGER

PERMISSIONS: dict[str, set[Role]] = {
    # reading the lifecycle pages (each list is narrowed to the user's data scope)
    "cooperation.view": {MA, MO, DA, DO, DI, BA, OM},
    # R4.1 bank cooperation: the bank applies, a municipal officer reviews, a municipal admin approves
    "cooperation.apply_bank": {BA},
    "cooperation.review_bank": {MO},
    "cooperation.approve_bank": {MA},
    "cooperation.sign_municipal": {MA, MO},
    # R4.2 outlet application, R4.3 inspection and acceptance, R8.4 layout exception
    "cooperation.apply_outlet": {BA},
    "cooperation.review_application": {DA, DO},
    "cooperation.inspect": {DI},
    "cooperation.decide_acceptance": {DA},
    "cooperation.justify_layout": {DA, DO},
    "cooperation.approve_layout": {MA, MO},
    # R4.4 district agreement, filing (maker–checker), plaque
    "cooperation.sign_district": {DA, DO},
    "cooperation.submit_filing": {DA, DO, MO},
    "cooperation.check_filing": {MA, MO},
    "cooperation.issue_plaque": {DA, DO, MA, MO},
    # the opening check after the plaque (R3.2, R9.1, R7.3): the district of the outlet
    "cooperation.record_opening_check": {DA, DO},
    # changes to an accepted or operating outlet's facts (R3.1, R8.4): asked by the bank, the outlet or the
    # district; decided by the district (the table lets only a district admin approve)
    "cooperation.request_change": {BA, OM, DA, DO},
    "cooperation.decide_change": {DA, DO},
    # operation, R6.1 renewal objections, R6.2–R6.4 termination
    "cooperation.suspend_outlet": {DA},
    "cooperation.object_renewal": {MA, DA, BA},
    "cooperation.propose_termination": {DA, DO, BA},
    "cooperation.confirm_termination": {DA, BA},
    "cooperation.approve_termination": {DA},
    "cooperation.execute_termination": {DA, MA},
    "cooperation.terminate_bank": {MA},
    "cooperation.close_open_item": {DA, DO},
    # the municipal center's editable defaults: numbers, agreement templates, the Annex 1 checklist
    "cooperation.settings": {MA},
}
