"""Who is calling: a bank head-office client acts as its bank (本行 scope), with the client permissions only.

`ClientPrincipal` quacks like a user for `sheyin.accounts.scope` (scoped/covers read the cached
`_sheyin_assignments`) and for `sheyin.accounts.permissions.require` (`has_perm`), so every selector and
service applies the bank's scope to a client exactly as to the bank's administrator — no second copy
of any rule. It has no primary key: it is not a user, and the audit trail names it "api:<key_id>".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sheyin.accounts.roles import Role, permissions_of

from .permissions import CLIENT_PERMISSIONS

if TYPE_CHECKING:
    from .models import ApiClient

_EXTRA_CLIENT_PERMISSIONS: set[str] = set()


def register_client_permissions(codes: set[str] | list[str] | tuple[str, ...]) -> None:
    """Apps grant bank clients more codes from their api.py (`CLIENT_PERMISSIONS = {...}`)."""
    _EXTRA_CLIENT_PERMISSIONS.update(codes)


def client_permissions() -> set[str]:
    """Never more than a bank administrator holds, whatever an app declares."""
    return (CLIENT_PERMISSIONS | _EXTRA_CLIENT_PERMISSIONS) & permissions_of(Role.BANK_ADMIN)


@dataclass(frozen=True)
class BankAssignment:
    """What `scope.assignments_of` yields for a client: the bank level, bound to one bank."""

    bank_id: int
    role: str = Role.BANK_ADMIN.value
    agency_id: int | None = None
    outlet_id: int | None = None
    user_id: int | None = None


class ClientPrincipal:
    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None
    id = None

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.bank_id = client.bank_id
        self._sheyin_assignments = [BankAssignment(bank_id=client.bank_id)]
        self._sheyin_perms = client_permissions()

    @property
    def audit_name(self) -> str:
        return f"api:{self.client.key_id}"

    def get_username(self) -> str:
        return self.audit_name

    def has_perm(self, perm: str, obj: Any = None) -> bool:
        return perm in self._sheyin_perms

    def has_perms(self, perms: Any, obj: Any = None) -> bool:
        return all(self.has_perm(p) for p in perms)

    def __str__(self) -> str:
        return f"{self.client.name}（{self.client.key_id}）"


def audit_name_of(principal: Any) -> str:
    """The actor name the audit trail shows for any principal."""
    name = getattr(principal, "audit_name", None)
    if name:
        return str(name)
    if principal is not None and getattr(principal, "pk", None):
        return str(principal.get_username())
    return "anonymous"
