"""R2.0: outlet staff without a grant in force reach only the allow-list; everyone else is unaffected."""

from __future__ import annotations

import pytest
from django.urls import reverse

from sheyin.accounts.roles import Role
from sheyin.accounts.tests.factories import user_with_role
from sheyin.institutions.tests.factories import OutletFactory
from sheyin.staffing.middleware import needs_grant

from .factories import active_grant, staff_with_account

pytestmark = pytest.mark.django_db

ALLOWED = ["dashboards:home", "accounts:profile", "accounts:password_change", "notifications:list", "staffing:my",
           "staffing:my_agreement"]  # fmt: skip
REFUSED = ["institutions:outlet_list", "staffing:staff_list", "staffing:grant_list"]


@pytest.fixture(autouse=True)
def grant_middleware(settings):  # type: ignore[no-untyped-def]
    mw = list(settings.MIDDLEWARE)
    mw.insert(mw.index("sheyin.accounts.middleware.AccountStateMiddleware") + 1,
              "sheyin.staffing.middleware.StaffGrantMiddleware")  # fmt: skip
    settings.MIDDLEWARE = mw


@pytest.mark.parametrize("name", ALLOWED)
def test_staff_without_a_grant_reach_the_allow_list(client, reference, name) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    client.force_login(staff.user)
    assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", REFUSED)
def test_staff_without_a_grant_are_refused_elsewhere_with_a_chinese_explanation(
    client, reference, name
) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    client.force_login(staff.user)
    response = client.get(reverse(name))
    assert response.status_code == 403
    body = response.content.decode()
    assert "未获业务授权" in body and "培训、考核合格并签署保密协议" in body


def test_public_pages_stay_public_for_them(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    client.force_login(staff.user)
    assert client.get("/staffing/verify/nothing/").status_code == 404  # reached the view, not refused


def test_staff_with_a_grant_in_force_go_everywhere_their_role_allows(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    active_grant(staff)
    client.force_login(staff.user)
    assert client.get(reverse("institutions:outlet_list")).status_code == 200


def test_a_session_api_call_without_a_grant_gets_a_problem_document(client, reference) -> None:  # type: ignore[no-untyped-def]
    staff = staff_with_account()
    client.force_login(staff.user)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 403 and response["Content-Type"] == "application/problem+json"


def test_managers_and_agency_roles_are_not_held_to_a_grant(reference) -> None:  # type: ignore[no-untyped-def]
    outlet = OutletFactory()
    assert not needs_grant(user_with_role(Role.OUTLET_MANAGER, outlet=outlet))
    assert needs_grant(user_with_role(Role.OUTLET_STAFF, outlet=outlet))
