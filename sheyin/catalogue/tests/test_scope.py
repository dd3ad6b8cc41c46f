"""Data scope of the catalogue (design rule 2), every role × every scoped catalogue model: the published
catalogue is readable by every business role (无差别受理 needs every outlet to know it); drafts, versions in
review and review records are the municipal center's; the three administrators see none of it."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import BUSINESS_ROLES, LEVEL, Level, Role
from sheyin.accounts.scope import scoped
from sheyin.accounts.tests.factories import user_with_role
from sheyin.catalogue import selectors, services
from sheyin.catalogue.models import CatalogueReview, CatalogueVersion, ServiceItem, ServiceProposal
from sheyin.institutions.tests.factories import OutletFactory, district, municipal

from .factories import admin, item_data, officer

pytestmark = pytest.mark.django_db

SCOPED = (CatalogueVersion, ServiceItem, CatalogueReview, ServiceProposal)


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


def test_service_proposals_are_read_by_their_proposers_and_the_municipal_center(client, world) -> None:  # type: ignore[no-untyped-def]
    """A bank sees its own proposals, a district its own, the municipal center all; outlets and the three
    administrators none — through the selector, the list page and the detail page."""
    from django.urls import reverse

    from sheyin.catalogue import proposals
    from sheyin.institutions.tests.factories import BankFactory

    users = world["users"]
    data = {"title": "建议事项", "category": "card", "audience": "individual", "channels": ["W"],
            "description": "内容", "reasons": "群众需求大、风险可控的理由", "expected_volume": 10}  # fmt: skip
    home_bank = proposals.proposal_submit(data=data, by=users[Role.BANK_ADMIN])
    home_district = proposals.proposal_submit(data=data, by=users[Role.DISTRICT_OFFICER])
    elsewhere = [proposals.proposal_submit(data=data, by=user_with_role(Role.BANK_ADMIN, bank=BankFactory())),
                 proposals.proposal_submit(data=data, by=user_with_role(Role.DISTRICT_ADMIN, agency=district("110108")))]  # fmt: skip
    wrong = []
    for role, user in users.items():
        level = LEVEL[role] if role in BUSINESS_ROLES else None  # the three administrators read none of it
        want = ({home_bank, home_district, *elsewhere} if level == Level.ALL else {home_bank} if level == Level.BANK
                else {home_district} if level == Level.DISTRICT else set())  # fmt: skip
        if set(selectors.proposals_for(user)) != want:
            wrong.append(f"{role}: selector")
        if role in BUSINESS_ROLES and set(scoped(ServiceProposal.objects.all(), user)) != want:
            wrong.append(f"{role}: scope rules")
        client.force_login(user)
        resp = client.get(reverse("catalogue:proposal_list"))
        if not want:
            if resp.status_code != 403:
                wrong.append(f"{role}: list {resp.status_code}")
            continue
        body = resp.content.decode()
        if any((p.number in body) != (p in want) for p in [home_bank, home_district, *elsewhere]):
            wrong.append(f"{role}: list")
        other = elsewhere[0]
        if client.get(reverse("catalogue:proposal_detail", args=[other.pk])).status_code != (
            200 if other in want else 404
        ):
            wrong.append(f"{role}: detail")
    assert not wrong, wrong
