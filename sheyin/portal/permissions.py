"""Who may do what on the portal's staff side (the public side needs no permission)."""

from __future__ import annotations

from sheyin.accounts.roles import Role

PERMISSIONS: dict[str, set[Role]] = {
    # Policy and help materials are published by the municipal center (R5.3, R7.1).
    "portal.manage_materials": {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER},
}
