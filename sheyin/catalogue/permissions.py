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
}
