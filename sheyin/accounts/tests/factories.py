"""Users with a role bound to an organisation, as the role-assignment service would make them."""

from __future__ import annotations

from typing import Any

import factory

from sheyin.accounts.models import RoleAssignment, User
from sheyin.accounts.roles import LEVEL, Level, Role

PASSWORD = "Test-pass-2026"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)


def user_with_role(role: str, *, agency: Any = None, bank: Any = None, outlet: Any = None, **kw: Any) -> User:
    """A saved user holding `role` in the given organisation (outlet roles take bank and district from it)."""
    user = UserFactory(**kw)
    user.save()
    level = LEVEL[Role(role)]
    if level in (Level.OUTLET, Level.SELF):
        bank, agency = outlet.bank, outlet.district
    RoleAssignment.objects.create(user=user, role=role, agency=agency, bank=bank, outlet=outlet)
    return user
