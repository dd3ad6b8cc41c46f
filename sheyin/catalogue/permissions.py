"""Who may do what with the service catalogue (R5.1, R7.1: the municipal center owns the catalogue).

Every business role reads it (无差别受理 needs every outlet to know it); the municipal officer drafts and
submits versions, and a municipal administrator who did not make the draft reviews and publishes it.
"""

from __future__ import annotations

from sheyin.accounts.roles import BUSINESS_ROLES, Role

PERMISSIONS: dict[str, set[Role]] = {
    "catalogue.view": set(BUSINESS_ROLES),
    "catalogue.edit": {Role.MUNICIPAL_OFFICER},
    "catalogue.publish": {Role.MUNICIPAL_ADMIN},
    # Service proposals (R10.2): banks and districts propose (the municipal center through a consultation);
    # a municipal officer gives the first opinion and carries accepted ones into the draft; a municipal
    # administrator decides (maker–checker).
    "catalogue.propose": {Role.BANK_ADMIN, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.MUNICIPAL_ADMIN,
                          Role.MUNICIPAL_OFFICER},
    "catalogue.view_proposals": {Role.BANK_ADMIN, Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER, Role.DISTRICT_INSPECTOR,
                                 Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER},
    "catalogue.review_proposals": {Role.MUNICIPAL_OFFICER},
    "catalogue.decide_proposals": {Role.MUNICIPAL_ADMIN},
}  # fmt: skip
