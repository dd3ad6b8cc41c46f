"""The API's own endpoints: who am I (lets a bank check its signing before calling anything else)."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from sheyin.accounts.scope import level_labels

from .auth import ANY_AUTH
from .principal import ClientPrincipal, audit_name_of
from .signing import ALGORITHM

router = Router(tags=["auth"])


class WhoAmIOut(Schema):
    kind: Literal["client", "user"]
    actor: str
    name: str
    bank: str | None = None
    scope: list[str]
    permissions: list[str]
    signature_algorithm: str


@router.get("/whoami", response=WhoAmIOut, auth=ANY_AUTH, operation_id="auth_whoami")
def whoami(request: HttpRequest) -> dict[str, Any]:
    """The authenticated caller, its data scope and its permission codes."""
    p: Any = request.api_principal  # type: ignore[attr-defined]
    if isinstance(p, ClientPrincipal):
        kind, name, bank = "client", p.client.name, p.client.bank.name
        perms = p._sheyin_perms
    else:
        kind, name, bank = "user", str(p), None
        perms = {x for x in p.get_all_permissions() if "." in x}
    return {
        "kind": kind,
        "actor": audit_name_of(p),
        "name": name,
        "bank": bank,
        "scope": level_labels(p),
        "permissions": sorted(perms),
        "signature_algorithm": ALGORITHM,
    }
