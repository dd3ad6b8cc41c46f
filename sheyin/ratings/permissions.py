"""Who may do what with 好差评 (R9.5). Municipal roles see and handle everything; districts verify, close and
review appeals in their district; the outlet manager rectifies, calls back and appeals for its outlet; the
bank reads its outlets'; window staff read the ratings of their own cases (scope "self")."""

from __future__ import annotations

from sheyin.accounts.roles import BUSINESS_ROLES, Role

MUNICIPAL = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER}
DISTRICT = {Role.DISTRICT_ADMIN, Role.DISTRICT_OFFICER}

PERMISSIONS: dict[str, set[Role]] = {
    "ratings.view": set(BUSINESS_ROLES),
    "ratings.view_statistics": set(BUSINESS_ROLES) - {Role.OUTLET_STAFF},
    "ratings.export": set(BUSINESS_ROLES) - {Role.OUTLET_STAFF},
    "ratings.view_bad_reviews": set(BUSINESS_ROLES) - {Role.OUTLET_STAFF},
    "ratings.verify": MUNICIPAL | DISTRICT,
    "ratings.rectify": MUNICIPAL | {Role.OUTLET_MANAGER},
    "ratings.call_back": MUNICIPAL | DISTRICT | {Role.OUTLET_MANAGER},
    "ratings.close": MUNICIPAL | DISTRICT,
    "ratings.appeal": {Role.OUTLET_MANAGER},
    "ratings.review_appeal": MUNICIPAL | DISTRICT,
    "ratings.issue_token": {Role.OUTLET_MANAGER, Role.OUTLET_STAFF},
    "ratings.settings": {Role.MUNICIPAL_ADMIN},
}
