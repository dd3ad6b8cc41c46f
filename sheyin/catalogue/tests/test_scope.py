"""Data scope of the catalogue (design rule 2), every role × every scoped catalogue model: the published
catalogue is readable by every business role (无差别受理 needs every outlet to know it); drafts, versions in
review and review records are the municipal center's; the three administrators see none of it."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import BUSINESS_ROLES, LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue import selectors, services
from sheyin.catalogue.models import CatalogueReview, CatalogueVersion, ServiceItem
from sheyin.institutions.tests.factories import OutletFactory, district, municipal

from .factories import admin, item_data, officer

pytestmark = pytest.mark.django_db

SCOPED = (CatalogueVersion, ServiceItem, CatalogueReview)


@pytest.fixture
def world(reference):  # type: ignore[no-untyped-def]
    maker = officer()
    draft = services.version_create_draft(by=maker)
    services.item_create(version=draft, data=item_data(), by=maker)
    services.version_submit(version=draft, by=maker)
    services.version_return(version=draft, reason="请补充依据", by=admin())
    outlet = OutletFactory()
    users = {}
    for role in Role:
        level = LEVEL[role]
        if level == Level.ALL:
            users[role] = user_with_role(role, agency=municipal())
        elif level == Level.DISTRICT:
            users[role] = user_with_role(role, agency=district("110105"))
        elif level == Level.BANK:
            users[role] = user_with_role(role, bank=outlet.bank)
        else:
            users[role] = user_with_role(role, outlet=outlet)
    return {"users": users, "draft": draft}


def test_every_scoped_catalogue_model_is_walked_here() -> None:
    from django.apps import apps

    declared = {
        m for m in apps.get_app_config("catalogue").get_models() if getattr(m, "SCOPE", None) is not None
    }
    assert declared == set(SCOPED)


def test_each_role_reads_exactly_its_part_of_the_catalogue(world) -> None:  # type: ignore[no-untyped-def]
    for role in Role:
        _reads_its_part(role, world["users"][role], world["draft"])


def _reads_its_part(role: Role, user: object, draft: CatalogueVersion) -> None:
    versions = set(selectors.versions_for(user).values_list("number", flat=True))
    draft_items = selectors.items_for(user).filter(version=draft)
    reviews = selectors.reviews_for(user, draft)
    if role in (Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_OFFICER):
        assert versions == {1, draft.number}, role
        assert draft_items.exists() and reviews.count() == 1, role
    elif role in BUSINESS_ROLES:
        assert versions == {1}, role
        assert not draft_items.exists() and not reviews.exists(), role
        assert selectors.items_for(user).count() == CatalogueVersion.objects.get(number=1).items.count(), role
    else:  # 三员分立: system, security and audit administrators have no business reading
        assert versions == set() and not selectors.items_for(user).exists() and not reviews.exists(), role


def test_the_scope_rules_alone_deny_review_records_outside_the_municipal_level(world) -> None:  # type: ignore[no-untyped-def]
    for role, user in world["users"].items():
        seen = scoped(CatalogueReview.objects.all(), user).exists()
        assert seen == (LEVEL[role] == Level.ALL), role
        # reference data: every level reaches the rows; the selectors narrow by permission and status
        assert scoped(CatalogueVersion.objects.all(), user).exists(), role
        assert scoped(ServiceItem.objects.all(), user).exists(), role
