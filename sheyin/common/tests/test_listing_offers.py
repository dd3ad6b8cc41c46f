"""Whether a list's district, bank and outlet filters are worth showing depends on the user's scope alone:
asked once per user and kept in the shared cache, never shared between users."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.common.listing import choices_for, offers_a_choice
from sheyin.institutions.models import Agency
from sheyin.institutions.tests.factories import district, municipal

pytestmark = pytest.mark.django_db


def _ask(user):  # type: ignore[no-untyped-def]
    return offers_a_choice(user, {"district": choices_for(Agency, user)})


def test_each_user_gets_the_answer_of_their_own_scope(reference) -> None:
    city = user_with_role(Role.MUNICIPAL_ADMIN, agency=municipal())
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    assert _ask(city) == {"district": True}
    assert _ask(officer) == {"district": False}  # asked after the city's answer was kept


def test_the_answer_is_read_once_then_kept(reference) -> None:
    officer = user_with_role(Role.DISTRICT_OFFICER, agency=district("110105"))
    _ask(officer)
    with CaptureQueriesContext(connection) as ctx:
        assert _ask(officer) == {"district": False}
    assert not ctx.captured_queries
