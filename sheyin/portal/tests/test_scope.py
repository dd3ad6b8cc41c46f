"""Data scope of policy materials for every role: drafts only for the municipal center; published
materials are public and reach everyone through the public selector."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import BankFactory, OutletFactory, district, municipal
from sheyin.portal import selectors
from sheyin.portal.models import PolicyMaterial
from sheyin.portal.tests.factories import MaterialFactory
from sheyin.portal.workflow import Status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_policy_material_drafts_are_seen_by_the_municipal_center_only(role, reference) -> None:  # type: ignore[no-untyped-def]
    draft = MaterialFactory(status=Status.DRAFT, published_at=None)
    published = MaterialFactory()
    level = LEVEL[role]
    if level == Level.ALL:
        user = user_with_role(role, agency=municipal())
    elif level == Level.DISTRICT:
        user = user_with_role(role, agency=district())
    elif level == Level.BANK:
        user = user_with_role(role, bank=BankFactory())
    else:
        user = user_with_role(role, outlet=OutletFactory())
    managed = set(selectors.materials_for(user))
    assert managed == ({draft, published} if level == Level.ALL else set())
    assert set(selectors.published_materials()) == {published}
    assert PolicyMaterial.objects.count() == 2
