"""Data scope of API clients and personal tokens for every role (design rule 2)."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.api.models import ApiClient, PersonalToken
from sheyin.api.tests.factories import api_client_for, token_for
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal

pytestmark = pytest.mark.django_db


def user_for(role: Role, bank, outlet):  # type: ignore[no-untyped-def]
    level = LEVEL[role]
    if level == Level.ALL:
        return user_with_role(role, agency=municipal())
    if level == Level.DISTRICT:
        return user_with_role(role, agency=district())
    if level == Level.BANK:
        return user_with_role(role, bank=bank)
    return user_with_role(role, outlet=outlet)


@pytest.mark.parametrize("role", list(Role))
def test_api_clients_are_visible_to_the_municipal_center_and_their_own_bank_only(role, reference) -> None:  # type: ignore[no-untyped-def]
    mine, other = BankFactory(), BankFactory()
    own_client, _ = api_client_for(mine)
    api_client_for(other)
    user = user_for(role, mine, OutletFactory(bank=mine))
    seen = set(scoped(ApiClient.objects.all(), user))
    level = LEVEL[role]
    if level == Level.ALL:
        assert seen == set(ApiClient.objects.all())
    elif level == Level.BANK:
        assert seen == {own_client}
    else:
        assert seen == set()


@pytest.mark.parametrize("role", list(Role))
def test_personal_tokens_are_personal_whatever_the_role(role, reference) -> None:  # type: ignore[no-untyped-def]
    bank = BankFactory()
    user = user_for(role, bank, OutletFactory(bank=bank))
    other = user_with_role(Role.MUNICIPAL_OFFICER, agency=municipal())
    token_for(other)
    if user.has_perm("api.personal_tokens"):
        mine, _ = token_for(user)
        assert set(scoped(PersonalToken.objects.all(), user)) == {mine}
    else:
        assert not scoped(PersonalToken.objects.all(), user).exists()
