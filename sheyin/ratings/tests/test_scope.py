"""Data scope of 好差评 (design rule 2): every role × every scoped ratings model. Municipal: all; district:
its district; bank: its outlets; outlet manager: its outlet; window staff: ratings of their own cases (and
tokens of their outlet); the three administrators read through permission-gated views only."""

from __future__ import annotations

import pytest

from sheyin.accounts.roles import LEVEL, Level, Role
from sheyin.ratings import selectors
from sheyin.ratings.models import BadReviewCase, Rating, RatingToken

from .factories import completed_case, good, outlet, rate, users_for

pytestmark = pytest.mark.django_db
SCOPED = (Rating, BadReviewCase, RatingToken)


def test_every_scoped_ratings_model_is_walked_here() -> None:
    from django.apps import apps

    declared = {
        m for m in apps.get_app_config("ratings").get_models() if getattr(m, "SCOPE", None) is not None
    }
    assert declared == set(SCOPED)


def test_each_role_reads_exactly_its_part(reference) -> None:
    home = outlet("110105")
    same_bank_elsewhere = outlet("110108", bank=home.bank)
    stranger = outlet("110101")
    users = users_for(home)
    own = rate(completed_case(home, staff=users[Role.OUTLET_STAFF]), good(1))
    colleague = rate(completed_case(home), good(2))
    far = rate(completed_case(same_bank_elsewhere), good(1))
    other = rate(completed_case(stranger), good(1))
    every = {own.pk, colleague.pk, far.pk, other.pk}
    for role, user in users.items():
        seen = set(selectors.ratings_for(user).values_list("pk", flat=True))
        bad = set(selectors.bad_reviews_for(user).values_list("rating_id", flat=True))
        tokens = set(selectors.tokens_for(user).values_list("rating__pk", flat=True))
        level = LEVEL[role]
        expected = {
            Level.ALL: every,
            Level.DISTRICT: {own.pk, colleague.pk},
            Level.BANK: {own.pk, colleague.pk, far.pk},
            Level.OUTLET: {own.pk, colleague.pk},
            Level.SELF: {own.pk},
        }[level]
        assert seen == expected, role
        # window staff do not handle bad reviews (no permission and no scope level for them)
        assert bad == (expected if level != Level.SELF else set()), role
        assert tokens == (expected if level != Level.SELF else {own.pk, colleague.pk}), role


def test_a_user_without_assignments_sees_nothing(reference) -> None:
    from sheyin.accounts.tests.factories import UserFactory

    rate(completed_case(outlet()), good(1))
    nobody = UserFactory()
    assert not selectors.ratings_for(nobody).exists()
    assert not selectors.bad_reviews_for(nobody).exists()
    assert not selectors.tokens_for(nobody).exists()
